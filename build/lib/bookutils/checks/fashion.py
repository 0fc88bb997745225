"""Self-check for chapter 5.1: the cross-entropy loss that ``nn.CrossEntropyLoss`` computes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..selfcheck import Case, CheckResult, Mistake, run_check


def _logits(*shape: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=g, dtype=torch.float64)


def _reference(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, targets)


CE_CASES = (
    Case((_logits(1, 3, seed=1), torch.tensor([2])), "one example, three classes"),
    Case((_logits(4, 10, seed=2), torch.tensor([0, 9, 3, 3])),
         "a batch of 4 examples and 10 classes (the loss is the batch mean)"),
    Case((_logits(3, 5, seed=3, scale=10.0), torch.tensor([1, 4, 0])),
         "larger logits, spread over about ±20"),
    Case((torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]], dtype=torch.float64),
          torch.tensor([1, 2])),
         "huge logits (±1000): exp overflows unless the maximum is subtracted first"),
)


def _naive(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return -torch.log(p[torch.arange(len(targets)), targets]).mean()


CE_MISTAKES = (
    Mistake(lambda z, y: F.cross_entropy(torch.softmax(z, dim=1), y),
            "softmax was applied before the loss: CrossEntropyLoss takes raw logits and"
            " does the (log-)softmax itself, so the model must not end in a softmax."),
    Mistake(lambda z, y: F.cross_entropy(z, y, reduction="sum"),
            "the losses are summed; nn.CrossEntropyLoss averages them over the batch."),
    Mistake(lambda z, y: torch.log_softmax(z, dim=0)[torch.arange(len(y)), y].neg().mean(),
            "the softmax runs over the batch (dim=0); it must run over the classes of each"
            " example (dim=1)."),
    Mistake(lambda z, y: torch.log_softmax(z, dim=1)[torch.arange(len(y)), y].mean(),
            "the minus sign is missing: the loss is -log p(correct class), which is >= 0."),
    Mistake(lambda z, y: -torch.log_softmax(z, dim=1).mean(),
            "the log-probabilities of all classes are averaged; take only the correct"
            " class's, -log p[i, y_i], for each example."),
    Mistake(_naive,
            "exp(logits) overflows for large logits: subtract each row's maximum first"
            " (log-sum-exp), or use torch.log_softmax."),
)


def check_cross_entropy(fn) -> CheckResult:
    """Check ``fn(logits, targets)`` returns the mean cross-entropy of softmax(logits).

    ``logits`` is a float tensor (n, classes), ``targets`` a long tensor (n,) of classes.
    """
    return run_check("check_cross_entropy", fn, _reference, CE_CASES, CE_MISTAKES,
                     signature="(logits, targets)")
