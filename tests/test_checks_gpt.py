"""The GPT-block self-check of chapter 5.3 against wrong blocks it has no hint for.

Each wrong implementation below is written from scratch here (not by the check's own
mistake switches); every one must get ✗ with a sentence and no traceback. The right ones
(torch in float64, float32 judged at float32 precision, NumPy) must get ✓.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from bookutils.checks.gpt import PARAM_NAMES, check_gpt_block
from bookutils.transformer.gpt import Block, GPTConfig


def block(x, params, n_heads, **bug):
    """A GPT block written out; each keyword switches on one bug."""
    ln1_w, ln1_b, W_qkv, b_qkv, W_o, b_o, ln2_w, ln2_b, W_fc, b_fc, W_pr, b_pr = (
        params
    )
    B, T, C = x.shape
    H, d = n_heads, C // n_heads
    f32 = bug.get("float32") or bug.get("float32_then_double")
    dtype = torch.float32 if f32 else x.dtype
    x = x.to(dtype)
    ln1_w, ln1_b, W_qkv, b_qkv, W_o, b_o, ln2_w, ln2_b, W_fc, b_fc, W_pr, b_pr = (
        p.to(dtype) for p in params
    )
    ln_dim = -2 if bug.get("ln_over_positions") else -1

    def ln(z, w, b):
        mu = z.mean(ln_dim, keepdim=True)
        var = z.var(ln_dim, keepdim=True, unbiased=False)
        return (z - mu) / torch.sqrt(var + 1e-5) * w + b

    h = ln(x, ln1_w, ln1_b)
    qkv = (h @ W_qkv.T + b_qkv).split(C, dim=-1)
    q, k, v = (qkv[1], qkv[0], qkv[2]) if bug.get("k_q_swapped") else qkv
    q, k, v = (t.reshape(B, T, H, d).transpose(1, 2) for t in (q, k, v))
    s = q @ k.transpose(-2, -1) / math.sqrt(d)
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    if bug.get("mask_the_past"):
        future = torch.ones(T, T, dtype=torch.bool).tril(-1)
    if bug.get("mask_after_softmax"):
        w = torch.softmax(s, dim=-1).masked_fill(future, 0.0)
    else:
        w = torch.softmax(s.masked_fill(future, float("-inf")), dim=-1)
    if bug.get("softmax_over_queries"):
        w = torch.softmax(s.masked_fill(future, float("-inf")), dim=-2).nan_to_num()
    y = w @ v  # (B, H, T, d)
    y = (
        y.reshape(B, T, C)
        if bug.get("no_transpose_back")
        else (y.transpose(1, 2).reshape(B, T, C))
    )
    W_o_used = W_o if bug.get("transposed_W_o") else W_o.T
    attn = y @ W_o_used + b_o
    if bug.get("in_place"):
        x += attn  # changes the caller's tensor
    else:
        x = (h if bug.get("residual_from_normed") else x) + attn
    ln2 = (ln1_w, ln1_b) if bug.get("ln1_twice") else (ln2_w, ln2_b)
    h = ln(x, *ln2)
    fc = h @ W_fc.T if bug.get("no_fc_bias") else h @ W_fc.T + b_fc
    out = x + F.gelu(fc) @ W_pr.T + b_pr
    if bug.get("float32_then_double"):
        return out.double()
    if bug.get("as_list"):
        return out.tolist()
    if bug.get("with_weights"):
        return out, w
    if bug.get("numpy"):
        return out.numpy()
    return out


def bugged(name):
    def fn(x, params, n_heads):
        return block(x, params, n_heads, **{name: True})

    fn.__name__ = name
    return fn


def never_returns(x, params, n_heads):
    i = 0
    while i < 10:
        i * 2  # the increment is missing
    return x


# (bug, a phrase the feedback must contain)
RIGHT_AT_0 = "position 0 is right and a later one is wrong"
WRONG_AT_0 = "position 0 is already wrong"
WRONG = [
    ("transposed_W_o", WRONG_AT_0),
    ("no_fc_bias", WRONG_AT_0),
    ("ln_over_positions", WRONG_AT_0),
    ("softmax_over_queries", WRONG_AT_0),
    ("in_place", "changed its inputs in place"),
    ("as_list", "returned a list, not a tensor"),
    ("with_weights", "returned a tuple, not a tensor"),
    ("k_q_swapped", RIGHT_AT_0),
    ("mask_the_past", WRONG_AT_0),
    ("mask_after_softmax", WRONG_AT_0),
    ("no_transpose_back", WRONG_AT_0),
    ("residual_from_normed", WRONG_AT_0),
    ("ln1_twice", WRONG_AT_0),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("bug,phrase", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_block_gets_a_cross_with_a_sentence(bug, phrase, capsys):
    result = check_gpt_block(bugged(bug))
    out = capsys.readouterr().out
    assert not result, f"{bug} was accepted:\n{out}"
    assert out.startswith("✗") and phrase in out and "Traceback" not in out, out


def test_a_block_that_never_returns_times_out(monkeypatch, capsys):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.3")
    result = check_gpt_block(never_returns)
    out = capsys.readouterr().out
    assert not result and "did not finish within the time limit of 0.3 s" in out
    assert "Traceback" not in out


# float32 is not a bug to the book's checks: a float32 answer is judged at float32
# precision (tests/test_selfcheck_contract.py), and a block computed in float32 and
# returned as float64 is off by about 2e-7 of the output's scale, inside the float64
# tolerance of 1e-6 (the round-off of a dozen float32 operations, not a wrong formula).
@pytest.mark.parametrize(
    "right", ["plain", "float32", "float32_then_double", "numpy"]
)
def test_right_blocks_pass(right, capsys):
    fn = (lambda x, p, h: block(x, p, h)) if right == "plain" else bugged(right)
    assert check_gpt_block(fn), capsys.readouterr().out


def test_the_reference_is_the_books_block_with_the_given_weights():
    torch.manual_seed(0)
    book = Block(
        GPTConfig(vocab_size=1, block_size=5, d_model=8, n_heads=2)
    ).double()
    params = list(book.state_dict().values())
    assert tuple(book.state_dict()) == PARAM_NAMES
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(block(x, params, 2), book(x), atol=1e-12)
    state = torch.get_rng_state()
    assert check_gpt_block(lambda x, p, h: block(x, p, h))
    assert torch.equal(torch.get_rng_state(), state)  # the check draws no numbers
