"""Self-checks for chapter 2.3: combining workers' gradients, and a row-split linear layer."""

from __future__ import annotations

import numpy as np
import torch

from ..parallel.simulated import average_gradients, row_parallel_linear
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)

_rng = np.random.default_rng(23)


def _g(*shape: int) -> np.ndarray:
    return np.round(_rng.normal(size=shape), 3)


def _t(*shape: int) -> torch.Tensor:
    return torch.tensor(np.round(_rng.normal(size=shape), 3), dtype=torch.float64)


def _average_reference(grads, sizes):
    return average_gradients([[np.asarray(g, dtype=float)] for g in grads], sizes)[
        0
    ]


AVERAGE_CASES = (
    Case(([_g(3), _g(3)], [4, 4]), "two workers with 4 examples each"),
    Case(([_g(3), _g(3)], [3, 5]), "two workers with 3 and 5 examples"),
    Case(
        ([_g(2, 2), _g(2, 2), _g(2, 2), _g(2, 2)], [1, 2, 3, 2]),
        "four workers with unequal slices and 2×2 gradients",
    ),
    Case(([_g(4)], [7]), "a single worker (its gradient is the answer)"),
)


def _average_generated() -> tuple[Case, ...]:
    """Random worker counts (1 to 5) with slice sizes that do not divide each other or the
    batch evenly (integer division shows), one worker with a single example, and gradient
    shapes (3,) to (2, 3)."""
    rng = make_rng(231)
    cases = []
    for workers, shape in [(2, (3,)), (3, (2, 3)), (5, (4,)), (1, (2,)), (4, (1,))]:
        sizes = [int(s) for s in rng.integers(1, 9, workers)]
        grads = [np.round(rng.normal(size=shape), 3) for _ in range(workers)]
        cases.append(
            generated_case((grads, sizes), "random gradients and slice sizes")
        )
    cases.append(
        generated_case(
            (
                [np.array([1.0, 2.0]), np.array([4.0, -1.0]), np.array([0.5, 0.5])],
                [1, 2, 4],
            ),
            "slice sizes 1, 2, 4 (a batch of 7)",
        )
    )
    return tuple(cases)


AVERAGE_GENERATED = _average_generated()


def _row_generated() -> tuple[Case, ...]:
    """Random layers (batch 1 to 4, or a single vector x; input widths 2 to 12 split into
    1, 2, 3, 4 or 6 parts; 1 to 4 outputs), with a random or an all-zero bias."""
    rng = make_rng(232)
    cases = []
    for batch, d_in, d_out, n, bias in [
        (2, 6, 3, 3, True),
        (None, 4, 2, 2, True),
        (4, 12, 1, 6, True),
        (1, 2, 4, 1, False),
        (3, 8, 2, 4, False),
    ]:
        x = torch.from_numpy(
            rng.normal(size=(d_in,) if batch is None else (batch, d_in))
        )
        W = torch.from_numpy(rng.normal(size=(d_in, d_out)))
        b = torch.from_numpy(rng.normal(size=d_out) if bias else np.zeros(d_out))
        cases.append(
            generated_case((x, W, b, n), "a random layer (x, W, b, n_parts)")
        )
    return tuple(cases)


ROW_GENERATED = _row_generated()


def _weighted_sum(grads, sizes):
    return sum(np.asarray(g) * s for g, s in zip(grads, sizes, strict=True))


AVERAGE_MISTAKES = (
    Mistake(
        lambda grads, sizes: sum(np.asarray(g) for g in grads),
        "the gradients were added but not averaged: each worker's gradient is already a"
        " mean over its own examples, so divide (weighted by the slice sizes).",
    ),
    Mistake(
        lambda grads, sizes: np.mean(grads, axis=0),
        "a plain mean is right only for equal slices: weight worker k by"
        " n_k / (n_1 + … + n_N), the share of the batch it saw.",
    ),
    Mistake(
        _weighted_sum,
        "weighting by the slice sizes is right, but divide by the total number of"
        " examples, sum(sizes), at the end.",
    ),
    Mistake(
        lambda grads, sizes: _weighted_sum(grads, sizes) / len(grads),
        "divide the size-weighted sum by the number of examples, sum(sizes), not by the"
        " number of workers.",
    ),
)


def _row_split(x, W, b, n, *, bias_times=None, combine="sum"):
    partial = [
        x_k @ W_k
        for x_k, W_k in zip(
            torch.chunk(x, n, dim=-1), torch.chunk(W, n, dim=0), strict=True
        )
    ]
    if combine == "cat":
        return torch.cat([p + b for p in partial], dim=-1)
    out = (
        torch.stack(partial).sum(0)
        if combine == "sum"
        else torch.stack(partial).mean(0)
    )
    return out + (n if bias_times == "n" else 0 if bias_times == 0 else 1) * b


ROW_CASES = (
    Case(
        (_t(3, 4), _t(4, 2), _t(2), 1), "one device (no split at all), with a bias"
    ),
    Case(
        (_t(3, 4), _t(4, 2), torch.zeros(2, dtype=torch.float64), 2),
        "two devices, zero bias",
    ),
    Case((_t(3, 4), _t(4, 2), _t(2), 2), "two devices with a bias"),
    Case(
        (_t(5, 8), _t(8, 3), _t(3), 4),
        "four devices, batch of 5, 8 inputs, 3 outputs",
    ),
    Case(
        (_t(6), _t(6, 2), _t(2), 3),
        "a single example x of shape (6,) on three devices",
    ),
)

ROW_MISTAKES = (
    Mistake(
        lambda x, W, b, n: _row_split(x, W, b, n, bias_times=0),
        "the bias b is missing: add it once, after summing the partial results.",
    ),
    Mistake(
        lambda x, W, b, n: _row_split(x, W, b, n, combine="mean"),
        "the partial results were averaged; each holds part of the sum x·W, so add them"
        " (an all-reduce with SUM).",
    ),
    Mistake(
        lambda x, W, b, n: _row_split(x, W, b, n, combine="cat"),
        "the partial results were concatenated; with a row split each device makes a"
        " partial sum of the whole output, so add them instead.",
    ),
    Mistake(
        lambda x, W, b, n: _row_split(x, W, b, n, bias_times="n"),
        "the bias was added on every device, so it counts n times in the sum; add b once,"
        " after the reduction (or on one device only).",
    ),
)


def check_gradient_average(fn) -> CheckResult:
    """Check ``fn(grads, sizes)`` turns workers' mean-loss gradients into the full batch's."""
    return run_check(
        "check_gradient_average",
        fn,
        _average_reference,
        AVERAGE_CASES + AVERAGE_GENERATED,
        AVERAGE_MISTAKES,
        signature="(grads, sizes)",
    )


def check_row_split(fn) -> CheckResult:
    """Check ``fn(x, W, b, n_parts)`` computes ``x @ W + b`` from a row split over n devices."""
    return run_check(
        "check_row_split",
        fn,
        row_parallel_linear,
        ROW_CASES + ROW_GENERATED,
        ROW_MISTAKES,
        signature="(x, W, b, n_parts)",
    )
