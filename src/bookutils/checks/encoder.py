"""Self-checks for chapter 5.2: the residual connection and layer norm of a post-norm layer,
and a whole pre-norm encoder layer built from its pieces."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check
from .attention import _mha_float64, _padding_mask, _run_tensor_check

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


# ----------------------------------------------- a pre-norm encoder layer (build it yourself)


def _mha_params(d_model: int, seed: int) -> list:
    params = []
    for i in range(4):
        params += [
            _randn(d_model, d_model, seed=seed + 2 * i) / math.sqrt(d_model),
            _randn(d_model, seed=seed + 2 * i + 1, scale=0.5),
        ]
    return params


def _ffn_params(d_model: int, dff: int, seed: int) -> list:
    return [
        _randn(dff, d_model, seed=seed) / math.sqrt(d_model),
        _randn(dff, seed=seed + 1, scale=0.5),
        _randn(d_model, dff, seed=seed + 2) / math.sqrt(dff),
        _randn(d_model, seed=seed + 3, scale=0.5),
    ]


def _norm_params(d_model: int, seed: int) -> list:
    return [
        1 + _randn(d_model, seed=seed, scale=0.2),
        _randn(d_model, seed=seed + 1, scale=0.2),
    ]


def _pre_norm_reference(x, attn, norm1, ffn, norm2, num_heads, mask):
    """``y = x + MHA(LN₁(x))``, ``out = y + FFN(LN₂(y))`` in float64."""
    x = x.double()
    norm1, ffn, norm2 = ([p.double() for p in ps] for ps in (norm1, ffn, norm2))
    h = F.layer_norm(x, x.shape[-1:], *norm1, eps=EPS)
    y = x + _mha_float64(h, attn, num_heads, mask, linear_layout=True)
    h = F.layer_norm(y, y.shape[-1:], *norm2, eps=EPS)
    W_1, b_1, W_2, b_2 = ffn
    return y + F.linear(F.relu(F.linear(h, W_1, b_1)), W_2, b_2)


_PRE_NORM_SHAPES = (
    (1, 3, 4, 2, 8, None, 1.0, "one sequence of 3 positions, d_model = 4, 2 heads"),
    (
        2,
        5,
        12,
        3,
        16,
        torch.ones(5, 5, dtype=torch.bool).tril(),
        1.0,
        "a batch of 2, 5 positions, d_model = 12, 3 heads, dff = 16, causal mask",
    ),
    (
        2,
        4,
        8,
        2,
        16,
        _padding_mask(2, 4, [4, 3]),
        1.0,
        "a batch of 2, d_model = 8, a (2, 1, 1, 4) padding mask: the second sequence"
        " has 3 real tokens",
    ),
    (
        1,
        3,
        6,
        3,
        12,
        None,
        1e-3,
        "tiny activations (about 0.001), where the value of ε = 1e-6 matters",
    ),
)


def _pre_norm_cases() -> tuple[Case, ...]:
    cases = []
    for j, (B, T, d, h, dff, mask, size, what) in enumerate(_PRE_NORM_SHAPES):
        for k, scale in enumerate((None, 0.3, 2.0)):
            seed = 700 + 50 * j + 10 * k
            x = _randn(B, T, d, seed=seed, scale=size * (scale or 1.0))
            args = (
                x,
                _mha_params(d, seed + 1),
                _norm_params(d, seed + 9),
                _ffn_params(d, dff, seed + 11),
                _norm_params(d, seed + 15),
                h,
                mask,
            )
            if scale is None:
                cases.append(Case(args, what))
            else:
                cases.append(
                    Case(
                        args, f"{what}, new random input of scale {scale:g}", False
                    )
                )
    return tuple(cases)


PRE_NORM_CASES = _pre_norm_cases()


def _pre_norm_wrong(
    x,
    attn,
    norm1,
    ffn,
    norm2,
    num_heads,
    mask,
    *,
    arrangement="pre",
    residual1=True,
    residual2=True,
    swap_norms=False,
    relu=True,
    eps=EPS,
    final_norm=False,
):
    """The pre-norm layer written the way a learner would, with one slip switched on."""
    if swap_norms:
        norm1, norm2 = norm2, norm1

    def ln(t, p):
        return F.layer_norm(t, t.shape[-1:], *p, eps=eps)

    def mha(t):
        return _mha_float64(t, attn, num_heads, mask, linear_layout=True)

    def ffn_(t):
        W_1, b_1, W_2, b_2 = ffn
        hidden = F.linear(t, W_1, b_1)
        return F.linear(F.relu(hidden) if relu else hidden, W_2, b_2)

    if arrangement == "post":
        y = ln(x + mha(x), norm1)
        return ln(y + ffn_(y), norm2)
    if arrangement == "norm_output":
        y = x + ln(mha(x), norm1)
        return y + ln(ffn_(y), norm2)
    y = mha(ln(x, norm1)) + (x if residual1 else 0)
    out = ffn_(ln(y, norm2)) + (y if residual2 else 0)
    return ln(out, norm2) if final_norm else out


def _pre_norm_mistake(**kw):
    return lambda *args: _pre_norm_wrong(*args, **kw)


PRE_NORM_MISTAKES = (
    Mistake(
        _pre_norm_mistake(arrangement="post"),
        "that is the post-norm layer LayerNorm(x + sublayer(x)) of the original"
        " Transformer; pre-norm normalises the sublayer's input: x + sublayer(LayerNorm(x)).",
    ),
    Mistake(
        _pre_norm_mistake(arrangement="norm_output"),
        "the layer norm is applied to the sublayer's output, x + LayerNorm(sublayer(x));"
        " pre-norm normalises its input: x + sublayer(LayerNorm(x)).",
    ),
    Mistake(
        _pre_norm_mistake(residual1=False),
        "the residual connection around the attention is missing: y = x +"
        " MHA(LN₁(x)), not MHA(LN₁(x)).",
    ),
    Mistake(
        _pre_norm_mistake(residual2=False),
        "the residual connection around the feed-forward network is missing: out = y +"
        " FFN(LN₂(y)).",
    ),
    Mistake(
        _pre_norm_mistake(residual1=False, residual2=False),
        "both residual connections are missing: each sublayer's output is added to"
        " its input, x + sublayer(LayerNorm(x)).",
    ),
    Mistake(
        _pre_norm_mistake(swap_norms=True),
        "the two layer norms are swapped: norm1 goes before the attention, norm2"
        " before the feed-forward network.",
    ),
    Mistake(
        _pre_norm_mistake(relu=False),
        "the feed-forward network has no ReLU between its two linear layers.",
    ),
    Mistake(
        _pre_norm_mistake(eps=1e-5),
        "ε is PyTorch's default 1e-5; this layer uses ε = 1e-6, as the article's does.",
    ),
    Mistake(
        _pre_norm_mistake(final_norm=True),
        "the output is normalised once more at the end; a pre-norm layer ends with the"
        " residual sum (a pre-norm stack puts one final layer norm after its last layer).",
    ),
)


def check_pre_norm_encoder_layer(fn) -> CheckResult:
    """Check ``fn(x, attn, norm1, ffn, norm2, num_heads, mask)`` returns a pre-norm encoder
    layer: ``y = x + MHA(LN₁(x))``, ``out = y + FFN(LN₂(y))``.

    ``x``: ``(B, T, d_model)``. The weights are in ``nn.Linear``'s layout (a projection is
    ``F.linear(x, W, b) = x @ W.T + b``): ``attn = [W_q, b_q, W_k, b_k, W_v, b_v, W_o,
    b_o]``, ``ffn = [W_1, b_1, W_2, b_2]`` (``W_1`` is ``dff × d_model``), ``norm1`` and
    ``norm2`` are ``[γ, β]``; layer norm uses ε = 1e-6 and no dropout is applied.
    ``mask`` is None or boolean, True where a query may attend, broadcasting to
    ``(B, h, T, T)``. The answer is a float64 tensor ``(B, T, d_model)``.
    """
    return _run_tensor_check(
        "check_pre_norm_encoder_layer",
        fn,
        _pre_norm_reference,
        PRE_NORM_CASES,
        PRE_NORM_MISTAKES,
        "(x, attn, norm1, ffn, norm2, num_heads, mask)",
        "the layer's output (B, T, d_model)",
    )
