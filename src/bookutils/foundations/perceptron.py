"""Rosenblatt's perceptron from scratch (chapter 4.1), reused by later chapters.

Labels are -1 and +1. The unit computes z = w·x + b and predicts +1 when z > 0, else -1.
The learning rule treats y·z <= 0 as a mistake (a point on the boundary is never counted as
classified), and on a mistake moves w by η·y·x and b by η·y.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _as_weights(
    w: np.ndarray, b: float, dim: int | None = None
) -> tuple[np.ndarray, float]:
    w = np.asarray(w, dtype=float)
    if w.ndim != 1:
        raise ValueError(f"w must be a 1-D weight vector, got shape {w.shape}")
    if dim is not None and w.shape[0] != dim:
        raise ValueError(
            f"w has {w.shape[0]} weights but the inputs have {dim} features"
        )
    if not np.isscalar(b) and np.ndim(b) != 0:
        raise ValueError(f"b must be a number, got an array of shape {np.shape(b)}")
    return w, float(b)


def _check_labels(y: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match X, got {y.shape}")
    if not np.all(np.isin(y, (-1, 1))):
        raise ValueError(
            "perceptron labels must be -1 or +1 (use labels='pm1' in bookutils.data)"
        )
    return y.astype(float)


def _check_predict_args(
    w: np.ndarray, b: float, X: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """``(w, b, X)`` as arrays, X as rows ``(n, d)``; ValueError if the sizes differ."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    w, b = _as_weights(w, b, X.shape[1])
    return w, b, X


def _check_update_args(
    w: np.ndarray, b: float, x: np.ndarray, y: int, lr: float
) -> tuple[np.ndarray, float, np.ndarray]:
    """``(w, b, x)`` as arrays; ValueError for a bad example, label or learning rate."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(
            f"x must be one example (a 1-D array), got shape {x.shape}"
        )
    w, b = _as_weights(w, b, x.shape[0])
    if y not in (-1, 1):
        raise ValueError(f"y must be -1 or +1, got {y!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    return w, b, x


def perceptron_predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Labels (-1 or +1) the perceptron with weights ``w`` and bias ``b`` gives the rows of X."""
    w, b, X = _check_predict_args(w, b, X)  # X: (n, d), w: (d,)
    z = X @ w + b  # (n,): one pre-activation per row
    return np.where(z > 0, 1, -1)  # the sign step; z = 0 gives -1


def perceptron_update(
    w: np.ndarray, b: float, x: np.ndarray, y: int, lr: float = 1.0
) -> tuple[np.ndarray, float]:
    """One step of the learning rule on the example (x, y); returns new ``(w, b)``.

    Nothing changes when the example is classified correctly (y·(w·x + b) > 0).
    The inputs are not modified.
    """
    w, b, x = _check_update_args(w, b, x, y, lr)
    if y * (w @ x + b) <= 0:  # a mistake (z = 0 counts as one)
        return (
            w + lr * y * x,
            b + lr * y,
        )  # new arrays: the inputs stay as they were
    return w.copy(), b


@dataclass
class PerceptronRun:
    """What :func:`train_perceptron` learned and how it got there."""

    w: np.ndarray
    b: float
    mistakes: int
    epochs: int
    converged: bool
    history: list[tuple[np.ndarray, float]] = field(
        repr=False, default_factory=list
    )


def train_perceptron(
    X: np.ndarray,
    y: np.ndarray,
    *,
    lr: float = 1.0,
    max_epochs: int = 100,
    seed: int | None = None,
) -> PerceptronRun:
    """Run the perceptron rule over the data, epoch after epoch, from w = 0, b = 0.

    Examples are visited in order (or, with ``seed``, in a fresh random order every epoch)
    and :func:`perceptron_update` is applied to each. Stops after the first epoch without
    a mistake (``converged=True``) or after ``max_epochs``. ``history`` holds (w, b) after
    every update, starting with the zero initialisation.

    Visiting a correctly classified example changes nothing, so instead of stepping through
    them one by one the loop jumps straight to the next misclassified example in the visiting
    order (one vectorised scan per update): the same run, far fewer Python steps.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (n, d) with n >= 1, got {X.shape}")
    y = _check_labels(y, X.shape[0])
    if (
        isinstance(max_epochs, bool)
        or not isinstance(max_epochs, (int, np.integer))
        or max_epochs < 1
    ):
        raise ValueError(f"max_epochs must be an int >= 1, got {max_epochs!r}")
    rng = np.random.default_rng(seed) if seed is not None else None
    n = len(y)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [(w.copy(), b)]
    mistakes = 0
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(n) if rng is not None else np.arange(n)
        Xo, yo = X[order], y[order]
        errors, pos = 0, 0
        while True:
            wrong = np.flatnonzero(yo[pos:] * (Xo[pos:] @ w + b) <= 0)
            if wrong.size == 0:
                break
            i = pos + int(wrong[0])
            w, b = perceptron_update(w, b, Xo[i], int(yo[i]), lr)
            history.append((w.copy(), b))
            errors += 1
            pos = i + 1
        mistakes += errors
        if errors == 0:
            return PerceptronRun(w, b, mistakes, epoch, True, history)
    return PerceptronRun(w, b, mistakes, max_epochs, False, history)


def margin_and_radius(
    X: np.ndarray, y: np.ndarray, u: np.ndarray, b: float
) -> tuple[float, float]:
    """γ and R of Novikoff's theorem for the separator (u, b), with the bias folded in.

    The perceptron with a bias is the perceptron without one on inputs x̃ = (x, 1) with
    weights w̃ = (w, b). So R = max ||x̃_i|| and γ = min y_i (ũ·x̃_i) for the unit vector
    ũ = (u, b)/||(u, b)||. Raises ``ValueError`` if (u, b) does not separate the data.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n, d), got {X.shape}")
    y = _check_labels(y, X.shape[0])
    u, b = _as_weights(u, b, X.shape[1])
    X_aug = np.column_stack([X, np.ones(len(X))])
    u_aug = np.append(u, b)
    norm = np.linalg.norm(u_aug)
    if norm == 0:
        raise ValueError("the separator (u, b) is zero and separates nothing")
    gamma = float(np.min(y * (X_aug @ u_aug)) / norm)
    if gamma <= 0:
        raise ValueError(
            f"(u, b) does not separate the data: smallest signed margin {gamma:.3g}"
        )
    return gamma, float(np.max(np.linalg.norm(X_aug, axis=1)))


def novikoff_bound(X: np.ndarray, y: np.ndarray, u: np.ndarray, b: float) -> float:
    """(R/γ)²: the most mistakes the perceptron can make on data that (u, b) separates."""
    gamma, radius = margin_and_radius(X, y, u, b)
    return (radius / gamma) ** 2
