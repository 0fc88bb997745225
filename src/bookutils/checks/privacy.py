"""Self-check for chapter 8.2: per-example gradient clipping, the first step of DP-SGD."""

from __future__ import annotations

import torch

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check
from ..training.privacy import clip_per_example

_T = torch.tensor

CLIP_CASES = (
    Case(
        (_T([[0.3, 0.4], [1.2, 0.5]]), 2.0),
        "every gradient already shorter than c = 2",
    ),
    Case(
        (_T([[3.0, 4.0], [0.0, 1.0], [6.0, -8.0]]), 2.0),
        "two long gradients (norms 5 and 10) and a short one, c = 2",
    ),
    Case(
        (_T([[[1.0, 2.0], [2.0, 4.0]], [[0.1, 0.0], [0.0, 0.1]]]), 1.0),
        "matrix-shaped gradients: the norm is over all entries of each example",
    ),
)
CLIP_GENERATED = resampled(CLIP_CASES, 821, scales=(0.1, 3.0, 30.0))


def _rows(g):
    return g.flatten(1).norm(dim=1).reshape(-1, *([1] * (g.ndim - 1)))


CLIP_MISTAKES = (
    Mistake(
        lambda g, c: g * min(1.0, c / float(g.norm())),
        "clip each example separately: one norm for the whole batch lets a single example"
        " dominate, and bounds no individual contribution.",
    ),
    Mistake(
        lambda g, c: g * c / _rows(g),
        "only shrink gradients longer than c: multiply by min(1, c / norm), never scale"
        " a short gradient up.",
    ),
    Mistake(
        lambda g, c: g.clamp(-c, c),
        "clamping each coordinate does not bound the norm: rescale the whole gradient"
        " vector by min(1, c / norm).",
    ),
    Mistake(
        lambda g, c: g * torch.clamp(1.0 / _rows(g), max=1.0),
        "the clipping bound c is missing: the factor is min(1, c / norm), not"
        " min(1, 1 / norm).",
    ),
)


def check_clip_per_example(fn) -> CheckResult:
    """Check ``fn(per_example_grads, max_norm)`` clips each example's gradient to norm c."""
    return run_check(
        "check_clip_per_example",
        fn,
        clip_per_example,
        CLIP_CASES + CLIP_GENERATED,
        CLIP_MISTAKES,
        signature="(per_example_grads, max_norm)",
    )
