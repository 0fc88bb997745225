"""Self-check for chapter 5.2: the residual connection and layer norm of a post-norm layer."""

from __future__ import annotations

import torch

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check

EPS = 1e-6


def _randn(*shape: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=g, dtype=torch.float64)


def _norm(x, weight, bias, *, eps=EPS, unbiased=False, dim=-1):
    mu = x.mean(dim=dim, keepdim=True)
    var = x.var(dim=dim, keepdim=True, unbiased=unbiased)
    return weight * (x - mu) / torch.sqrt(var + eps) + bias


def _reference(x, sublayer_out, weight, bias):
    return torch.nn.functional.layer_norm(
        x + sublayer_out, x.shape[-1:], weight, bias, EPS
    )


ADD_NORM_CASES = (
    Case(
        (
            _randn(1, 3, 4, seed=1),
            _randn(1, 3, 4, seed=2),
            torch.ones(4, dtype=torch.float64),
            torch.zeros(4, dtype=torch.float64),
        ),
        "one sequence of 3 positions, d_model = 4, γ = 1 and β = 0",
    ),
    Case(
        (
            _randn(2, 5, 6, seed=3),
            _randn(2, 5, 6, seed=4),
            _randn(6, seed=5),
            _randn(6, seed=6),
        ),
        "a batch of 2 sequences, with a learned scale γ and shift β",
    ),
    Case(
        (
            _randn(2, 3, 8, seed=7, scale=1e-3),
            _randn(2, 3, 8, seed=8, scale=1e-3),
            torch.ones(8, dtype=torch.float64),
            torch.zeros(8, dtype=torch.float64),
        ),
        "tiny activations (about 0.001), where the value of ε = 1e-6 matters",
    ),
)
ADD_NORM_GENERATED = resampled(ADD_NORM_CASES, 521)

ADD_NORM_MISTAKES = (
    Mistake(
        lambda x, s, w, b: x + _norm(s, w, b),
        "that is the pre-norm arrangement; the article's layer is post-norm:"
        " LayerNorm(x + sublayer(x)), the sum normalised after the residual.",
    ),
    Mistake(
        lambda x, s, w, b: _norm(s, w, b),
        "the residual connection is missing: normalise x + sublayer_out, not"
        " sublayer_out alone.",
    ),
    Mistake(
        lambda x, s, w, b: _norm(x + s, w, b, unbiased=True),
        "the variance is the unbiased one (divided by d - 1); layer norm divides by d:"
        " use var(..., unbiased=False).",
    ),
    Mistake(
        lambda x, s, w, b: _norm(x + s, w, b, eps=1e-5),
        "ε is PyTorch's default 1e-5; the article's layer uses epsilon=1e-6.",
    ),
    Mistake(
        lambda x, s, w, b: _norm(x + s, w, b, dim=-2),
        "the statistics are taken over the positions (dim=-2); layer norm normalises"
        " each position's d_model features (dim=-1).",
    ),
    Mistake(
        lambda x, s, w, b: (x + s - (x + s).mean(-1, keepdim=True))
        / torch.sqrt((x + s).var(-1, keepdim=True, unbiased=False) + EPS),
        "γ and β are not applied: multiply by the weight and add the bias after"
        " normalising.",
    ),
)


def check_add_and_norm(fn) -> CheckResult:
    """Check ``fn(x, sublayer_out, weight, bias)`` returns ``LayerNorm(x + sublayer_out)``
    with ε = 1e-6, normalising the last dimension, as in the article's encoder layer."""
    return run_check(
        "check_add_and_norm",
        fn,
        _reference,
        ADD_NORM_CASES + ADD_NORM_GENERATED,
        ADD_NORM_MISTAKES,
        signature="(x, sublayer_out, weight, bias)",
    )
