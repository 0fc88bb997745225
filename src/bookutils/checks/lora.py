"""Self-check for chapter 5.3: the forward pass of a LoRA layer."""

from __future__ import annotations

import torch

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    resampled,
    run_check,
)
from ..transformer.lora import lora_forward


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def _reference(x, W, b, A, B, alpha):
    return lora_forward(x, W, b, A, B, alpha)


CASES = (
    Case(
        (
            _randn(3, 5, seed=1),
            _randn(3, 5, seed=2),
            _randn(3, seed=3),
            _randn(2, 5, seed=4),
            torch.zeros(3, 2, dtype=torch.float64),
            4.0,
        ),
        "a fresh adapter (B = 0): the layer must give exactly the base layer's output",
    ),
    Case(
        (
            _randn(3, 5, seed=5),
            _randn(3, 5, seed=6),
            _randn(3, seed=7),
            _randn(2, 5, seed=8),
            _randn(3, 2, seed=9),
            4.0,
        ),
        "a trained adapter: rank r = 2, alpha = 4, d_in = 5, d_out = 3",
    ),
    Case(
        (
            _randn(2, 4, 6, seed=10),
            _randn(4, 6, seed=11),
            _randn(4, seed=12),
            _randn(1, 6, seed=13),
            _randn(4, 1, seed=14),
            1.0,
        ),
        "a batch of 2 sequences of 4 positions, rank 1, alpha = 1",
    ),
    Case(
        (
            _randn(2, 6, seed=15),
            _randn(5, 6, seed=16),
            _randn(5, seed=17),
            _randn(3, 6, seed=18),
            _randn(5, 3, seed=19),
            6.0,
        ),
        "rank 3, alpha = 6, d_out = 5",
    ),
)
# New values with the teaching shapes, and ranks that do not divide alpha (alpha = 5, r = 2;
# alpha = 1, r = 3; alpha = 16, r = 6): alpha // r instead of alpha / r shows there.
GENERATED = resampled(CASES, 531) + tuple(
    generated_case(
        (
            _randn(2, d_in, seed=40 + r),
            _randn(d_out, d_in, seed=50 + r),
            _randn(d_out, seed=60 + r),
            _randn(r, d_in, seed=70 + r),
            _randn(d_out, r, seed=80 + r),
            alpha,
        ),
        f"alpha = {alpha:g} over rank r = {r}, which does not divide it",
    )
    for d_in, d_out, r, alpha in [(4, 3, 2, 5.0), (5, 2, 3, 1.0), (6, 6, 6, 16.0)]
)


def _lora(
    x,
    W,
    b,
    A,
    B,
    alpha,
    *,
    scale=lambda alpha, A, B: alpha / A.shape[0],
    base=True,
    bias=True,
):
    out = (x @ A.T) @ B.T * scale(alpha, A, B)
    if base:
        out = out + x @ W.T
    return out + b if bias else out


def _mistake(**kw):
    return lambda x, W, b, A, B, alpha: _lora(x, W, b, A, B, alpha, **kw)


MISTAKES = (
    Mistake(
        _mistake(base=False),
        "the frozen base layer's output x Wᵀ is missing: LoRA adds its update to it.",
    ),
    Mistake(
        _mistake(bias=False),
        "the base layer's bias b is missing: the output is x Wᵀ + b + (alpha/r)·x Aᵀ Bᵀ.",
    ),
    Mistake(
        _mistake(scale=lambda alpha, A, B: 1.0),
        "the update is not scaled: multiply x Aᵀ Bᵀ by alpha / r.",
    ),
    Mistake(
        _mistake(scale=lambda alpha, A, B: alpha),
        "the update is multiplied by alpha, but the factor is alpha / r (r = A.shape[0]).",
    ),
    Mistake(
        _mistake(scale=lambda alpha, A, B: A.shape[0] / alpha),
        "the factor is upside down: it is alpha / r, not r / alpha.",
    ),
    Mistake(
        _mistake(scale=lambda alpha, A, B: alpha / B.shape[0]),
        "the rank is read from the wrong axis: A has shape (r, d_in), so r = A.shape[0]"
        " (B.shape[0] is d_out).",
    ),
)


def check_lora_forward(fn) -> CheckResult:
    """Check ``fn(x, W, b, A, B, alpha)`` returns ``x Wᵀ + b + (alpha / r) · x Aᵀ Bᵀ``.

    ``W``: ``(d_out, d_in)``, ``b``: ``(d_out,)``, ``A``: ``(r, d_in)``, ``B``: ``(d_out, r)``.
    """
    return run_check(
        "check_lora_forward",
        fn,
        _reference,
        CASES + GENERATED,
        MISTAKES,
        signature="(x, W, b, A, B, alpha)",
    )
