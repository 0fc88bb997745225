"""Power laws fitted in log-log space, for scaling-law experiments (chapter 8.1).

A power law ``y = a · x^(-alpha)`` is a straight line in log-log coordinates,
``log y = log a - alpha · log x``, so ordinary least squares on the logarithms fits it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PowerLawFit:
    """A fitted power law ``y = a · x^(-alpha)`` and its R² in log-log space."""

    a: float
    alpha: float
    r2: float

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        """Evaluate the fitted law at ``x``."""
        return power_law(x, self.a, self.alpha)


def _positive_array(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(
            f"{name} must hold finite positive numbers (logarithms are taken)"
        )
    return arr


def power_law(x: np.ndarray | float, a: float, alpha: float) -> np.ndarray:
    """``a · x^(-alpha)`` for positive ``x``."""
    x = np.asarray(x, dtype=float)
    if np.any(x <= 0):
        raise ValueError("x must be positive")
    return a * x ** (-alpha)


def _check_points(x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    x, y = _positive_array("x", x), _positive_array("y", y)
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same length, got {len(x)} and {len(y)}"
        )
    if len(x) < 3:
        raise ValueError(
            f"need at least 3 points to fit and judge a line, got {len(x)}"
        )
    return x, y


def fit_power_law(x: np.ndarray, y: np.ndarray) -> PowerLawFit:
    """Least-squares fit of ``log y = log a - alpha · log x``; needs at least 3 points."""
    x, y = _check_points(x, y)
    lx, ly = np.log(x), np.log(y)  # a power law is a straight line in log-log space
    slope, intercept = np.polyfit(lx, ly, 1)
    residual = ly - (intercept + slope * lx)
    total = np.sum((ly - ly.mean()) ** 2)
    r2 = 1.0 - np.sum(residual**2) / total if total > 0 else 1.0
    return PowerLawFit(
        a=float(np.exp(intercept)), alpha=float(-slope), r2=float(r2)
    )
