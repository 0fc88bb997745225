"""Activation functions, each in three forms that must agree: sympy, NumPy and PyTorch.

The sympy expression is the single definition. Its derivative is computed by sympy, and both
are turned into NumPy functions with ``sympy.lambdify``; the PyTorch functional that a real
network would use is kept beside them so a notebook can check all three against each other.

ReLU and leaky ReLU are written as ``Piecewise`` with the kink assigned to the left branch,
so their derivative at z = 0 is the left one (0 and the slope), the convention PyTorch's
autograd uses too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import scipy.special
import sympy as sp
import torch
import torch.nn.functional as F

Z = sp.Symbol("z", real=True)
LEAKY_SLOPE = sp.Rational(1, 100)  # PyTorch's default negative_slope, 0.01

_sigmoid = 1 / (1 + sp.exp(-Z))

_DEFINITIONS: dict[
    str, tuple[str, sp.Expr, Callable[[torch.Tensor], torch.Tensor]]
] = {
    "sigmoid": (r"\sigma(z)", _sigmoid, torch.sigmoid),
    "tanh": (r"\tanh(z)", sp.tanh(Z), torch.tanh),
    "relu": (r"\mathrm{ReLU}(z)", sp.Piecewise((Z, Z > 0), (0, True)), F.relu),
    "leaky_relu": (
        r"\mathrm{LeakyReLU}(z)",
        sp.Piecewise((Z, Z > 0), (LEAKY_SLOPE * Z, True)),
        partial(F.leaky_relu, negative_slope=float(LEAKY_SLOPE)),
    ),
    "gelu": (r"\mathrm{GELU}(z)", Z / 2 * (1 + sp.erf(Z / sp.sqrt(2))), F.gelu),
    "softplus": (r"\mathrm{softplus}(z)", sp.log(1 + sp.exp(Z)), F.softplus),
    "silu": (r"\mathrm{SiLU}(z)", Z * _sigmoid, F.silu),
}

#: The names :func:`get_activation` accepts.
ACTIVATION_NAMES: tuple[str, ...] = tuple(_DEFINITIONS)

_MODULES = [{"erf": scipy.special.erf}, "numpy"]


@dataclass(frozen=True)
class Activation:
    """One activation function: its formula, its derivative, and code for both.

    ``f`` and ``df`` take and return NumPy arrays (float64); ``torch_fn`` is the PyTorch
    functional (``torch.sigmoid``, ``F.gelu``, ...) that computes the same ``f``.
    """

    name: str
    latex: str
    expr: sp.Expr
    derivative: sp.Expr
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    torch_fn: Callable[[torch.Tensor], torch.Tensor]


def _vectorised(
    fn: Callable[[np.ndarray], np.ndarray],
) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap a lambdified function so it always returns a float array shaped like its input
    (a constant such as ReLU's derivative on one branch would otherwise come back a scalar)."""

    def wrapped(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        return np.broadcast_to(np.asarray(fn(z), dtype=float), z.shape).copy()

    return wrapped


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"an activation is named by a string, got {type(name).__name__}"
        )
    if name not in _DEFINITIONS:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {ACTIVATION_NAMES}"
        )
    return name


@cache
def get_activation(name: str) -> Activation:
    """The :class:`Activation` called ``name`` (one of :data:`ACTIVATION_NAMES`)."""
    _check_name(name)
    latex, expr, torch_fn = _DEFINITIONS[name]
    derivative = sp.diff(expr, Z)
    return Activation(
        name,
        latex,
        expr,
        derivative,
        _vectorised(sp.lambdify(Z, expr, modules=_MODULES)),
        _vectorised(sp.lambdify(Z, derivative, modules=_MODULES)),
        torch_fn,
    )


def autograd_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """f'(z) for the activation ``name`` computed by PyTorch's autograd, in float64 on the CPU.

    Each output depends only on its own input, so the gradient of ``sum(f(z))`` is f'(z).
    """
    act = get_activation(name)
    z_t = torch.tensor(
        np.asarray(z, dtype=float), dtype=torch.float64, requires_grad=True
    )
    act.torch_fn(z_t).sum().backward()
    return z_t.grad.numpy()
