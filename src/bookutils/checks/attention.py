"""Self-checks for chapter 4.3: scaled dot-product attention and the layer-norm backward."""

from __future__ import annotations

import math

import torch

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check
from ..transformer.attention import (
    layer_norm_backward,
    scaled_dot_product_attention,
)


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def _reference(Q, K, V, mask):
    return scaled_dot_product_attention(Q, K, V, mask)


_CAUSAL_4 = torch.ones(4, 4, dtype=torch.bool).tril()
_PADDING = torch.tensor(
    [[True, True, True, False, False]]
)  # the last two keys are padding

ATTENTION_CASES = (
    Case(
        (_randn(3, 3, seed=1), _randn(3, 3, seed=2), _randn(3, 2, seed=3), None),
        "3 queries, 3 keys, d_k = 3, no mask",
    ),
    Case(
        (_randn(2, 4, seed=4), _randn(5, 4, seed=5), _randn(5, 3, seed=6), None),
        "2 queries attending to 5 keys (L != S), d_k = 4, d_v = 3",
    ),
    Case(
        (
            _randn(4, 8, seed=7),
            _randn(4, 8, seed=8),
            _randn(4, 2, seed=9),
            _CAUSAL_4,
        ),
        "a causal mask: query i may only look at keys 0..i",
    ),
    Case(
        (
            _randn(2, 3, 6, seed=10),
            _randn(2, 5, 6, seed=11),
            _randn(2, 5, 4, seed=12),
            _PADDING,
        ),
        "a batch of 2, with a (1, 5) mask that hides the last two keys (padding)",
    ),
)
ATTENTION_GENERATED = resampled(ATTENTION_CASES, 431)


def _attention(
    Q,
    K,
    V,
    mask,
    *,
    scores=None,
    dim=-1,
    after=False,
    fill=float("-inf"),
    invert=False,
):
    s = (
        Q @ K.transpose(-2, -1) / math.sqrt(K.shape[-1])
        if scores is None
        else scores(Q, K)
    )
    if mask is not None and invert:
        mask = ~mask
    if mask is not None and not after:
        s = s.masked_fill(~mask, fill)
    w = torch.softmax(s, dim=dim)
    if mask is not None and after:
        w = w * mask
    return w @ V


def _mistake(**kw):
    return lambda Q, K, V, mask: _attention(Q, K, V, mask, **kw)


ATTENTION_MISTAKES = (
    Mistake(
        _mistake(scores=lambda Q, K: Q @ K.transpose(-2, -1)),
        "the scores are not scaled: divide Q Kᵀ by sqrt(d_k) before the softmax.",
    ),
    Mistake(
        _mistake(scores=lambda Q, K: Q @ K.transpose(-2, -1) / K.shape[-1]),
        "the scores are divided by d_k; divide by its square root, sqrt(d_k).",
    ),
    Mistake(
        _mistake(scores=lambda Q, K: Q @ K / math.sqrt(K.shape[-1])),
        "K is not transposed: the scores are Q Kᵀ, one dot product per (query, key).",
    ),
    Mistake(
        _mistake(dim=-2),
        "the softmax runs over the wrong axis: each query's weights over the keys (the"
        " last axis, dim=-1) must sum to 1.",
    ),
    Mistake(
        _mistake(after=True),
        "the mask is applied after the softmax, so the remaining weights no longer sum"
        " to 1: set hidden scores to -inf before the softmax.",
    ),
    Mistake(
        _mistake(fill=0.0),
        "hidden scores are set to 0, but exp(0) = 1 still gives them weight: use -inf.",
    ),
    Mistake(
        _mistake(invert=True),
        "the mask is read the wrong way round: here True means 'may attend' (as in"
        " F.scaled_dot_product_attention; nn.MultiheadAttention uses the opposite).",
    ),
)


def check_attention(fn) -> CheckResult:
    """Check ``fn(Q, K, V, mask)`` returns ``softmax(Q Kᵀ / sqrt(d_k)) V``.

    ``mask`` is None or boolean, True where a query may attend to a key.
    """
    return run_check(
        "check_attention",
        fn,
        _reference,
        ATTENTION_CASES + ATTENTION_GENERATED,
        ATTENTION_MISTAKES,
        signature="(Q, K, V, mask)",
    )


LN_CASES = (
    Case(
        (
            _randn(1, 4, seed=20),
            _randn(1, 4, seed=21),
            torch.ones(4, dtype=torch.float64),
        ),
        "one vector of 4 features, γ = 1",
    ),
    Case(
        (_randn(3, 5, seed=22), _randn(3, 5, seed=23), _randn(5, seed=24)),
        "3 positions of 5 features with a random γ",
    ),
    Case(
        (
            _randn(2, 3, 6, seed=25) * 0.001,
            _randn(2, 3, 6, seed=26),
            _randn(6, seed=27),
        ),
        "tiny inputs (variance 1e-6, where eps = 1e-5 matters), batch 2 × 3 positions",
    ),
)
LN_GENERATED = resampled(LN_CASES, 432)


def _ln_backward(
    dy,
    x,
    weight,
    *,
    drop_mean=False,
    drop_proj=False,
    unbiased=False,
    no_weight=False,
    eps=1e-5,
):
    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=unbiased)
    sigma = torch.sqrt(var + eps)
    x_hat = (x - mu) / sigma
    g = dy if no_weight else dy * weight
    dx = g.clone()
    if not drop_mean:
        dx = dx - g.mean(-1, keepdim=True)
    if not drop_proj:
        dx = dx - x_hat * (g * x_hat).mean(-1, keepdim=True)
    dims = tuple(range(x.ndim - 1))
    return dx / sigma, (dy * x_hat).sum(dims), dy.sum(dims)


def _ln_mistake(**kw):
    return lambda dy, x, weight: _ln_backward(dy, x, weight, **kw)


LN_MISTAKES = (
    Mistake(
        _ln_mistake(drop_mean=True, drop_proj=True),
        "dL/dx treats μ and σ as constants: both depend on x, which adds the terms"
        " -mean(g) and -x̂·mean(g ⊙ x̂).",
    ),
    Mistake(
        _ln_mistake(drop_proj=True),
        "the term from σ is missing: σ depends on x too, giving -x̂·mean(g ⊙ x̂).",
    ),
    Mistake(
        _ln_mistake(drop_mean=True),
        "the term from μ is missing: μ depends on x too, giving -mean(g).",
    ),
    Mistake(
        _ln_mistake(no_weight=True),
        "γ is missing from dL/dx: the gradient reaching x̂ is grad_output ⊙ γ.",
    ),
    Mistake(
        _ln_mistake(unbiased=True),
        "the variance is the unbiased one (divided by d - 1); layer norm divides by d.",
    ),
    Mistake(
        _ln_mistake(eps=0.0),
        "eps is missing: σ = sqrt(variance + eps) with eps = 1e-5.",
    ),
)


def _ln_reference(dy, x, weight):
    return layer_norm_backward(dy, x, weight, 1e-5)


def check_layer_norm_backward(fn) -> CheckResult:
    """Check ``fn(grad_output, x, weight)`` returns ``(dL/dx, dL/dγ, dL/dβ)`` of layer norm
    over the last dimension, with eps = 1e-5 and the biased variance."""
    return run_check(
        "check_layer_norm_backward",
        fn,
        _ln_reference,
        LN_CASES + LN_GENERATED,
        LN_MISTAKES,
        signature="(grad_output, x, weight)",
    )
