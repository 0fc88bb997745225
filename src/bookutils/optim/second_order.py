"""Second-order and quasi-Newton minimisers written from scratch in NumPy (float64).

* :func:`newton` solves ``H d = -g`` for its step, using the exact Hessian;
* :func:`bfgs` builds an approximation of the *inverse* Hessian from gradient differences;
* :func:`lbfgs` keeps only the last few differences and applies them with the two-loop
  recursion (:func:`lbfgs_direction`).

Newton uses a backtracking (Armijo) line search, the quasi-Newton methods a weak-Wolfe one
(:func:`wolfe`), which keeps their curvature pairs valid. All three stop when the gradient's
norm falls to ``tol``. Each returns a :class:`MinimizeResult` with the whole path, for plots
and tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

Fun = Callable[[np.ndarray], float]
Grad = Callable[[np.ndarray], np.ndarray]


@dataclass
class MinimizeResult:
    """Where a minimiser ended, how it got there, and how much it cost."""

    x: np.ndarray
    converged: bool
    n_iter: int
    n_fev: int
    path: list[np.ndarray] = field(repr=False, default_factory=list)
    losses: list[float] = field(repr=False, default_factory=list)
    grad_norms: list[float] = field(repr=False, default_factory=list)

    @property
    def fun(self) -> float:
        """The loss at the final point."""
        return self.losses[-1]


def _check_inputs(
    fun: object, grad: object, x0: object, tol: float, max_iter: int
) -> np.ndarray:
    if not callable(fun) or not callable(grad):
        raise TypeError("fun and grad must be functions of a 1-D array")
    x = np.array(x0, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(
            f"x0 must be a finite, non-empty 1-D array, got shape {x.shape}"
        )
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    if not isinstance(max_iter, int) or isinstance(max_iter, bool) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int, got {max_iter!r}")
    return x


def backtracking(
    fun: Fun,
    x: np.ndarray,
    f: float,
    g: np.ndarray,
    d: np.ndarray,
    *,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_halvings: int = 60,
) -> tuple[float, int]:
    """Largest ``t`` in 1, ½, ¼, ... with ``fun(x + t d) <= f + c1 t g·d`` (Armijo).

    Returns ``(t, evaluations)``. Raises ValueError if ``d`` is not a descent direction.
    """
    slope = float(g @ d)
    if not slope < 0:
        raise ValueError(
            f"d is not a descent direction (g·d = {slope:.3g} must be < 0)"
        )
    t = 1.0
    for k in range(1, max_halvings + 1):
        if fun(x + t * d) <= f + c1 * t * slope:
            return t, k
        t *= shrink
    return t, max_halvings


def wolfe(
    fun: Fun,
    grad: Grad,
    x: np.ndarray,
    f: float,
    g: np.ndarray,
    d: np.ndarray,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_tries: int = 60,
) -> tuple[float, int]:
    """A step ``t`` meeting the weak Wolfe conditions, by bracketing and bisection.

    Sufficient decrease ``fun(x + t d) <= f + c1 t g·d`` and curvature
    ``grad(x + t d)·d >= c2 g·d``; the second makes ``y·s > 0``, which BFGS needs.
    Returns ``(t, evaluations)``; raises ValueError if ``d`` is not a descent direction.
    """
    slope = float(g @ d)
    if not slope < 0:
        raise ValueError(
            f"d is not a descent direction (g·d = {slope:.3g} must be < 0)"
        )
    lo, hi, t = 0.0, np.inf, 1.0
    for k in range(1, max_tries + 1):
        if fun(x + t * d) > f + c1 * t * slope:
            hi = t
        elif float(grad(x + t * d) @ d) < c2 * slope:
            lo = t
        else:
            return t, k
        t = (lo + hi) / 2 if np.isfinite(hi) else 2 * lo
    return t, max_tries


def _run(
    fun: Fun,
    grad: Grad,
    x: np.ndarray,
    tol: float,
    max_iter: int,
    direction: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    update: Callable[[np.ndarray, np.ndarray], None],
    line_search: str | None,
) -> MinimizeResult:
    f, g = float(fun(x)), np.asarray(grad(x), dtype=float)
    res = MinimizeResult(
        x, False, 0, 1, [x.copy()], [f], [float(np.linalg.norm(g))]
    )
    for k in range(max_iter):
        if res.grad_norms[-1] <= tol:
            res.converged = True
            break
        d = direction(x, g, k)
        if line_search == "armijo":
            t, evals = backtracking(fun, x, f, g, d)
            res.n_fev += evals
        elif line_search == "wolfe":
            t, evals = wolfe(fun, grad, x, f, g, d)
            res.n_fev += evals
        else:
            t = 1.0
        x_new = x + t * d
        f_new, g_new = float(fun(x_new)), np.asarray(grad(x_new), dtype=float)
        res.n_fev += 1
        update(x_new - x, g_new - g)
        x, f, g = x_new, f_new, g_new
        res.n_iter += 1
        res.path.append(x.copy())
        res.losses.append(f)
        res.grad_norms.append(float(np.linalg.norm(g)))
    res.converged = res.grad_norms[-1] <= tol
    res.x = x
    return res


def newton(
    fun: Fun,
    grad: Grad,
    hess: Callable[[np.ndarray], np.ndarray],
    x0: Sequence[float],
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    line_search: bool = True,
) -> MinimizeResult:
    """Newton's method: step ``d = -H⁻¹g`` (solved, never inverted), damped by a line search.

    Where the Hessian is not positive definite, the Newton step may point uphill; then the
    step falls back to ``-g`` so that the line search can proceed.
    """
    x = _check_inputs(fun, grad, x0, tol, max_iter)
    if not callable(hess):
        raise TypeError("hess must be a function of a 1-D array returning a matrix")

    def direction(x: np.ndarray, g: np.ndarray, _k: int) -> np.ndarray:
        d = np.linalg.solve(np.asarray(hess(x), dtype=float), -g)
        return d if g @ d < 0 or not line_search else -g

    return _run(
        fun,
        grad,
        x,
        tol,
        max_iter,
        direction,
        lambda s, y: None,
        "armijo" if line_search else None,
    )


def bfgs_inverse_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The BFGS update of an inverse-Hessian approximation ``H`` by the pair (s, y).

    ``H⁺ = (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ`` with ``ρ = 1/(yᵀs)``; it satisfies the
    secant equation ``H⁺ y = s``. Needs the curvature condition ``yᵀs > 0``.
    """
    sy = float(y @ s)
    if not sy > 0:
        raise ValueError(f"the curvature condition y·s > 0 fails (y·s = {sy:.3g})")
    rho = 1.0 / sy
    V = np.eye(len(s)) - rho * np.outer(s, y)
    return V @ H @ V.T + rho * np.outer(s, s)


def bfgs(
    fun: Fun,
    grad: Grad,
    x0: Sequence[float],
    *,
    tol: float = 1e-8,
    max_iter: int = 1000,
) -> MinimizeResult:
    """BFGS with a weak-Wolfe line search (:func:`wolfe`), which keeps ``y·s > 0``.

    Starts from ``H = I`` and, after the first step, rescales it to ``(y·s / y·y) I``
    (Nocedal and Wright, eq. 6.20) so that the first update has the right size.
    """
    x = _check_inputs(fun, grad, x0, tol, max_iter)
    H = np.eye(len(x))
    first = [True]

    def direction(_x: np.ndarray, g: np.ndarray, _k: int) -> np.ndarray:
        return -H @ g

    def update(s: np.ndarray, y: np.ndarray) -> None:
        nonlocal H
        sy = float(y @ s)
        if sy <= 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            return
        if first[0]:
            H = (sy / float(y @ y)) * np.eye(len(s))
            first[0] = False
        H = bfgs_inverse_update(H, s, y)

    return _run(fun, grad, x, tol, max_iter, direction, update, "wolfe")


def lbfgs_direction(
    g: np.ndarray, s_list: Sequence[np.ndarray], y_list: Sequence[np.ndarray]
) -> np.ndarray:
    """The L-BFGS step ``-H g`` by the two-loop recursion over the pairs (oldest first).

    ``H`` is the BFGS inverse Hessian built from ``γ I`` with ``γ = s·y / y·y`` of the
    newest pair by the given pairs; with no pairs the step is ``-g``.
    """
    if len(s_list) != len(y_list):
        raise ValueError(
            f"s_list and y_list must be equally long, got {len(s_list)} and "
            f"{len(y_list)}"
        )
    q = np.array(g, dtype=float)
    rhos = [1.0 / float(y @ s) for s, y in zip(s_list, y_list, strict=True)]
    alphas = []
    for s, y, rho in zip(
        reversed(s_list), reversed(y_list), reversed(rhos), strict=True
    ):
        a = rho * float(s @ q)
        q = q - a * y
        alphas.append(a)
    gamma = (
        float(s_list[-1] @ y_list[-1] / (y_list[-1] @ y_list[-1]))
        if s_list
        else 1.0
    )
    r = gamma * q
    for s, y, rho, a in zip(s_list, y_list, rhos, reversed(alphas), strict=True):
        b = rho * float(y @ r)
        r = r + (a - b) * s
    return -r


def lbfgs(
    fun: Fun,
    grad: Grad,
    x0: Sequence[float],
    *,
    memory: int = 10,
    tol: float = 1e-8,
    max_iter: int = 1000,
) -> MinimizeResult:
    """Limited-memory BFGS: keeps the last ``memory`` pairs, O(memory · d) per step."""
    x = _check_inputs(fun, grad, x0, tol, max_iter)
    if not isinstance(memory, int) or isinstance(memory, bool) or memory < 1:
        raise ValueError(f"memory must be a positive int, got {memory!r}")
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []

    def direction(_x: np.ndarray, g: np.ndarray, _k: int) -> np.ndarray:
        return lbfgs_direction(g, S, Y)

    def update(s: np.ndarray, y: np.ndarray) -> None:
        if float(y @ s) > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            S.append(s)
            Y.append(y)
            if len(S) > memory:
                S.pop(0)
                Y.pop(0)

    return _run(fun, grad, x, tol, max_iter, direction, update, "wolfe")
