"""Self-check for chapter 8.3: a learner's non-causal linear attention."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check
from ..transformer.linear_attention import linear_attention


def _t(seed: int, *shape: int) -> torch.Tensor:
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def _reference(q, k, v):
    return linear_attention(q, k, v)


CASES = (
    Case((_t(1, 4, 3), _t(2, 4, 3), _t(3, 4, 2)), "4 positions, d_k = 3, d_v = 2"),
    Case(
        (_t(4, 2, 5, 4), _t(5, 2, 7, 4), _t(6, 2, 7, 3)),
        "a batch of 2, 5 queries attending to 7 keys",
    ),
    Case(
        (_t(7, 6, 2) - 3, _t(8, 6, 2) - 3, _t(9, 6, 1)),
        "mostly negative queries and keys (where elu(x) + 1 matters)",
    ),
)
GENERATED = resampled(CASES, 831)


def _phi(x):
    return F.elu(x) + 1


MISTAKES = (
    Mistake(
        lambda q, k, v: _phi(q) @ (_phi(k).transpose(-2, -1) @ v),
        "the normaliser is missing: divide by φ(q)·Σ_j φ(k_j), so the weights sum to 1.",
    ),
    Mistake(
        lambda q, k, v: (F.elu(q) @ (F.elu(k).transpose(-2, -1) @ v))
        / (F.elu(q) @ F.elu(k).sum(-2).unsqueeze(-1)),
        "the feature map is elu(x) + 1, not elu(x): without the + 1 the features can be"
        " negative and the normaliser can cross zero.",
    ),
    Mistake(
        lambda q, k, v: (q @ (k.transpose(-2, -1) @ v))
        / (q @ k.sum(-2).unsqueeze(-1)),
        "apply the feature map φ(x) = elu(x) + 1 to q and k before the products.",
    ),
    Mistake(
        lambda q, k, v: (_phi(q) @ (_phi(k).transpose(-2, -1) @ v)) / k.shape[-2],
        "divide by φ(q)·Σ_j φ(k_j), which differs from query to query, not by the number"
        " of keys.",
    ),
)


def check_linear_attention(fn) -> CheckResult:
    """Check ``fn(q, k, v)`` computes non-causal linear attention with φ(x) = elu(x) + 1."""
    return run_check(
        "check_linear_attention",
        fn,
        _reference,
        CASES + GENERATED,
        MISTAKES,
        signature="(q, k, v)",
    )
