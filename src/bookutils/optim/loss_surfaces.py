"""Two-dimensional test functions for watching optimizers move, and a way to draw them.

Each function takes points ``xy`` whose last axis holds the two coordinates and uses only
arithmetic, so it accepts NumPy arrays (for contour plots) and torch tensors (for autograd)
alike. Rosenbrock's gradient and Hessian are also written out, for Newton's method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes

_ANGLE = np.pi / 6  # the valley of the quadratic runs at 30 degrees to the axes
_C, _S = float(np.cos(_ANGLE)), float(np.sin(_ANGLE))
#: Eigenvalues of the quadratic's Hessian: condition number 25.
QUADRATIC_EIGENVALUES = (0.2, 5.0)


def _xy(xy: Any) -> tuple[Any, Any]:
    shape = getattr(xy, "shape", None)
    if shape is None or len(shape) == 0 or shape[-1] != 2:
        raise ValueError(
            f"xy must be an array or tensor whose last axis has length 2, "
            f"got shape {shape}"
        )
    return xy[..., 0], xy[..., 1]


def quadratic(xy: Any) -> Any:
    """An elongated bowl ``½(λ₁u² + λ₂v²)`` in coordinates (u, v) turned by 30°; min at 0."""
    x, y = _xy(xy)
    u, v = _C * x + _S * y, -_S * x + _C * y
    return 0.5 * (
        QUADRATIC_EIGENVALUES[0] * u * u + QUADRATIC_EIGENVALUES[1] * v * v
    )


def quadratic_hessian() -> np.ndarray:
    """The constant Hessian of :func:`quadratic`, ``Rᵀ diag(λ) R``."""
    R = np.array([[_C, _S], [-_S, _C]])
    return R.T @ np.diag(QUADRATIC_EIGENVALUES) @ R


def rosenbrock(xy: Any, a: float = 1.0, b: float = 100.0) -> Any:
    """Rosenbrock's banana ``(a - x)² + b (y - x²)²``; its minimum 0 is at (a, a²)."""
    x, y = _xy(xy)
    return (a - x) ** 2 + b * (y - x * x) ** 2


def rosenbrock_grad(xy: np.ndarray, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """The gradient of :func:`rosenbrock` at one point (shape (2,))."""
    x, y = _point(xy)
    return np.array([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])


def rosenbrock_hessian(
    xy: np.ndarray, a: float = 1.0, b: float = 100.0
) -> np.ndarray:
    """The Hessian of :func:`rosenbrock` at one point (shape (2, 2))."""
    x, y = _point(xy)
    return np.array(
        [[2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x], [-4 * b * x, 2 * b]]
    )


def himmelblau(xy: Any) -> Any:
    """Himmelblau's function ``(x² + y - 11)² + (x + y² - 7)²``: four minima, all 0."""
    x, y = _xy(xy)
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _point(xy: Any) -> tuple[float, float]:
    xy = np.asarray(xy, dtype=float)
    if xy.shape != (2,):
        raise ValueError(f"expected one point of shape (2,), got shape {xy.shape}")
    return float(xy[0]), float(xy[1])


@dataclass(frozen=True)
class Surface:
    """A 2-D loss function with a window to draw it in, a start and its minima."""

    name: str
    f: Callable[[Any], Any]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    log_levels: bool = False

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coordinates X, Y (n × n) of a grid over the window and the loss Z on it."""
        if not isinstance(n, int) or n < 2:
            raise ValueError(f"n must be an int >= 2, got {n!r}")
        X, Y = np.meshgrid(np.linspace(*self.xlim, n), np.linspace(*self.ylim, n))
        return X, Y, self.f(np.stack([X, Y], axis=-1))


#: The test functions by name, as :func:`get_surface` returns them.
SURFACES: dict[str, Surface] = {
    "quadratic": Surface(
        "elongated quadratic",
        quadratic,
        (-4.0, 4.0),
        (-3.0, 3.0),
        (-3.5, -1.0),
        ((0.0, 0.0),),
    ),
    "rosenbrock": Surface(
        "Rosenbrock",
        rosenbrock,
        (-2.0, 2.0),
        (-1.0, 3.0),
        (-1.2, 1.0),
        ((1.0, 1.0),),
        log_levels=True,
    ),
    "himmelblau": Surface(
        "Himmelblau",
        himmelblau,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (0.0, -4.5),
        (
            (3.0, 2.0),
            (-2.805118, 3.131312),
            (-3.779310, -3.283186),
            (3.584428, -1.848127),
        ),
        log_levels=True,
    ),
}


def get_surface(name: str | Surface) -> Surface:
    """The :class:`Surface` called ``name`` (a key of :data:`SURFACES`), or ``name`` itself."""
    if isinstance(name, Surface):
        return name
    if name not in SURFACES:
        raise ValueError(
            f"unknown surface {name!r}; expected one of {list(SURFACES)}"
        )
    return SURFACES[name]


def plot_surface(
    ax: Axes, surface: str | Surface, *, n: int = 150, levels: int = 20
) -> None:
    """Draw the contours of ``surface`` on ``ax`` and mark its minima with stars."""
    s = get_surface(surface)
    X, Y, Z = s.grid(n)
    if s.log_levels:
        lo = max(float(Z.min()), 1e-3)
        ax.contour(
            X,
            Y,
            Z,
            levels=np.geomspace(lo, float(Z.max()), levels),
            cmap="viridis",
            linewidths=0.8,
            zorder=1,
        )
    else:
        ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8, zorder=1)
    mins = np.array(s.minima)
    ax.plot(mins[:, 0], mins[:, 1], "k*", ms=12, zorder=4)
    ax.set_xlim(*s.xlim)
    ax.set_ylim(*s.ylim)


def plot_path(
    ax: Axes,
    path: np.ndarray,
    *,
    label: str | None = None,
    color: str | None = None,
) -> None:
    """Draw an optimizer's path (an (m, 2) array of points) with its start marked."""
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
        raise ValueError(
            f"path must have shape (m, 2) with m >= 1, got {path.shape}"
        )
    (line,) = ax.plot(
        path[:, 0], path[:, 1], "-", lw=1.5, color=color, label=label, zorder=3
    )
    ax.plot(path[:1, 0], path[:1, 1], "o", color=line.get_color(), ms=6, zorder=4)
    ax.plot(path[-1:, 0], path[-1:, 1], "x", color=line.get_color(), ms=7, zorder=4)
