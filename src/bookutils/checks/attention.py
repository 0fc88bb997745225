"""Self-checks for chapter 4.3: scaled dot-product attention, the layer-norm backward and
multi-head attention built from single-head pieces."""

from __future__ import annotations

import contextlib
import copy
import io
import math

import torch
import torch.nn.functional as F

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    _call,
    resampled,
    run_check,
    time_limit,
)
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


# ------------------------------------------------ multi-head attention (build it yourself)


def _mha_float64(X, params, num_heads, mask, *, linear_layout=False):
    """Multi-head attention in float64, one head at a time, with PyTorch's attention.

    ``params`` = ``[W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o]``; a projection is ``X @ W + b``
    (chapter 4.3's layout, ``W`` is inputs × outputs) or, with ``linear_layout``,
    ``X @ W.T + b`` (``nn.Linear``'s). Head ``i`` owns the columns ``i·d_k .. (i+1)·d_k``
    of each projection. ``mask`` (True = may attend) broadcasts to ``(B, h, T, T)``.
    """
    X = X.double()
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = (p.double() for p in params)
    if linear_layout:
        W_q, W_k, W_v, W_o = W_q.T, W_k.T, W_v.T, W_o.T
    d_k = X.shape[-1] // num_heads
    q, k, v = X @ W_q + b_q, X @ W_k + b_k, X @ W_v + b_v  # (B, T, d_model)
    if mask is not None and mask.ndim == 4:
        mask = mask[:, 0]  # (B, 1, T): the same for every head
    heads = [
        F.scaled_dot_product_attention(
            q[..., i * d_k : (i + 1) * d_k],
            k[..., i * d_k : (i + 1) * d_k],
            v[..., i * d_k : (i + 1) * d_k],
            attn_mask=mask,
        )
        for i in range(num_heads)
    ]
    return torch.cat(heads, dim=-1) @ W_o + b_o  # (B, T, d_model)


def _mha_reference(X, params, num_heads, mask):
    return _mha_float64(X, params, num_heads, mask)


def _mha_params(d_model: int, seed: int) -> list:
    params = []
    for i in range(4):
        params += [
            _randn(d_model, d_model, seed=seed + 2 * i) / math.sqrt(d_model),
            0.5 * _randn(d_model, seed=seed + 2 * i + 1),
        ]
    return params


def _padding_mask(batch: int, length: int, real: list[int]) -> torch.Tensor:
    """``(batch, 1, 1, length)``, True at the first ``real[b]`` keys of sequence b."""
    return (torch.arange(length)[None, :] < torch.tensor(real)[:, None])[
        :, None, None, :
    ]


_MHA_SHAPES = (
    (
        1,
        3,
        4,
        2,
        None,
        "one sequence of 3 positions, d_model = 4, 2 heads, no mask",
    ),
    (
        2,
        5,
        12,
        3,
        torch.ones(5, 5, dtype=torch.bool).tril(),
        "a batch of 2, 5 positions, d_model = 12, 3 heads of d_k = 4, causal mask",
    ),
    (
        2,
        4,
        8,
        2,
        _padding_mask(2, 4, [4, 2]),
        "a batch of 2, d_model = 8, 2 heads, a (2, 1, 1, 4) padding mask: the second"
        " sequence has 2 real tokens",
    ),
    (1, 4, 6, 1, None, "one head (h = 1): plain attention with projections"),
)


def _mha_cases() -> tuple[Case, ...]:
    cases = []
    for j, (B, T, d, h, mask, what) in enumerate(_MHA_SHAPES):
        X = _randn(B, T, d, seed=500 + 20 * j)
        cases.append(Case((X, _mha_params(d, 501 + 20 * j), h, mask), what))
    for j, (B, T, d, h, mask, what) in enumerate(_MHA_SHAPES):
        for scale in (0.1, 3.0):
            X = scale * _randn(B, T, d, seed=600 + 20 * j + int(scale))
            params = [scale * p for p in _mha_params(d, 601 + 20 * j + int(scale))]
            cases.append(
                Case(
                    (X, params, h, mask),
                    f"{what}, new random values of scale {scale:g}",
                    teaching=False,
                )
            )
    return tuple(cases)


MHA_CASES = _mha_cases()


def _mha_wrong(
    X,
    params,
    num_heads,
    mask,
    *,
    scale="sqrt_dk",
    dim=-1,
    split="right",
    merge="right",
    after=False,
    invert=False,
    use_mask=True,
    out_proj=True,
):
    """Multi-head attention written the way a learner would, with one slip switched on."""
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = params
    B, T, d = X.shape
    d_k = d // num_heads

    def heads(t):
        if split == "wrong":
            return t.reshape(B, num_heads, T, d_k)
        return t.reshape(B, T, num_heads, d_k).transpose(1, 2)

    q, k, v = heads(X @ W_q + b_q), heads(X @ W_k + b_k), heads(X @ W_v + b_v)
    divide = {
        "sqrt_dk": math.sqrt(d_k),
        "dk": d_k,
        "sqrt_d": math.sqrt(d),
        "none": 1,
    }
    s = q @ k.transpose(-2, -1) / divide[scale]
    if mask is not None and use_mask:
        if invert:
            mask = ~mask
        if not after:
            s = s.masked_fill(~mask, float("-inf"))
    w = torch.softmax(s, dim=dim)
    if mask is not None and use_mask and after:
        w = w * mask
    o = w @ v  # (B, h, T, d_k)
    o = (
        o.reshape(B, T, d)
        if merge == "wrong"
        else o.transpose(1, 2).reshape(B, T, d)
    )
    return o @ W_o + b_o if out_proj else o


def _mha_mistake(**kw):
    return lambda X, params, num_heads, mask: _mha_wrong(
        X, params, num_heads, mask, **kw
    )


MHA_MISTAKES = (
    Mistake(
        _mha_mistake(scale="none"),
        "the scores are not scaled: divide each head's Q Kᵀ by sqrt(d_k) before the"
        " softmax.",
    ),
    Mistake(
        _mha_mistake(scale="dk"),
        "the scores are divided by d_k; divide by its square root, sqrt(d_k).",
    ),
    Mistake(
        _mha_mistake(scale="sqrt_d"),
        "the scores are divided by sqrt(d_model); each head is an attention of size"
        " d_k = d_model / num_heads, so divide by sqrt(d_k).",
    ),
    Mistake(
        _mha_mistake(dim=-2),
        "the softmax runs over the queries (dim=-2); each query's weights over the keys"
        " (the last axis, dim=-1) must sum to 1.",
    ),
    Mistake(
        _mha_mistake(split="wrong"),
        "the heads are cut along the wrong dimension: reshape (B, T, d_model) to"
        " (B, T, h, d_k), then transpose to (B, h, T, d_k); reshaping straight to"
        " (B, h, T, d_k) mixes the positions.",
    ),
    Mistake(
        _mha_mistake(merge="wrong"),
        "the heads are merged without transposing back: (B, h, T, d_k) must become"
        " (B, T, h, d_k) (transpose(1, 2)) before the reshape to (B, T, d_model).",
    ),
    Mistake(
        _mha_mistake(after=True),
        "the mask is applied after the softmax, so the remaining weights no longer sum"
        " to 1: set hidden scores to -inf before the softmax.",
    ),
    Mistake(
        _mha_mistake(invert=True),
        "the mask is read the wrong way round: True means 'may attend' (as in"
        " F.scaled_dot_product_attention; nn.MultiheadAttention uses the opposite).",
    ),
    Mistake(
        _mha_mistake(use_mask=False),
        "the mask is not used: hidden keys must get the score -inf before the softmax.",
    ),
    Mistake(
        _mha_mistake(out_proj=False),
        "the output projection is missing: after merging the heads, multiply by W_o"
        " and add b_o.",
    ),
)


def _answer_problem(fn, case: Case, what: str) -> str | None:
    """Why ``fn``'s answer on ``case`` is not a tensor of the inputs' dtype (or None)."""
    out = _call(fn, copy.deepcopy(case.args), time_limit())
    if not out.ok:
        return None
    dtype = case.args[0].dtype
    if not isinstance(out.value, torch.Tensor):
        return (
            f"your function returned {type(out.value).__name__}, not a tensor: return"
            f" {what} as a torch.Tensor, so that the next layer can use it."
        )
    if out.value.dtype != dtype:
        return (
            f"your function returned a tensor of dtype {out.value.dtype} for inputs of"
            f" dtype {dtype}: compute in the inputs' dtype (a tensor you create needs"
            " it too, e.g. dtype=x.dtype), or the precision of the inputs is lost."
        )
    return None


def _run_tensor_check(name, fn, reference, cases, mistakes, signature, what):
    """:func:`run_check`, then, when the values are right, insist on a tensor of the
    inputs' dtype (a list, or float32 for float64 inputs, has the right numbers but
    would break or degrade the layer that uses it)."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        result = run_check(
            name, fn, reference, cases, mistakes, signature=signature
        )
    problem = _answer_problem(fn, cases[0], what) if result else None
    if problem is None:
        print(captured.getvalue(), end="")
        return result
    messages = [f"✗ {name}: {problem}", f"  on the case: {cases[0].description}"]
    print("\n".join(messages))
    return CheckResult(name, False, messages)


def check_multi_head_attention(fn) -> CheckResult:
    """Check ``fn(X, params, num_heads, mask)`` returns multi-head self-attention.

    ``X``: ``(B, T, d_model)``; ``params`` = ``[W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o]``
    with each projection ``X @ W + b`` (``W`` is ``d_model × d_model``, head ``i`` owns
    columns ``i·d_k .. (i+1)·d_k``); ``mask`` is None or boolean, True where a query may
    attend to a key, broadcasting to ``(B, h, T, T)``. The answer is a float64 tensor
    ``(B, T, d_model)``, compared with a float64 reference built on
    ``F.scaled_dot_product_attention``, one head at a time.
    """
    return _run_tensor_check(
        "check_multi_head_attention",
        fn,
        _mha_reference,
        MHA_CASES,
        MHA_MISTAKES,
        "(X, params, num_heads, mask)",
        "the output (B, T, d_model)",
    )
