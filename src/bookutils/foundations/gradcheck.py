"""Numerical gradients by central differences, to check hand-written backward passes.

For a function f of an array x, the central difference

    (f(x + ε e_i) − f(x − ε e_i)) / (2ε)

approximates ∂f/∂x_i with an error of order ε² (truncation) plus about u/ε (round-off,
u ≈ 1e-16 in float64). Chapter 3.1 uses it on every parameter of an MLP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def _check_arguments(f: Callable[[], float], x: np.ndarray, eps: float) -> None:
    if not callable(f):
        raise TypeError(
            f"f must be a function of no arguments, got {type(f).__name__}"
        )
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            "x must be a float64 NumPy array (float32 is too coarse for"
            f" central differences), got {getattr(x, 'dtype', type(x).__name__)}"
        )
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")


def numerical_gradient(
    f: Callable[[], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x``; each entry of ``x`` is nudged in place by
    ±eps and restored exactly afterwards. ``x`` must be a float64 array.
    """
    _check_arguments(f, x, eps)
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: writing flat changes x
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(f())
        flat[i] = old - eps
        down = float(f())
        flat[i] = old  # restored exactly
        gflat[i] = (up - down) / (2 * eps)
    return grad


def _same_shape(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    return a, b


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, at most 1; 0 if both are zero."""
    a, b = _same_shape(a, b)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def _check_same_keys(params: Mapping[str, np.ndarray], grads: Mapping) -> None:
    missing = set(params) ^ set(grads)
    if missing:
        raise ValueError(
            f"params and grads must have the same keys; differ in {sorted(missing)}"
        )


def gradient_check(
    f: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    eps: float = 1e-6,
) -> dict[str, float]:
    """Relative error between ``grads`` and central differences, for every parameter.

    ``f()`` computes the loss from the arrays in ``params`` (which it must read, not copy).
    """
    _check_same_keys(params, grads)
    return {
        key: relative_error(grads[key], numerical_gradient(f, params[key], eps))
        for key in params
    }
