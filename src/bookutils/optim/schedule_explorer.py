"""What a learning-rate schedule does to SGD on a noisy quadratic, computed exactly.

The loss is L(w) = ½ Σ_i h_i w_i² and each step sees the gradient h ⊙ w plus independent
noise of standard deviation ``noise``, like a mini-batch gradient. For SGD with rate η_t
the expected squares follow exactly

    E[w_i²] ← (1 - η_t h_i)² E[w_i²] + η_t² noise²,

so the expected loss of a whole run is a short deterministic loop: no sampling, and the
scrubbable figure of chapter 3.3 and its tests share it. Large rates make fast progress but
settle at a high noise floor (about η noise² d / 4); decaying the rate lowers the floor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .schedules import step_lr, warmup_cosine_lr

#: The schedules the 3.3 explorer compares.
SCHEDULE_KINDS = ("constant", "step", "warm-up + cosine")


def quadratic_curvatures(
    d: int = 20, low: float = 0.01, high: float = 1.0
) -> np.ndarray:
    """``d`` curvatures h_i spaced evenly on a log scale from ``low`` to ``high``."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    if not 0 < low <= high:
        raise ValueError(f"need 0 < low <= high, got low={low}, high={high}")
    return np.geomspace(low, high, d)


def schedule_rates(kind: str, base_lr: float, total_steps: int) -> np.ndarray:
    """The rate at steps 0..total_steps-1 for one of :data:`SCHEDULE_KINDS`.

    step: halved every quarter of the run; warm-up + cosine: 10% of the steps of warm-up
    from 0, then a cosine down to 0.
    """
    if kind not in SCHEDULE_KINDS:
        raise ValueError(f"kind must be one of {SCHEDULE_KINDS}, got {kind!r}")
    if (
        isinstance(total_steps, bool)
        or not isinstance(total_steps, int)
        or total_steps < 4
    ):
        raise ValueError(
            f"total_steps must be an integer >= 4, got {total_steps!r}"
        )
    if not base_lr > 0:
        raise ValueError(f"base_lr must be positive, got {base_lr!r}")
    rate: Callable[[int], float] = {
        "constant": lambda t: base_lr,
        "step": lambda t: step_lr(t, base_lr, total_steps // 4, 0.5),
        "warm-up + cosine": lambda t: warmup_cosine_lr(
            t, base_lr, total_steps // 10, total_steps, 0.0
        ),
    }[kind]
    return np.array([rate(t) for t in range(total_steps)])


def expected_losses(
    rates: np.ndarray,
    curvatures: np.ndarray,
    *,
    w0: float = 1.0,
    noise: float = 0.1,
) -> np.ndarray:
    """Expected loss after each SGD step with the given rates (length len(rates) + 1).

    Entry 0 is the loss at the start, every weight equal to ``w0``.
    """
    h = np.asarray(curvatures, dtype=float)
    second_moment = np.full_like(h, float(w0) ** 2)  # E[w_i²]
    losses = [0.5 * float(h @ second_moment)]
    for eta in np.asarray(rates, dtype=float):
        second_moment = (1 - eta * h) ** 2 * second_moment + eta**2 * noise**2
        losses.append(0.5 * float(h @ second_moment))
    return np.array(losses)
