"""The McCulloch–Pitts threshold unit (chapter 1.1): binary inputs, a threshold, a binary output.

The unit fires (outputs 1) when no inhibitory input is active and the weighted sum of its
inputs reaches the threshold θ: Σ wᵢxᵢ ≥ θ. Otherwise it outputs 0. In the 1943 paper an
active inhibitory input vetoes firing outright; here that is the optional ``inhibitory`` mask.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

import numpy as np

GATES: dict[str, Callable[..., int]] = {
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "nand": lambda a, b: 1 - (a & b),
    "nor": lambda a, b: 1 - (a | b),
    "xor": lambda a, b: a ^ b,
    "xnor": lambda a, b: 1 - (a ^ b),
    "not": lambda a: 1 - a,
}


def _binary(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"x must be one input vector (d,) or rows of them (n, d), got {x.shape}"
        )
    if not np.all(np.isin(x, (0, 1))):
        raise ValueError(
            "a McCulloch–Pitts unit takes binary inputs: every x must be 0 or 1"
        )
    return x.astype(int)


def _check_unit(
    x: np.ndarray,
    weights: Sequence[float],
    threshold: float,
    inhibitory: Sequence[bool] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The inputs as ints, the weights as floats and the inhibitory mask, all checked."""
    x = _binary(x)
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.shape[0] != x.shape[-1]:
        raise ValueError(
            f"need one weight per input: {x.shape[-1]} inputs, weights {w.shape}"
        )
    if not np.isscalar(threshold) or isinstance(threshold, (bool, str)):
        raise TypeError(
            f"threshold must be a number, got {type(threshold).__name__}"
        )
    if inhibitory is None:
        return x, w, None
    mask = np.asarray(inhibitory, dtype=bool)
    if mask.shape != w.shape:
        raise ValueError(
            f"inhibitory must mark each of the {w.shape[0]} inputs,"
            f" got shape {mask.shape}"
        )
    return x, w, mask


def threshold_unit(x, weights, threshold, inhibitory=None):
    """Output (0 or 1) of a McCulloch–Pitts unit for the input ``x`` or each row of ``x``.

    Fires when no input marked in ``inhibitory`` is 1 and ``weights · x >= threshold``.
    """
    x, w, inhibitory = _check_unit(x, weights, threshold, inhibitory)
    fires = x @ w >= threshold  # the weighted sum reaches the threshold
    if inhibitory is not None:  # ... and no inhibitory input is active
        fires &= ~np.any(x[..., inhibitory] == 1, axis=-1)
    return fires.astype(int)


def binary_inputs(n_inputs: int) -> np.ndarray:
    """All 2**n_inputs binary input vectors as rows, in counting order (00, 01, 10, 11, …)."""
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
        raise ValueError(f"n_inputs must be a positive int, got {n_inputs!r}")
    return np.array(list(itertools.product((0, 1), repeat=n_inputs)), dtype=int)


def truth_table(
    fn: Callable[..., int], n_inputs: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``X`` (all binary rows) and outputs ``y = fn(*row)`` of a Boolean function."""
    if not callable(fn):
        raise TypeError(
            f"fn must be a function of {n_inputs} bits, got {type(fn).__name__}"
        )
    X = binary_inputs(n_inputs)
    return X, np.array([int(fn(*row)) for row in X], dtype=int)


def gate_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Truth table of a named gate: one of ``GATES`` ('and', 'or', 'nand', 'nor', 'xor', …)."""
    if name not in GATES:
        raise ValueError(f"unknown gate {name!r}; choose one of {sorted(GATES)}")
    fn = GATES[name]
    return truth_table(fn, fn.__code__.co_argcount)


def find_threshold_units(
    X: np.ndarray, y: np.ndarray, values: Iterable[int] = range(-3, 4)
) -> list[tuple[tuple[int, ...], int]]:
    """Every ``(weights, threshold)`` with entries in ``values`` whose unit maps X to y.

    An exhaustive search (no inhibitory inputs): (len(values))**(d + 1) candidates.
    """
    X = _binary(np.atleast_2d(X))
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.all(np.isin(y, (0, 1))):
        raise ValueError(
            f"y must hold one target bit (0 or 1) per row of X, got {y.shape}"
        )
    grid = sorted(set(values))
    if not grid:
        raise ValueError("values must hold at least one candidate weight")
    found = []
    for *w, theta in itertools.product(grid, repeat=X.shape[1] + 1):
        if np.array_equal(threshold_unit(X, w, theta), y):
            found.append((tuple(w), theta))
    return found
