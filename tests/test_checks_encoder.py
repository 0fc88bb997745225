"""The self-check of chapter 5.2's "Build it yourself" exercise (a pre-norm encoder layer).

The right answer passes; wrong implementations for which the check has no hint still get
✗ with a useful sentence and no traceback (the typical mistakes, each with its own hint,
are covered by tests/test_selfcheck_contract.py).
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bookutils.checks.encoder import (
    _pre_norm_reference,
    check_pre_norm_encoder_layer,
)
from bookutils.transformer.attention import (
    merge_heads,
    scaled_dot_product_attention,
    split_heads,
)


def mha(x, attn, num_heads, mask):
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = attn
    q = split_heads(F.linear(x, W_q, b_q), num_heads)
    k = split_heads(F.linear(x, W_k, b_k), num_heads)
    v = split_heads(F.linear(x, W_v, b_v), num_heads)
    return F.linear(
        merge_heads(scaled_dot_product_attention(q, k, v, mask)), W_o, b_o
    )


def layer(
    x, attn, norm1, ffn, norm2, num_heads, mask, *, ln=None, act=F.relu, p=0.0
):
    ln = ln or (lambda t, g, b: F.layer_norm(t, t.shape[-1:], g, b, eps=1e-6))
    y = x + F.dropout(mha(ln(x, *norm1), attn, num_heads, mask), p)
    W_1, b_1, W_2, b_2 = ffn
    return y + F.dropout(
        F.linear(act(F.linear(ln(y, *norm2), W_1, b_1)), W_2, b_2), p
    )


def good(*args):
    return layer(*args)


def transposed_weight(x, attn, norm1, ffn, norm2, num_heads, mask):
    attn = [w.T if w.ndim == 2 else w for w in attn]  # x @ W instead of x @ W.T
    return layer(x, attn, norm1, ffn, norm2, num_heads, mask)


def missing_bias(x, attn, norm1, ffn, norm2, num_heads, mask):
    ffn = [ffn[0], ffn[1], ffn[2], torch.zeros_like(ffn[3])]  # b_2 left out
    return layer(x, attn, norm1, ffn, norm2, num_heads, mask)


def norm_over_positions(*args):
    def ln(t, g, b):  # statistics over dim=-2, the positions
        mu, var = t.mean(-2, keepdim=True), t.var(-2, keepdim=True, unbiased=False)
        return g * (t - mu) / torch.sqrt(var + 1e-6) + b

    return layer(*args, ln=ln)


def in_float32(*args):
    return layer(
        *(
            [t.float() for t in a] if isinstance(a, list) else a
            for a in (args[0].float(), *args[1:])
        )
    )


def adds_in_place(x, attn, norm1, ffn, norm2, num_heads, mask):
    x += mha(F.layer_norm(x, x.shape[-1:], *norm1, eps=1e-6), attn, num_heads, mask)
    W_1, b_1, W_2, b_2 = ffn
    h = F.layer_norm(x, x.shape[-1:], *norm2, eps=1e-6)
    return x + F.linear(F.relu(F.linear(h, W_1, b_1)), W_2, b_2)


def returns_a_list(*args):
    return layer(*args).tolist()


def never_returns(*args):
    while True:
        pass


def dropout_left_on(*args):
    return layer(*args, p=0.1)  # F.dropout trains by default


def mask_ignored(x, attn, norm1, ffn, norm2, num_heads, mask):
    return layer(x, attn, norm1, ffn, norm2, num_heads, None)


def gelu_not_relu(*args):
    return layer(*args, act=F.gelu)


def test_the_reference_is_torch_pre_norm_layer_with_copied_weights():
    torch.manual_seed(0)
    theirs = nn.TransformerEncoderLayer(
        12,
        3,
        16,
        0.0,
        batch_first=True,
        layer_norm_eps=1e-6,
        norm_first=True,
        dtype=torch.float64,
    ).eval()
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(0.1 * torch.randn_like(p))  # biases and norms away from 0 and 1
    sa = theirs.self_attn
    W_q, W_k, W_v = sa.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = sa.in_proj_bias.detach().chunk(3)
    attn = [W_q, b_q, W_k, b_k, W_v, b_v, sa.out_proj.weight, sa.out_proj.bias]
    norm1 = [theirs.norm1.weight, theirs.norm1.bias]
    norm2 = [theirs.norm2.weight, theirs.norm2.bias]
    ffn = [
        theirs.linear1.weight,
        theirs.linear1.bias,
        theirs.linear2.weight,
        theirs.linear2.bias,
    ]
    x = torch.randn(2, 5, 12, dtype=torch.float64)
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    with torch.no_grad():
        for ours, theirs_kw in ((None, {}), (causal, {"src_mask": ~causal})):
            expected = theirs(x, **theirs_kw)
            got = _pre_norm_reference(x, attn, norm1, ffn, norm2, 3, ours)
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_a_right_answer_passes(capsys):
    assert check_pre_norm_encoder_layer(good)
    assert capsys.readouterr().out.startswith("✓")


# (wrong implementation, words its feedback must contain)
UNHINTED = [
    (transposed_weight, "wrong answer on the case"),
    (missing_bias, "wrong answer on the case"),
    (norm_over_positions, "wrong answer on the case"),
    (in_float32, "dtype torch.float32 for inputs of dtype torch.float64"),
    (adds_in_place, "changed its inputs in place"),
    (returns_a_list, "returned list, not a tensor"),
    (never_returns, "did not finish within the time limit"),
    (dropout_left_on, "wrong answer on the case"),
    (mask_ignored, "wrong answer on the case: a batch of 2, 5 positions"),
    (gelu_not_relu, "wrong answer on the case"),
]


@pytest.mark.parametrize(
    "wrong,words", UNHINTED, ids=[f.__name__ for f, _ in UNHINTED]
)
def test_wrong_implementations_without_a_hint_get_feedback(
    wrong, words, capsys, monkeypatch
):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "2")
    result = check_pre_norm_encoder_layer(wrong)
    out = capsys.readouterr().out
    assert not result and out.startswith("✗"), out
    assert words in out and "Traceback" not in out, out
