"""Self-checks for chapter 3.3: gradient clipping by norm and the warm-up + cosine schedule."""

from __future__ import annotations

import math

import numpy as np

from ..optim.regularization import clip_grad_norm
from ..optim.schedules import warmup_cosine_lr
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)

__all__ = ["check_clip_grad_norm", "check_warmup_cosine"]

_A = np.array
EPS = 1e-6

CLIP_CASES = (
    Case(
        ([_A([0.3, -0.4])], 1.0),
        "one gradient with norm 0.5, below max_norm = 1 (unchanged)",
    ),
    Case(
        ([_A([3.0, 4.0]), _A([12.0])], 1.0),
        "two gradients with norms 5 and 12, global norm 13, max_norm = 1",
    ),
    Case(
        ([_A([[1.0, -2.0], [0.5, 0.0]]), _A([2.0, 2.0, -1.0]), _A([0.25])], 2.0),
        "three gradients of different shapes, global norm above max_norm = 2",
    ),
    Case(
        ([_A([0.003, -0.004]), _A([0.0, 0.0])], 0.001),
        "tiny gradients (norm 0.005) and max_norm = 0.001, where eps = 1e-6 matters",
    ),
    Case(([_A([0.0, 0.0]), _A([[0.0]])], 1.0), "all gradients zero (norm 0)"),
)


def _clip_generated() -> tuple[Case, ...]:
    """Random lists of 1 to 4 gradients of mixed shapes whose global norm falls below, near
    and far above max_norm (scales 1e-3 to 1e2), and one where each tensor alone is below
    max_norm but the global norm is above it (per-tensor clipping changes nothing there)."""
    rng = make_rng(33)
    cases = []
    for n, max_norm, scale in [
        (1, 1.0, 0.2),
        (2, 0.5, 1.0),
        (3, 5.0, 10.0),
        (4, 0.01, 0.01),
        (2, 100.0, 1.0),
        (3, 1.0, 100.0),
    ]:
        shapes = [tuple(rng.integers(1, 4, rng.integers(1, 3))) for _ in range(n)]
        grads = [rng.normal(0.0, scale, s) for s in shapes]
        cases.append(
            generated_case((grads, max_norm), "random gradients and max_norm")
        )
    cases.append(
        generated_case(
            ([np.array([0.6, 0.0]), np.array([0.0, -0.6])], 0.7),
            "each tensor below max_norm, the global norm above it",
        )
    )
    return tuple(cases)


CLIP_GENERATED = _clip_generated()


def _norm(grads):
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads))


def _scaled(grads, scale):
    return [g * scale for g in grads]


def _per_tensor(grads, max_norm):
    out = [g * min(1.0, max_norm / (_norm([g]) + EPS)) for g in grads]
    return out, _norm(grads)


def _always_scale(grads, max_norm):
    total = _norm(grads)
    return _scaled(grads, max_norm / (total + EPS)), total


def _no_eps(grads, max_norm):
    total = _norm(grads)
    return _scaled(grads, min(1.0, max_norm / total)), total


def _clipped_norm(grads, max_norm):
    clipped, _ = clip_grad_norm(grads, max_norm)
    return clipped, _norm(clipped)


def _sum_of_norms(grads, max_norm):
    total = sum(_norm([g]) for g in grads)
    return _scaled(grads, min(1.0, max_norm / (total + EPS))), total


def _squared(grads, max_norm):
    total = _norm(grads) ** 2
    return _scaled(grads, min(1.0, max_norm / (total + EPS))), total


def _by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads], _norm(grads)


CLIP_MISTAKES = (
    Mistake(
        _always_scale,
        "you scaled gradients whose norm is already below max_norm; the"
        " factor is min(1, max_norm / (norm + eps)), so small gradients stay as they are.",
    ),
    Mistake(
        _per_tensor,
        "you clipped each tensor by its own norm; clip_grad_norm uses ONE"
        " global norm, sqrt of the sum of all squared entries of all tensors, and one"
        " factor for all of them, so the update keeps its direction.",
    ),
    Mistake(
        _sum_of_norms,
        "you added up the tensors' norms; the global norm is the square root"
        " of the sum of their squared norms.",
    ),
    Mistake(
        _squared,
        "you used the squared norm; take the square root of the sum of squares.",
    ),
    Mistake(
        _by_value,
        "you clipped each entry to [-max_norm, max_norm] (clipping by value);"
        " clipping by norm rescales the whole gradient by one factor.",
    ),
    Mistake(
        _clipped_norm,
        "return the total norm measured BEFORE clipping, as torch's"
        " clip_grad_norm_ does; it tells you how large the gradient really was.",
    ),
    Mistake(
        _no_eps,
        "you forgot eps: the factor is max_norm / (norm + 1e-6), which keeps it"
        " finite when all gradients are zero and matches torch for tiny norms.",
    ),
)


def _clip_reference(grads, max_norm):
    return clip_grad_norm(grads, max_norm, eps=EPS)


def check_clip_grad_norm(fn) -> CheckResult:
    """Check ``fn(grads, max_norm)`` returns ``(clipped_grads, total_norm)`` like torch's.

    ``grads`` is a list of NumPy arrays; the answer must be new arrays scaled by
    ``min(1, max_norm / (total_norm + 1e-6))`` and the global L2 norm before clipping.
    """
    return run_check(
        "check_clip_grad_norm",
        fn,
        _clip_reference,
        CLIP_CASES + CLIP_GENERATED,
        CLIP_MISTAKES,
        signature="(grads, max_norm)",
    )


# --- linear warm-up followed by cosine decay --------------------------------------------

WARMUP_CASES = (
    Case(
        (0, 0.1, 10, 100, 0.0), "step 0 of a 10-step warm-up (the rate starts at 0)"
    ),
    Case((4, 0.1, 10, 100, 0.0), "step 4 of a 10-step warm-up"),
    Case(
        (10, 0.1, 10, 100, 0.0), "step 10, the end of warm-up (the rate is base_lr)"
    ),
    Case(
        (55, 0.1, 10, 100, 0.0), "half-way through the cosine phase (base_lr / 2)"
    ),
    Case(
        (100, 0.1, 10, 100, 0.001),
        "the last step, total_steps, with min_lr = 0.001",
    ),
    Case((70, 0.1, 10, 100, 0.001), "a cosine step with min_lr = 0.001"),
    Case((150, 0.1, 10, 100, 0.001), "a step after total_steps (stays at min_lr)"),
)


def _warmup_generated() -> tuple[Case, ...]:
    """Schedules with a non-zero floor min_lr everywhere (also during warm-up, where the rate
    still starts at 0), warm-up lengths that do not divide the step (integer division
    shows), and steps at 0, inside warm-up, at its end, in the cosine phase, at total_steps
    and after it; warmup_steps = 0 (no warm-up) too."""
    rng = make_rng(34)
    cases = []
    for warmup, total in [(7, 30), (3, 11), (0, 9), (12, 50), (1, 4)]:
        base_lr = float(np.round(rng.uniform(0.01, 1.0), 4))
        min_lr = float(np.round(base_lr * rng.uniform(0.05, 0.5), 5))
        steps = {
            0,
            warmup // 2 + 1 if warmup > 2 else 0,
            max(warmup - 1, 0),
            warmup,
            int(rng.integers(warmup, total + 1)),
            total,
            total + 3,
        }
        cases += [
            generated_case(
                (s, base_lr, warmup, total, min_lr),
                "a schedule with"
                " min_lr > 0 (step, base_lr, warmup_steps, total_steps,"
                " min_lr)",
            )
            for s in sorted(steps)
        ]
    return tuple(cases)


WARMUP_GENERATED = _warmup_generated()


def _warmup_cosine(
    step,
    base_lr,
    warmup,
    total,
    min_lr,
    *,
    warm=None,
    progress=None,
    shape=None,
    clamp=True,
):
    if step < warmup:
        return base_lr * (warm or (lambda s, w: s / w))(step, warmup)
    t = (progress or (lambda s, w, n: (s - w) / (n - w)))(step, warmup, total)
    t = min(t, 1.0) if clamp else t
    return (
        shape or (lambda b, m, t: m + (b - m) * (1 + math.cos(math.pi * t)) / 2)
    )(base_lr, min_lr, t)


def _wrong(**kw):
    return lambda step, base_lr, warmup, total, min_lr: _warmup_cosine(
        step, base_lr, warmup, total, min_lr, **kw
    )


WARMUP_MISTAKES = (
    Mistake(
        _wrong(warm=lambda s, w: (s + 1) / w),
        "off-by-one in the warm-up: the rate at step s is base_lr * s / warmup_steps, so"
        " it is 0 at step 0 and reaches base_lr at step warmup_steps, not one step early.",
    ),
    Mistake(
        _wrong(progress=lambda s, w, n: s / n),
        "the cosine must start when warm-up ends: its progress is"
        " (step - warmup_steps) / (total_steps - warmup_steps), not step / total_steps.",
    ),
    Mistake(
        _wrong(progress=lambda s, w, n: (s - w) / n),
        "the cosine phase lasts total_steps - warmup_steps steps: divide (step -"
        " warmup_steps) by that, not by total_steps, or it never reaches min_lr.",
    ),
    Mistake(
        _wrong(shape=lambda b, m, t: b * math.cos(math.pi * t)),
        "use half a cosine shifted up, (1 + cos(π·progress)) / 2, which falls from 1 to 0;"
        " cos(π·progress) alone falls to -1.",
    ),
    Mistake(
        _wrong(shape=lambda b, m, t: b * (1 + math.cos(math.pi * t)) / 2),
        "min_lr is missing: the rate is min_lr + (base_lr - min_lr)·(1 + cos(π·progress))/2.",
    ),
    Mistake(
        _wrong(shape=lambda b, m, t: m + b * (1 + math.cos(math.pi * t)) / 2),
        "the cosine part must be scaled by (base_lr - min_lr), so the rate starts at base_lr"
        " and ends at min_lr; you added min_lr on top of a full cosine.",
    ),
    Mistake(
        _wrong(clamp=False),
        "after total_steps the rate must stay at min_lr; without clamping the progress at"
        " 1 the cosine climbs back up.",
    ),
)


def _warmup_reference(step, base_lr, warmup_steps, total_steps, min_lr):
    return warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr)


def check_warmup_cosine(fn) -> CheckResult:
    """Check ``fn(step, base_lr, warmup_steps, total_steps, min_lr)`` returns the rate of a
    linear warm-up from 0 followed by a cosine decay to ``min_lr``."""
    return run_check(
        "check_warmup_cosine",
        fn,
        _warmup_reference,
        WARMUP_CASES + WARMUP_GENERATED,
        WARMUP_MISTAKES,
        signature="(step, base_lr, warmup_steps, total_steps, min_lr)",
    )
