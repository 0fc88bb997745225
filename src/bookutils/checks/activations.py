"""Self-check for chapter 2.1: a learner's derivative of an activation function."""

from __future__ import annotations

import math

import numpy as np
import scipy.special

from ..foundations.activations import ACTIVATION_NAMES, get_activation
from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check

_A = np.array

CASES = (
    Case(
        (_A([-3.0, -1.0, -0.25, 0.0, 0.25, 1.0, 3.0]),),
        "seven points from -3 to 3, including z = 0",
    ),
    Case((_A([[-2.0, 0.5], [1.5, -0.75]]),), "a 2×2 array (keep the shape)"),
    Case((_A([-8.0, 8.0]),), "large |z|, where saturating functions flatten out"),
)
GENERATED = resampled(CASES, 21, scales=(0.5, 10.0))


def _sig(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _phi(z: np.ndarray) -> np.ndarray:
    """The standard normal density."""
    return np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)


def _Phi(z: np.ndarray) -> np.ndarray:  # noqa: N802 (the usual name of the normal CDF)
    return 0.5 * (1 + scipy.special.erf(z / math.sqrt(2)))


MISTAKES: dict[str, tuple[Mistake, ...]] = {
    "sigmoid": (
        Mistake(
            lambda z: _sig(z) * (1 + _sig(z)),
            "sign error: σ'(z) = σ(z)·(1 − σ(z)), with a minus, not σ(z)·(1 + σ(z)).",
        ),
        Mistake(
            lambda z: z * (1 - z),
            "the formula σ(1 − σ) is applied to σ(z), not to z itself: compute s = σ(z)"
            " first, then s·(1 − s).",
        ),
        Mistake(
            lambda z: _sig(z),
            "that is σ(z) itself; its derivative is σ(z)·(1 − σ(z)).",
        ),
        Mistake(
            lambda z: np.exp(-z) / (1 + np.exp(-z)),
            "the denominator is squared: d/dz (1 + e^(−z))^(−1) = e^(−z)/(1 + e^(−z))²"
            " (chain rule on the power −1).",
        ),
        Mistake(
            lambda z: -np.exp(-z) / (1 + np.exp(-z)) ** 2,
            "forgot the chain factor d(−z)/dz = −1 from the inner −z: the two minus"
            " signs cancel and σ' is positive.",
        ),
    ),
    "tanh": (
        Mistake(
            lambda z: 1 - z**2, "apply 1 − t² to t = tanh(z), not to z itself."
        ),
        Mistake(
            lambda z: 1 - np.tanh(z),
            "the tanh is squared: tanh'(z) = 1 − tanh(z)².",
        ),
        Mistake(
            lambda z: 1 + np.tanh(z) ** 2,
            "sign error: tanh'(z) = 1 − tanh(z)², which is at most 1.",
        ),
        Mistake(
            lambda z: np.tanh(z),
            "that is tanh(z) itself; its derivative is 1 − tanh(z)².",
        ),
    ),
    "relu": (
        Mistake(
            lambda z: (z >= 0).astype(float),
            "at z = 0 the book, like PyTorch, takes the left derivative 0: use z > 0.",
        ),
        Mistake(
            lambda z: np.maximum(z, 0.0),
            "that is ReLU(z) itself; its derivative is 1 for z > 0 and 0 otherwise.",
        ),
    ),
    "leaky_relu": (
        Mistake(
            lambda z: (z > 0).astype(float),
            "for z <= 0 the slope is 0.01, not 0: that is the derivative of ReLU.",
        ),
        Mistake(
            lambda z: np.where(z >= 0, 1.0, 0.01),
            "at z = 0 the book, like PyTorch, takes the left slope 0.01: use z > 0.",
        ),
        Mistake(
            lambda z: np.where(z > 0, z, 0.01 * z),
            "that is leaky ReLU itself; its derivative is 1 for z > 0 and 0.01 otherwise.",
        ),
    ),
    "gelu": (
        Mistake(
            lambda z: _Phi(z),
            "product rule: d/dz [z·Φ(z)] = Φ(z) + z·φ(z); the term z·φ(z) is missing.",
        ),
        Mistake(
            lambda z: _Phi(z) + _phi(z),
            "the second term of the product rule is z·φ(z): the factor z is missing.",
        ),
        Mistake(
            lambda z: _Phi(z) + z * np.exp(-(z**2) / 2),
            "the normal density is φ(z) = exp(−z²/2)/√(2π): the factor 1/√(2π) is missing.",
        ),
        Mistake(
            lambda z: z * _phi(z),
            "product rule: d/dz [z·Φ(z)] = Φ(z) + z·φ(z); the term Φ(z) is missing.",
        ),
    ),
    "softplus": (
        Mistake(
            lambda z: np.exp(z),
            "chain rule through the logarithm: d/dz log(1 + e^z) = e^z/(1 + e^z),"
            " the factor 1/(1 + e^z) is missing.",
        ),
        Mistake(
            lambda z: 1 / (1 + np.exp(z)),
            "sign error: softplus'(z) = e^z/(1 + e^z) = σ(z), which is σ(+z), not σ(−z).",
        ),
        Mistake(
            lambda z: 1 / (1 + np.exp(-z)) ** 2,
            "the derivative of log(u) is 1/u, not 1/u²: softplus'(z) = σ(z).",
        ),
    ),
    "silu": (
        Mistake(
            lambda z: _sig(z),
            "product rule: d/dz [z·σ(z)] = σ(z) + z·σ'(z); the term z·σ'(z) is missing.",
        ),
        Mistake(
            lambda z: z * _sig(z) * (1 - _sig(z)),
            "product rule: d/dz [z·σ(z)] = σ(z) + z·σ'(z); the term σ(z) is missing.",
        ),
        Mistake(
            lambda z: _sig(z) + _sig(z) * (1 - _sig(z)),
            "the second term of the product rule is z·σ'(z): the factor z is missing.",
        ),
    ),
}


def check_activation_derivative(name: str, fn) -> CheckResult:
    """Check ``fn(z)`` returns f'(z), elementwise, for the activation called ``name``.

    ``name`` is one of ``bookutils.foundations.activations.ACTIVATION_NAMES``; ``fn`` takes
    and returns a NumPy array of the same shape. At z = 0, ReLU and leaky ReLU take their
    left derivative.
    """
    if not isinstance(name, str) or name not in ACTIVATION_NAMES:
        raise ValueError(f"name must be one of {ACTIVATION_NAMES}, got {name!r}")
    reference = get_activation(name).df
    return run_check(
        f"check_activation_derivative({name!r})",
        fn,
        reference,
        CASES + GENERATED,
        MISTAKES[name],
        signature="(z)",
    )
