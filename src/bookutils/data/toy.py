"""Small two-class data sets generated on the spot, so no chapter has to download any.

Every generator takes ``seed`` (same seed, same data) and ``labels``: ``"01"`` gives labels
0 and 1, ``"pm1"`` gives -1 and +1 (the perceptron's convention). Written with NumPy alone
rather than borrowed from scikit-learn, which keeps ``bookutils`` light for learners and lets
``make_separable`` also return the separating line and guarantee a margin.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Labels = Literal["01", "pm1"]


def _check_common(n: int, noise: float, labels: str, min_n: int = 2) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < min_n:
        raise ValueError(
            f"n must be an int >= {min_n} (both classes need points), got {n!r}"
        )
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if labels not in ("01", "pm1"):
        raise ValueError(f"labels must be '01' or 'pm1', got {labels!r}")


def _relabel(y01: np.ndarray, labels: str) -> np.ndarray:
    return y01.astype(np.int64) if labels == "01" else 2 * y01.astype(np.int64) - 1


def make_separable(
    n: int = 100,
    margin: float = 0.1,
    *,
    dim: int = 2,
    radius: float = 1.0,
    seed: int | None = None,
    labels: Labels = "pm1",
    return_separator: bool = False,
):
    """Points in a ball of ``radius`` that a hyperplane separates with at least ``margin``.

    A unit normal ``u`` and offset ``b`` are drawn at random; points are drawn uniformly in
    the ball and those closer than ``margin`` to the plane u·x + b = 0 are thrown away, so
    ``y_i (u·x_i + b) >= margin`` for every point. Both classes always get points.

    Returns ``(X, y)``, or ``(X, y, u, b)`` with ``return_separator=True``.
    """
    _check_common(n, 0.0, labels)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be an int >= 1, got {dim!r}")
    if not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a positive number, got {radius!r}")
    if not (np.isfinite(margin) and 0 < margin < radius / 2):
        raise ValueError(
            f"margin must satisfy 0 < margin < radius/2 = {radius / 2:g},"
            f" got {margin!r}"
        )
    rng = np.random.default_rng(seed)
    u = rng.normal(size=dim)
    u /= np.linalg.norm(u)
    # |b| <= room leaves, on each side, a cap at least radius/2 deep beyond the margin,
    # so the rejection sampling below finds points of both classes.
    room = (radius - 2 * margin) / 2
    b = float(rng.uniform(-room, room))
    half = n // 2
    need = {1: n - half, 0: half}
    kept: dict[int, list[np.ndarray]] = {0: [], 1: []}
    while any(need.values()):
        direction = rng.normal(size=(4 * n, dim))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        r = radius * rng.uniform(size=(4 * n, 1)) ** (1 / dim)
        pts = direction * r
        s = pts @ u + b
        for cls, mask in ((1, s >= margin), (0, s <= -margin)):
            take = pts[mask][: need[cls]]
            kept[cls].append(take)
            need[cls] -= len(take)
    X = np.concatenate(kept[0] + kept[1])
    y01 = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    order = rng.permutation(n)
    X, y = X[order], _relabel(y01[order], labels)
    return (X, y, u, b) if return_separator else (X, y)


def make_moons(
    n: int = 200,
    noise: float = 0.1,
    *,
    seed: int | None = None,
    labels: Labels = "01",
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles: separable, but not by a straight line."""
    _check_common(n, noise, labels)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n - n0)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t0), np.sin(t0)]),
            np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)]),
        ]
    )
    X = X + rng.normal(scale=noise, size=X.shape)
    y01 = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    order = rng.permutation(n)
    return X[order], _relabel(y01[order], labels)


def xor_truth_table(labels: Labels = "01") -> tuple[np.ndarray, np.ndarray]:
    """The four corners of the unit square with the XOR of their coordinates as label."""
    if labels not in ("01", "pm1"):
        raise ValueError(f"labels must be '01' or 'pm1', got {labels!r}")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, _relabel(np.array([0, 1, 1, 0]), labels)


def make_xor(
    n: int = 200,
    noise: float = 0.2,
    *,
    seed: int | None = None,
    labels: Labels = "01",
) -> tuple[np.ndarray, np.ndarray]:
    """Four clouds around (±1, ±1); the label is 1 where the two signs differ."""
    _check_common(n, noise, labels, min_n=4)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = corners[which] + rng.normal(scale=noise, size=(n, 2))
    y01 = np.array([0, 1, 1, 0])[which]
    order = rng.permutation(n)
    return X[order], _relabel(y01[order], labels)


def make_spirals(
    n: int = 200,
    noise: float = 0.1,
    *,
    turns: float = 1.5,
    seed: int | None = None,
    labels: Labels = "01",
) -> tuple[np.ndarray, np.ndarray]:
    """Two arms of a spiral wound ``turns`` times around each other: hard for small nets."""
    _check_common(n, noise, labels)
    if not (np.isfinite(turns) and turns > 0):
        raise ValueError(f"turns must be a positive number, got {turns!r}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    arms = []
    for k, m in enumerate((n0, n - n0)):
        t = np.sqrt(rng.uniform(size=m)) * turns * 2 * np.pi
        angle = t + k * np.pi
        arms.append(
            np.column_stack([t * np.cos(angle), t * np.sin(angle)])
            / (turns * 2 * np.pi)
        )
    X = np.concatenate(arms) + rng.normal(scale=noise, size=(n, 2))
    y01 = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    order = rng.permutation(n)
    return X[order], _relabel(y01[order], labels)
