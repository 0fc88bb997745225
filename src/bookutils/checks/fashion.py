"""Self-check for chapter 5.1: the cross-entropy loss that ``nn.CrossEntropyLoss`` computes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)


def _logits(*shape: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=g, dtype=torch.float64)


def _reference(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, targets)


CE_CASES = (
    Case((_logits(1, 3, seed=1), torch.tensor([2])), "one example, three classes"),
    Case(
        (_logits(4, 10, seed=2), torch.tensor([0, 9, 3, 3])),
        "a batch of 4 examples and 10 classes (the loss is the batch mean)",
    ),
    Case(
        (_logits(3, 5, seed=3, scale=10.0), torch.tensor([1, 4, 0])),
        "larger logits, spread over about ±20",
    ),
    Case(
        (
            torch.tensor(
                [[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]], dtype=torch.float64
            ),
            torch.tensor([1, 2]),
        ),
        "huge logits (±1000): exp overflows unless the maximum is subtracted first",
    ),
)


def _generated() -> tuple[Case, ...]:
    """Random batches (1 to 8 examples, 2 to 10 classes, logits of scale 0.1 to 30) whose
    targets never contain the last class, so a one-hot of ``max(targets) + 1`` columns is
    caught; and rows whose maxima differ by hundreds, so subtracting one maximum for the
    whole batch instead of each row's own overflows to inf or underflows to log(0)."""
    rng = make_rng(51)
    cases = []
    for n, c, scale in [
        (1, 2, 1.0),
        (3, 4, 0.1),
        (5, 7, 3.0),
        (8, 10, 30.0),
        (4, 3, 10.0),
    ]:
        logits = torch.from_numpy(rng.normal(0.0, scale, (n, c)))
        targets = torch.from_numpy(rng.integers(0, c - 1, n))
        cases.append(
            generated_case((logits, targets), "random logits, last class absent")
        )
    spread = torch.tensor(
        [[800.0, 0.0, -5.0], [0.0, 1.0, 2.0], [-700.0, -702.0, -701.0]],
        dtype=torch.float64,
    )
    cases.append(
        Case(
            (spread, torch.tensor([0, 2, 1])),
            "rows whose maxima differ a lot"
            " (800, 2 and -700): subtract each row's own maximum",
            teaching=False,
        )
    )
    return tuple(cases)


CE_GENERATED = _generated()


def _naive(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return -torch.log(p[torch.arange(len(targets)), targets]).mean()


CE_MISTAKES = (
    Mistake(
        lambda z, y: F.cross_entropy(torch.softmax(z, dim=1), y),
        "softmax was applied before the loss: CrossEntropyLoss takes raw logits and"
        " does the (log-)softmax itself, so the model must not end in a softmax.",
    ),
    Mistake(
        lambda z, y: F.cross_entropy(z, y, reduction="sum"),
        "the losses are summed; nn.CrossEntropyLoss averages them over the batch.",
    ),
    Mistake(
        lambda z, y: torch.log_softmax(z, dim=0)[torch.arange(len(y)), y]
        .neg()
        .mean(),
        "the softmax runs over the batch (dim=0); it must run over the classes of each"
        " example (dim=1).",
    ),
    Mistake(
        lambda z, y: torch.log_softmax(z, dim=1)[torch.arange(len(y)), y].mean(),
        "the minus sign is missing: the loss is -log p(correct class), which is >= 0.",
    ),
    Mistake(
        lambda z, y: -torch.log_softmax(z, dim=1).mean(),
        "the log-probabilities of all classes are averaged; take only the correct"
        " class's, -log p[i, y_i], for each example.",
    ),
    Mistake(
        _naive,
        "exp(logits) overflows for large logits: subtract each row's maximum first"
        " (log-sum-exp), or use torch.log_softmax.",
    ),
)


def check_cross_entropy(fn) -> CheckResult:
    """Check ``fn(logits, targets)`` returns the mean cross-entropy of softmax(logits).

    ``logits`` is a float tensor (n, classes), ``targets`` a long tensor (n,) of classes.
    """
    return run_check(
        "check_cross_entropy",
        fn,
        _reference,
        CE_CASES + CE_GENERATED,
        CE_MISTAKES,
        signature="(logits, targets)",
    )
