"""Self-check for chapter 9.3: early stopping on a validation curve."""

from __future__ import annotations

import numpy as np

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)
from ..training.monitoring import early_stopping_epochs

__all__ = ["check_early_stopping"]

CASES = (
    Case(
        ([1.0, 0.8, 0.6, 0.5, 0.45], 2, 0.0),
        "a curve that keeps falling: never stop early, run to the last epoch",
    ),
    Case(
        ([1.0, 0.7, 0.6, 0.65, 0.7, 0.8, 0.9, 0.5], 3, 0.0),
        "a U-shaped curve with patience 3 (the late dip at epoch 7 is never seen)",
    ),
    Case(
        ([1.0, 0.9, 0.95, 0.85, 0.9, 0.92, 0.93], 2, 0.0),
        "a new best at epoch 3 after one bad epoch, patience 2",
    ),
    Case(
        ([1.0, 0.8, 0.8, 0.8, 0.7], 2, 0.0), "a plateau: equal losses, patience 2"
    ),
    Case(
        ([1.0, 0.97, 0.95, 0.94, 0.93, 0.5], 3, 0.1),
        "small improvements below min_delta = 0.1, patience 3",
    ),
)


def _generated() -> tuple[Case, ...]:
    """Curves that improve, get worse, then improve again but less than the best (so a
    comparison with the previous epoch instead of the best shows), plateaus shorter than
    the patience followed by a new best, improvements just above and just below min_delta,
    a one-epoch curve, and random walks of 3 to 15 epochs with patience 1 to 4."""
    rng = make_rng(93)
    cases = [
        generated_case(
            ([1.0, 0.5, 0.8, 0.6, 0.7, 0.65, 0.9], 3, 0.0),
            "improve, worsen, improve less than the best",
        ),
        generated_case(
            ([1.0, 0.9, 0.9, 0.8, 0.8, 0.7, 0.75, 0.76], 2, 0.0),
            "plateaus shorter than the patience, then a new best",
        ),
        generated_case(
            ([1.0, 0.85, 0.76, 0.7, 0.69, 0.68], 2, 0.05),
            "improvements above, then below min_delta",
        ),
        generated_case(([0.3], 1, 0.0), "a single epoch"),
    ]
    for n, patience in [(3, 1), (6, 2), (10, 3), (15, 4), (8, 1)]:
        losses = [
            float(v)
            for v in np.round(1.0 + np.cumsum(rng.normal(-0.05, 0.1, n)), 3)
        ]
        cases.append(
            generated_case((losses, patience, 0.0), "a random validation curve")
        )
    return tuple(cases)


GENERATED = _generated()


def _scan(losses, patience, min_delta, *, better, reset=True, late=False):
    best, best_epoch, waited = np.inf, -1, 0
    for epoch, loss in enumerate(losses):
        if better(loss, best, min_delta):
            best, best_epoch = loss, epoch
            waited = 0 if reset else waited
            continue
        waited += 1
        if (waited > patience) if late else (waited >= patience):
            return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _strict(loss, best, min_delta):
    return loss < best - min_delta


def _mistake(**kw):
    return lambda losses, patience, min_delta: _scan(
        losses, patience, min_delta, **{"better": _strict, **kw}
    )


def _whole_curve(losses, patience, min_delta):
    _, stop = early_stopping_epochs(losses, patience, min_delta)
    return int(np.argmin(losses)), stop


MISTAKES = (
    Mistake(
        _mistake(better=lambda loss, best, d: best == np.inf or loss > best + d),
        "a lower validation loss is better: the best epoch is the one with the smallest"
        " loss, not the largest.",
    ),
    Mistake(
        _mistake(late=True),
        "you stopped one epoch late: stop at the epoch where the count of epochs without"
        " improvement reaches patience (waited >= patience), not when it exceeds it.",
    ),
    Mistake(
        _whole_curve,
        "the best epoch must come from the epochs actually run: early stopping never sees"
        " the losses after the stop, so take the best among epochs 0..stop_epoch.",
    ),
    Mistake(
        _mistake(reset=False),
        "reset the count to 0 whenever the loss improves; patience counts epochs without"
        " improvement in a row, not in total.",
    ),
    Mistake(
        _mistake(better=lambda loss, best, d: loss <= best - d),
        "an equal loss is not an improvement: use loss < best - min_delta, so a plateau"
        " uses up the patience.",
    ),
    Mistake(
        _mistake(better=lambda loss, best, d: loss < best),
        "min_delta is ignored: an epoch improves only if its loss is below"
        " best - min_delta.",
    ),
)


def check_early_stopping(fn) -> CheckResult:
    """Check ``fn(val_losses, patience, min_delta)`` returns ``(best_epoch, stop_epoch)``."""
    return run_check(
        "check_early_stopping",
        fn,
        early_stopping_epochs,
        CASES + GENERATED,
        MISTAKES,
        signature="(val_losses, patience, min_delta)",
        types=True,
    )
