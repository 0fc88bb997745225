"""Tests for bookutils.transformer.attention: each piece rebuilt or compared with PyTorch's own."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bookutils.checks.attention import check_attention
from bookutils.transformer import attention
from bookutils.transformer.attention import (
    LayerNorm,
    LayerNormFunction,
    MultiHeadAttention,
    attention_weights,
    causal_mask,
    layer_norm,
    layer_norm_backward,
    masked_softmax,
    merge_heads,
    positional_frequencies,
    positional_shift_matrix,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
    split_heads,
)

F64 = torch.float64
TIGHT = {
    "rtol": 1e-12,
    "atol": 1e-12,
}  # float64 round-off of a few dozen operations


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=F64
    )


# ------------------------------------------------------------------------------ softmax


def test_softmax_matches_torch_and_handles_minus_infinity():
    x = randn(4, 7, seed=1) * 30
    torch.testing.assert_close(masked_softmax(x), torch.softmax(x, -1), **TIGHT)
    torch.testing.assert_close(
        masked_softmax(x, dim=0), torch.softmax(x, 0), **TIGHT
    )
    big = torch.tensor([1000.0, 1001.0], dtype=F64)  # exp would overflow unshifted
    torch.testing.assert_close(masked_softmax(big), torch.softmax(big, -1), **TIGHT)
    # rows whose maxima lie 1000 apart: one max for the whole batch underflows row 0
    # to 0/0; the maximum must be taken per row (and per column for dim=0)
    apart = torch.tensor([[0.0, 1.0], [1000.0, 1001.0]], dtype=F64)
    e = 1 / (1 + math.e)
    by_hand = torch.tensor([[e, 1 - e], [e, 1 - e]], dtype=F64)
    torch.testing.assert_close(masked_softmax(apart), by_hand, **TIGHT)
    torch.testing.assert_close(masked_softmax(apart.T, dim=0), by_hand.T, **TIGHT)
    inf = float("-inf")
    masked = masked_softmax(
        torch.tensor([[0.0, inf, 0.0], [inf, inf, inf]], dtype=F64)
    )
    torch.testing.assert_close(
        masked, torch.tensor([[0.5, 0, 0.5], [0, 0, 0]], dtype=F64)
    )


def test_softmax_rejects_non_tensors():
    with pytest.raises(TypeError, match="torch.Tensor"):
        masked_softmax([1.0, 2.0])


# ------------------------------------------------------------------ scaled dot product


def test_causal_mask():
    m = causal_mask(3, 4)
    assert m.dtype == torch.bool and m.shape == (3, 4)
    assert torch.equal(
        m, torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]).bool()
    )
    assert torch.equal(causal_mask(3), torch.ones(3, 3).tril().bool())
    for bad in (0, -1):
        with pytest.raises(ValueError, match="positive integer"):
            causal_mask(bad)
    for bad in (2.0, True):  # a wrong type is a TypeError
        with pytest.raises(TypeError, match="must be an integer"):
            causal_mask(bad)
    with pytest.raises(ValueError, match="num_keys"):
        causal_mask(3, 0)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_torch_sdpa(causal):
    q, k, v = (
        randn(2, 3, 4, 5, seed=1),
        randn(2, 3, 6, 5, seed=2),
        randn(2, 3, 6, 7, seed=3),
    )
    ours = scaled_dot_product_attention(q, k, v, causal=causal)
    theirs = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.testing.assert_close(ours, theirs, **TIGHT)
    w = attention_weights(q, k, causal=causal)
    assert w.shape == (2, 3, 4, 6)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 3, 4, dtype=F64), **TIGHT)
    if causal:
        assert torch.all(w[..., ~causal_mask(4, 6)] == 0)


def test_attention_masks_and_scale_match_torch():
    q, k, v = randn(2, 4, 3, seed=4), randn(2, 5, 3, seed=5), randn(2, 5, 2, seed=6)
    bool_mask = randn(2, 4, 5, seed=7) > -0.5
    bool_mask[..., 0] = True  # every query sees something
    float_mask = randn(4, 5, seed=8)
    for mask in (bool_mask, float_mask, bool_mask[:1, :1]):
        torch.testing.assert_close(
            scaled_dot_product_attention(q, k, v, mask),
            F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
            **TIGHT,
        )
    torch.testing.assert_close(
        scaled_dot_product_attention(q, k, v, scale=0.3),
        F.scaled_dot_product_attention(q, k, v, scale=0.3),
        **TIGHT,
    )
    hidden = torch.zeros(4, 5, dtype=torch.bool)  # nothing to attend to
    torch.testing.assert_close(
        scaled_dot_product_attention(q, k, v, hidden),
        F.scaled_dot_product_attention(q, k, v, attn_mask=hidden),
    )


def test_attention_gradients_match_torch():
    def leaves():
        return [randn(2, 3, 4, seed=s).requires_grad_() for s in (9, 10, 11)]

    ours, theirs = leaves(), leaves()
    upstream = randn(2, 3, 4, seed=12)
    (scaled_dot_product_attention(*ours, causal=True) * upstream).sum().backward()
    (
        F.scaled_dot_product_attention(*theirs, is_causal=True) * upstream
    ).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad, **TIGHT)


def test_attention_rejects_bad_input():
    q, k = randn(3, 4), randn(5, 4)
    with pytest.raises(ValueError, match="same size d_k"):
        attention_weights(q, randn(5, 3))
    with pytest.raises(ValueError, match="same n_kv"):
        scaled_dot_product_attention(q, k, randn(4, 2))
    with pytest.raises(ValueError, match="does not broadcast"):
        attention_weights(q, k, torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="boolean"):
        attention_weights(q, k, torch.ones(3, 5, dtype=torch.int64))
    with pytest.raises(ValueError, match="shapes"):
        attention_weights(randn(4), k)
    with pytest.raises(ValueError, match="batch dimensions"):
        attention_weights(randn(2, 3, 4), randn(3, 5, 4))
    for bad in (0.0, -1.0, "2", True):
        with pytest.raises(ValueError, match="scale"):
            attention_weights(q, k, scale=bad)
    with pytest.raises(TypeError, match="q must be"):
        attention_weights(q.numpy(), k)
    with pytest.raises(TypeError, match="v must be"):
        scaled_dot_product_attention(q, k, None)
    with pytest.raises(TypeError, match="mask must be"):
        attention_weights(q, k, [[True] * 5] * 3)


# ---------------------------------------------------------------- multi-head attention


def test_split_and_merge_heads_are_inverse():
    x = randn(2, 5, 12)
    h = split_heads(x, 3)
    assert h.shape == (2, 3, 5, 4)
    torch.testing.assert_close(h[:, 1], x[..., 4:8])  # head 1 owns columns 4..7
    torch.testing.assert_close(merge_heads(h), x)
    with pytest.raises(ValueError, match="divisible"):
        split_heads(x, 5)
    with pytest.raises(ValueError, match="positive integer"):
        split_heads(x, 0)
    with pytest.raises(ValueError, match="batch, heads"):
        merge_heads(x)
    with pytest.raises(TypeError):
        merge_heads("x")


def _pair(
    bias: bool = True, seed: int = 0
) -> tuple[MultiHeadAttention, nn.MultiheadAttention]:
    torch.manual_seed(seed)
    theirs = nn.MultiheadAttention(12, 3, bias=bias, batch_first=True, dtype=F64)
    if bias:  # torch starts its biases at 0: make them count
        with torch.no_grad():
            theirs.in_proj_bias.normal_()
            theirs.out_proj.bias.normal_()
    ours = MultiHeadAttention(12, 3, bias=bias, dtype=F64).load_torch_weights(
        theirs
    )
    return ours, theirs


@pytest.mark.parametrize("bias", [True, False])
def test_multi_head_attention_matches_torch(bias):
    ours, theirs = _pair(bias)
    x = randn(2, 5, 12, seed=1)
    out, w = ours(x)
    ref, ref_w = theirs(x, x, x, need_weights=True, average_attn_weights=False)
    torch.testing.assert_close(out, ref, **TIGHT)
    torch.testing.assert_close(w, ref_w, **TIGHT)
    mask = causal_mask(5)
    out, w = ours(x, mask=mask)
    ref, ref_avg = theirs(x, x, x, attn_mask=~mask)  # torch: True = hidden
    torch.testing.assert_close(out, ref, **TIGHT)
    torch.testing.assert_close(w.mean(dim=1), ref_avg, **TIGHT)
    torch.testing.assert_close(ours(x, causal=True)[0], ref, **TIGHT)


def test_multi_head_cross_attention_and_padding_match_torch():
    ours, theirs = _pair(seed=1)
    x, memory = randn(2, 4, 12, seed=2), randn(2, 6, 12, seed=3)
    padding = torch.tensor(
        [[False] * 6, [False] * 4 + [True] * 2]
    )  # torch: True = pad
    out, w = ours(x, memory, memory, mask=~padding[:, None, None, :])
    ref, ref_w = theirs(x, memory, memory, key_padding_mask=padding)
    assert w.shape == (2, 3, 4, 6)
    torch.testing.assert_close(out, ref, **TIGHT)
    torch.testing.assert_close(w.mean(1), ref_w, **TIGHT)
    assert torch.all(w[1, ..., 4:] == 0)


def test_multi_head_gradients_match_torch():
    ours, theirs = _pair(seed=2)
    x = randn(1, 4, 12, seed=4)
    upstream = randn(1, 4, 12, seed=5)
    (ours(x, causal=True)[0] * upstream).sum().backward()
    (theirs(x, x, x, attn_mask=~causal_mask(4))[0] * upstream).sum().backward()
    grad_in = torch.cat(
        [ours.q_proj.weight.grad, ours.k_proj.weight.grad, ours.v_proj.weight.grad]
    )
    torch.testing.assert_close(grad_in, theirs.in_proj_weight.grad, **TIGHT)
    torch.testing.assert_close(
        ours.out_proj.weight.grad, theirs.out_proj.weight.grad, **TIGHT
    )


def test_multi_head_dropout_only_in_training():
    mha = MultiHeadAttention(8, 2, dropout=0.5, dtype=F64)
    x = randn(1, 6, 8)
    mha.eval()
    torch.testing.assert_close(mha(x)[0], mha(x)[0])
    mha.train()
    torch.manual_seed(0)
    assert not torch.allclose(mha(x)[0], mha.eval()(x)[0])


def test_multi_head_attention_rejects_bad_hyper_parameters_and_shapes():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)
    for bad in (0, -4):
        with pytest.raises(ValueError, match="positive integer"):
            MultiHeadAttention(bad, 2)
        with pytest.raises(ValueError, match="positive integer"):
            MultiHeadAttention(8, bad)
    with pytest.raises(TypeError, match="must be an integer"):
        MultiHeadAttention(4.0, 2)
    with pytest.raises(TypeError, match="must be an integer"):
        MultiHeadAttention(8, 2.0)
    for bad in (-0.1, 1.0, "0.1"):
        with pytest.raises(ValueError, match="dropout"):
            MultiHeadAttention(8, 2, dropout=bad)
    mha = MultiHeadAttention(8, 2)
    with pytest.raises(ValueError, match="d_model=8"):
        mha(torch.randn(2, 5, 6))
    with pytest.raises(ValueError, match="d_model=8"):
        mha(torch.randn(5, 8))
    with pytest.raises(ValueError, match="batch size"):
        mha(torch.randn(2, 5, 8), torch.randn(3, 5, 8))
    with pytest.raises(ValueError, match="length"):
        mha(torch.randn(2, 5, 8), torch.randn(2, 5, 8), torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="does not broadcast"):
        mha(torch.randn(2, 5, 8), mask=torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="query"):
        mha([[0.0] * 8])
    with pytest.raises(TypeError, match="MultiheadAttention"):
        mha.load_torch_weights(nn.Linear(8, 8))
    with pytest.raises(ValueError, match="sizes differ"):
        mha.load_torch_weights(nn.MultiheadAttention(8, 4))
    with pytest.raises(ValueError, match="biases"):
        mha.load_torch_weights(nn.MultiheadAttention(8, 2, bias=False))
    with pytest.raises(ValueError, match="plain form"):
        mha.load_torch_weights(nn.MultiheadAttention(8, 2, kdim=4))


# ------------------------------------------------------------------ layer normalisation


def test_layer_norm_matches_torch():
    x, w, b = randn(2, 3, 6, seed=1), randn(6, seed=2), randn(6, seed=3)
    torch.testing.assert_close(
        layer_norm(x, w, b), F.layer_norm(x, (6,), w, b), **TIGHT
    )
    torch.testing.assert_close(layer_norm(x), F.layer_norm(x, (6,)), **TIGHT)
    y = layer_norm(x, eps=1e-12)
    torch.testing.assert_close(
        y.mean(-1), torch.zeros(2, 3, dtype=F64), rtol=0, atol=1e-12
    )
    torch.testing.assert_close(
        y.var(-1, unbiased=False), torch.ones(2, 3, dtype=F64)
    )


def test_layer_norm_backward_matches_autograd():
    x = randn(2, 3, 6, seed=4).requires_grad_()
    w, b = randn(6, seed=5).requires_grad_(), randn(6, seed=6).requires_grad_()
    upstream = randn(2, 3, 6, seed=7)
    (F.layer_norm(x, (6,), w, b) * upstream).sum().backward()
    dx, dw, db = layer_norm_backward(upstream, x.detach(), w.detach())
    for ours, theirs in ((dx, x.grad), (dw, w.grad), (db, b.grad)):
        torch.testing.assert_close(ours, theirs, **TIGHT)
    dx1, _, _ = layer_norm_backward(upstream, x.detach())  # γ = 1
    assert torch.allclose(dx1.sum(-1), torch.zeros(2, 3, dtype=F64), atol=1e-12)


def test_layer_norm_function_passes_gradcheck_and_module_matches_torch():
    x, w, b = randn(3, 5, seed=8), randn(5, seed=9), randn(5, seed=10)
    inputs = tuple(t.clone().requires_grad_() for t in (x, w, b))
    assert torch.autograd.gradcheck(
        lambda *t: LayerNormFunction.apply(*t, 1e-5), inputs
    )
    ours, theirs = LayerNorm(5, dtype=F64), nn.LayerNorm(5, dtype=F64)
    with torch.no_grad():
        for module in (ours, theirs):
            module.weight.copy_(w)
            module.bias.copy_(b)
    xs = [x.clone().requires_grad_() for _ in range(2)]
    upstream = randn(3, 5, seed=11)
    (ours(xs[0]) * upstream).sum().backward()
    (theirs(xs[1]) * upstream).sum().backward()
    torch.testing.assert_close(xs[0].grad, xs[1].grad, **TIGHT)
    torch.testing.assert_close(ours.weight.grad, theirs.weight.grad, **TIGHT)
    torch.testing.assert_close(ours.bias.grad, theirs.bias.grad, **TIGHT)


def test_layer_norm_rejects_bad_input():
    x = randn(2, 4)
    with pytest.raises(ValueError, match="weight must have shape"):
        layer_norm(x, randn(3))
    with pytest.raises(ValueError, match="bias must have shape"):
        layer_norm(x, bias=randn(3))
    with pytest.raises(ValueError, match="eps"):
        layer_norm(x, eps=-1e-5)
    with pytest.raises(ValueError, match="eps"):
        layer_norm_backward(x, x, eps="small")
    with pytest.raises(ValueError, match="at least one dimension"):
        layer_norm(torch.tensor(1.0))
    with pytest.raises(TypeError, match="x must be"):
        layer_norm([1.0, 2.0])
    with pytest.raises(ValueError, match="grad_output"):
        layer_norm_backward(randn(2, 3), x)
    with pytest.raises(TypeError, match="grad_output"):
        layer_norm_backward(None, x)
    with pytest.raises(ValueError, match="positive integer"):
        LayerNorm(0)
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(4, eps=-1.0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        LayerNorm(4)(randn(2, 3))
    with pytest.raises(TypeError):
        LayerNorm(4)("x")


# ----------------------------------------------------------------- positional encodings


def test_sinusoidal_encoding_follows_the_formula():
    pe = sinusoidal_positional_encoding(50, 8, dtype=F64)
    assert pe.shape == (50, 8)
    for pos in (0, 7, 49):
        for i in range(4):
            angle = pos / 10000 ** (2 * i / 8)
            assert math.isclose(
                pe[pos, 2 * i].item(), math.sin(angle), abs_tol=1e-15
            )
            assert math.isclose(
                pe[pos, 2 * i + 1].item(), math.cos(angle), abs_tol=1e-15
            )
    omega = positional_frequencies(8, dtype=F64)
    torch.testing.assert_close(omega, 10000.0 ** (-torch.arange(4, dtype=F64) / 4))
    assert sinusoidal_positional_encoding(3, 4).dtype == torch.float32


def test_shift_matrix_moves_encodings_and_is_a_rotation():
    pe = sinusoidal_positional_encoding(40, 16, dtype=F64)
    for k in (1, 5, -3):
        m = positional_shift_matrix(k, 16, dtype=F64)
        lo, hi = max(0, -k), min(40, 40 - k)
        torch.testing.assert_close(
            pe[lo:hi] @ m.T, pe[lo + k : hi + k], rtol=0, atol=1e-12
        )
        torch.testing.assert_close(
            m @ m.T, torch.eye(16, dtype=F64), rtol=0, atol=1e-12
        )
    torch.testing.assert_close(
        positional_shift_matrix(2, 16, dtype=F64),
        positional_shift_matrix(1, 16, dtype=F64).matrix_power(2),
    )


def test_positional_encoding_rejects_bad_input():
    with pytest.raises(ValueError, match="even"):
        sinusoidal_positional_encoding(4, 5)
    with pytest.raises(ValueError, match="positive integer"):
        sinusoidal_positional_encoding(0, 4)
    with pytest.raises(ValueError, match="base"):
        positional_frequencies(4, base=1.0)
    with pytest.raises(TypeError, match="offset"):
        positional_shift_matrix(1.5, 4)


# ------------------------------------------------------------------------- self-checks


def test_attention_check_accepts_a_learner_style_solution():
    def mine(Q, K, V, mask=None):
        scores = Q @ K.transpose(-2, -1) / K.shape[-1] ** 0.5
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        return torch.softmax(scores, dim=-1) @ V

    assert check_attention(mine)


# ------------------------------------------------------------------ one source, 4.3's cells

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK_4_3 = (
    Path(__file__).parents[1] / "notebooks/04_math/4_3_transformer_math.ipynb"
)


def test_chapter_4_3_shows_the_lesson_code():
    assert_notebook_shows(
        NOTEBOOK_4_3,
        attention,
        {
            "masked_softmax",
            "causal_mask",
            "attention_weights",
            "scaled_dot_product_attention",
            "split_heads",
            "merge_heads",
            "MultiHeadAttention",
            "layer_norm",
            "layer_norm_backward",
            "LayerNormFunction",
            "LayerNorm",
        },
    )
