"""The self-check of chapter 4.3's "Build it yourself" exercise (multi-head attention).

The right answer passes; wrong implementations for which the check has no hint still get
✗ with a useful sentence and no traceback (the typical mistakes, each with its own hint,
are covered by tests/test_selfcheck_contract.py).
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from bookutils.checks.attention import _mha_float64, check_multi_head_attention
from bookutils.transformer.attention import (
    merge_heads,
    scaled_dot_product_attention,
    split_heads,
)


def good(X, params, num_heads, mask):
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = params
    q = split_heads(X @ W_q + b_q, num_heads)
    k = split_heads(X @ W_k + b_k, num_heads)
    v = split_heads(X @ W_v + b_v, num_heads)
    return merge_heads(scaled_dot_product_attention(q, k, v, mask)) @ W_o + b_o


def transposed_weight(X, params, num_heads, mask):
    return good(X, [p.T if p.ndim == 2 else p for p in params], num_heads, mask)


def missing_bias(X, params, num_heads, mask):
    return good(
        X,
        [p if p.ndim == 2 else torch.zeros_like(p) for p in params],
        num_heads,
        mask,
    )


def softmax_over_heads(X, params, num_heads, mask):
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = params
    q = split_heads(X @ W_q + b_q, num_heads)
    k = split_heads(X @ W_k + b_k, num_heads)
    v = split_heads(X @ W_v + b_v, num_heads)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return merge_heads(torch.softmax(scores, dim=1) @ v) @ W_o + b_o  # wrong axis


def in_float32(X, params, num_heads, mask):
    return good(X.float(), [p.float() for p in params], num_heads, mask)


def scales_w_q_in_place(X, params, num_heads, mask):
    params[0] /= math.sqrt(X.shape[-1] // num_heads)  # folds the scale into W_q
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = params
    b_q = b_q / math.sqrt(X.shape[-1] // num_heads)
    q = split_heads(X @ W_q + b_q, num_heads)
    k = split_heads(X @ W_k + b_k, num_heads)
    v = split_heads(X @ W_v + b_v, num_heads)
    heads = scaled_dot_product_attention(q, k, v, mask, scale=1.0)
    return merge_heads(heads) @ W_o + b_o


def returns_a_list(X, params, num_heads, mask):
    return good(X, params, num_heads, mask).tolist()


def never_returns(X, params, num_heads, mask):
    while True:
        pass


def one_head_only(X, params, num_heads, mask):
    return good(X, params, 1, mask)


def always_causal(X, params, num_heads, mask):
    W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o = params
    q = split_heads(X @ W_q + b_q, num_heads)
    k = split_heads(X @ W_k + b_k, num_heads)
    v = split_heads(X @ W_v + b_v, num_heads)
    heads = scaled_dot_product_attention(q, k, v, causal=True)
    return merge_heads(heads) @ W_o + b_o


def test_the_reference_is_torch_multihead_attention_with_copied_weights():
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(12, 3, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    W_q, W_k, W_v = mha.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = mha.in_proj_bias.detach().chunk(3)
    W_o, b_o = mha.out_proj.weight.detach(), mha.out_proj.bias.detach()
    params = [W_q.T, b_q, W_k.T, b_k, W_v.T, b_v, W_o.T, b_o]
    X = torch.randn(2, 5, 12, dtype=torch.float64)
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    padding = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])
    with torch.no_grad():
        for ours, theirs in (
            (None, {}),
            (causal, {"attn_mask": ~causal}),
            (padding[:, None, None, :], {"key_padding_mask": ~padding}),
        ):
            expected = mha(X, X, X, **theirs)[0]
            got = _mha_float64(X, params, 3, ours)
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_a_right_answer_passes(capsys):
    assert check_multi_head_attention(good)
    assert capsys.readouterr().out.startswith("✓")


# (wrong implementation, words its feedback must contain)
UNHINTED = [
    (transposed_weight, "wrong answer on the case"),
    (missing_bias, "wrong answer on the case"),
    (softmax_over_heads, "wrong answer on the case"),
    (in_float32, "dtype torch.float32 for inputs of dtype torch.float64"),
    (scales_w_q_in_place, "changed its inputs in place"),
    (returns_a_list, "returned list, not a tensor"),
    (never_returns, "did not finish within the time limit"),
    (one_head_only, "wrong answer on the case"),
    (always_causal, "wrong answer on the case"),
]


@pytest.mark.parametrize(
    "wrong,words", UNHINTED, ids=[f.__name__ for f, _ in UNHINTED]
)
def test_wrong_implementations_without_a_hint_get_feedback(
    wrong, words, capsys, monkeypatch
):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "2")
    result = check_multi_head_attention(wrong)
    out = capsys.readouterr().out
    assert not result and out.startswith("✗"), out
    assert words in out and "Traceback" not in out, out
