"""Self-check for chapter 5.3: a whole GPT block (pre-norm, causal self-attention, MLP,
residual connections), compared in float64 with the book's ``Block`` carrying the same
weights."""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    call_with_time_limit,
    make_rng,
    mismatch,
    run_check,
    time_limit,
)
from ..transformer.gpt import Block, GPTConfig

#: The block's tensors, in the order of ``Block.state_dict()`` (and of ``params``).
PARAM_NAMES = (
    "ln1.weight",
    "ln1.bias",
    "attn.qkv.weight",
    "attn.qkv.bias",
    "attn.proj.weight",
    "attn.proj.bias",
    "ln2.weight",
    "ln2.bias",
    "ffn.fc.weight",
    "ffn.fc.bias",
    "ffn.proj.weight",
    "ffn.proj.bias",
)
EPS = 1e-5  # nn.LayerNorm's default, as in the book's Block


def _reference(x, params, n_heads):
    """The book's ``Block`` with the weights ``params``, applied to ``x``."""
    T, C = x.shape[-2:]
    cfg = GPTConfig(
        vocab_size=1, block_size=T, d_model=C, n_heads=n_heads, n_layers=1
    )
    with torch.random.fork_rng(devices=[]):  # building a Block draws random numbers
        block = Block(cfg).to(x.dtype)
    block.load_state_dict(dict(zip(PARAM_NAMES, params, strict=True)))
    with torch.no_grad():
        return block(x)


def _params(C: int, rng: np.random.Generator) -> list[torch.Tensor]:
    """Weights of a typical trained size: N(0, 1/fan_in) matrices, non-trivial norms."""

    def t(*shape: int, scale: float, mean: float = 0.0) -> torch.Tensor:
        return torch.as_tensor(mean + scale * rng.standard_normal(shape))

    return [
        t(C, scale=0.2, mean=1.0),  # ln1.weight near 1
        t(C, scale=0.2),
        t(3 * C, C, scale=C**-0.5),
        t(3 * C, scale=0.2),
        t(C, C, scale=C**-0.5),
        t(C, scale=0.2),
        t(C, scale=0.2, mean=1.0),
        t(C, scale=0.2),
        t(4 * C, C, scale=C**-0.5),
        t(4 * C, scale=0.2),
        t(C, 4 * C, scale=(4 * C) ** -0.5),
        t(C, scale=0.2),
    ]


def _case(B: int, T: int, C: int, H: int, seed: int, what: str, teaching: bool):
    rng = make_rng(seed)
    x = torch.as_tensor(rng.standard_normal((B, T, C)))
    return Case((x, _params(C, rng), H), what, teaching)


CASES = (
    _case(1, 4, 8, 2, 1, "one sequence of 4 positions, d_model = 8, 2 heads", True),
    _case(
        2,
        5,
        12,
        3,
        2,
        "a batch of 2 sequences of 5 positions, 3 heads of width 4",
        True,
    ),
    _case(1, 6, 8, 4, 3, "6 positions, 4 heads of width 2 (d_model = 8)", True),
    _case(
        2,
        1,
        6,
        2,
        4,
        "a single position (T = 1): it can only attend to itself",
        True,
    ),
)
GENERATED = tuple(
    _case(
        B,
        T,
        C,
        H,
        100 + i,
        f"a generated case: B = {B}, T = {T}, d_model = {C}, {H} heads",
        False,
    )
    for i, (B, T, C, H) in enumerate(
        [(3, 7, 16, 4), (1, 9, 12, 2), (2, 3, 10, 5), (4, 8, 6, 1), (2, 12, 16, 8)]
    )
)


def _block(
    x,
    params,
    H,
    *,
    mask_offset: int | None = 0,
    norm: str = "pre",
    residual: tuple[bool, bool] = (True, True),
    scale: str = "head",
    act: str = "gelu",
    head_split: str = "right",
    out_proj: bool = True,
    unbiased: bool = False,
    second_norm: bool = True,
):
    """A GPT block written out, with switches for the typical mistakes."""
    ln1_w, ln1_b, W_qkv, b_qkv, W_o, b_o, ln2_w, ln2_b, W_fc, b_fc, W_pr, b_pr = (
        params
    )
    B, T, C = x.shape

    def ln(z, w, b):
        mu = z.mean(-1, keepdim=True)
        var = z.var(-1, keepdim=True, unbiased=unbiased)
        return (z - mu) / torch.sqrt(var + EPS) * w + b

    def heads(t):
        if head_split == "right":
            return t.reshape(B, T, H, C // H).transpose(1, 2)
        return t.reshape(B, T, C // H, H).permute(0, 3, 1, 2)

    def attn(z):
        q, k, v = (heads(t) for t in (z @ W_qkv.T + b_qkv).split(C, dim=-1))
        s = q @ k.transpose(-2, -1)
        if scale == "head":
            s = s / math.sqrt(C // H)
        elif scale == "model":
            s = s / math.sqrt(C)
        if mask_offset is not None:
            allowed = torch.ones(T, T, dtype=torch.bool).tril(mask_offset)
            s = s.masked_fill(~allowed, float("-inf"))
        y = torch.softmax(s, dim=-1) @ v  # (B, H, T, C/H)
        if head_split == "right":
            y = y.transpose(1, 2).reshape(B, T, C)
        else:
            y = y.permute(0, 2, 3, 1).reshape(B, T, C)
        return y @ W_o.T + b_o if out_proj else y

    def mlp(z):
        h = z @ W_fc.T + b_fc
        h = {
            "gelu": F.gelu,
            "tanh": lambda u: F.gelu(u, approximate="tanh"),
            "relu": torch.relu,
        }[act](h)
        return h @ W_pr.T + b_pr

    if norm == "post":
        x = ln(x + attn(x), ln1_w, ln1_b)
        return ln(x + mlp(x), ln2_w, ln2_b)
    a = attn(ln(x, ln1_w, ln1_b))
    x = x + a if residual[0] else a
    m = mlp(ln(x, ln2_w, ln2_b) if second_norm else x)
    return x + m if residual[1] else m


def _mistake(**kw):
    return lambda x, params, H: _block(x, params, H, **kw)


MISTAKES = (
    Mistake(
        _mistake(mask_offset=None),
        "there is no causal mask: every position attends to the positions after it,"
        " so it could read the very character it must predict. Set the scores above"
        " the diagonal (key after query) to -inf before the softmax.",
    ),
    Mistake(
        _mistake(mask_offset=1),
        "the causal mask is off by one: position t also sees position t + 1. Hide the"
        " keys j > t, i.e. keep the diagonal and everything below it (tril(0), or"
        " triu(1) for the hidden part).",
    ),
    Mistake(
        _mistake(mask_offset=-1),
        "the causal mask hides the diagonal too: position t must see itself (keys"
        " 0..t), otherwise the first position has nothing to attend to (NaN).",
    ),
    Mistake(
        _mistake(norm="post"),
        "that is the post-norm arrangement LN(x + attn(x)); a GPT block is pre-norm:"
        " x + attn(LN(x)), then x + mlp(LN(x)), the residual path never normalised.",
    ),
    Mistake(
        _mistake(residual=(False, True)),
        "the residual connection around attention is missing: x = x + attn(LN1(x)),"
        " not x = attn(LN1(x)).",
    ),
    Mistake(
        _mistake(residual=(True, False)),
        "the residual connection around the MLP is missing: return x + mlp(LN2(x)),"
        " not mlp(LN2(x)).",
    ),
    Mistake(
        _mistake(second_norm=False),
        "the MLP reads x without the second layer norm: x + mlp(LN2(x)), with ln2's"
        " weight and bias.",
    ),
    Mistake(
        _mistake(scale="none"),
        "the scores are not scaled: divide q kᵀ by sqrt(d_head) = sqrt(d_model /"
        " n_heads) before the mask and the softmax.",
    ),
    Mistake(
        _mistake(scale="model"),
        "the scores are divided by sqrt(d_model); each head has width d_model /"
        " n_heads, so divide by sqrt(d_model / n_heads).",
    ),
    Mistake(
        _mistake(head_split="wrong"),
        "the heads are cut the wrong way: head h owns the consecutive columns"
        " h·d_head .. (h+1)·d_head - 1, so reshape (B, T, C) to (B, T, n_heads, d_head)"
        " (then transpose to (B, n_heads, T, d_head)), not to (B, T, d_head, n_heads).",
    ),
    Mistake(
        _mistake(out_proj=False),
        "the output projection is missing: after putting the heads side by side,"
        " multiply by W_O (attn.proj.weight) and add its bias.",
    ),
    Mistake(
        _mistake(act="relu"),
        "the MLP uses ReLU; GPT's MLP uses GELU (F.gelu, the exact form with erf).",
    ),
    Mistake(
        _mistake(act="tanh"),
        "the MLP uses the tanh approximation of GELU; the book's nn.GELU() is the exact"
        " form with erf (F.gelu without approximate='tanh').",
    ),
    Mistake(
        _mistake(unbiased=True),
        "the layer norm uses the unbiased variance (divided by d - 1); layer norm"
        " divides by d: var(..., unbiased=False), with ε = 1e-5 inside the square root.",
    ),
)


def check_gpt_block(fn) -> CheckResult:
    """Check ``fn(x, params, n_heads)`` computes one pre-norm GPT block on ``x``
    ``(B, T, C)`` (float64), with ``params`` the block's 12 tensors in the order of
    ``Block.state_dict()`` (:data:`PARAM_NAMES`), and returns a tensor ``(B, T, C)``."""
    learner = fn
    if callable(fn):

        def learner(x, params, n_heads):
            out = fn(x, params, n_heads)
            if out is None or isinstance(out, (torch.Tensor, np.ndarray)):
                return out
            raise TypeError(
                f"it returned a {type(out).__name__}, not a tensor: return a tensor"
                f" of shape (B, T, C) = {tuple(x.shape)}"
            )

    result = run_check(
        "check_gpt_block",
        learner,
        _reference,
        CASES + GENERATED,
        MISTAKES,
        signature="(x, params, n_heads)",
    )
    wrong = result.messages[0].startswith("✗ check_gpt_block: wrong answer")
    if wrong and not any("Hint:" in m for m in result.messages):
        where = _where_it_goes_wrong(learner)
        if where:
            print(where)
            result.messages.append(where)
    return result


def _where_it_goes_wrong(fn) -> str | None:
    """For an answer no typical mistake explains: is position 0 already wrong?

    Position 0 attends only to itself (its attention weight is 1), so its output does not
    depend on the scores or the mask; a wrong position 0 points at what each position
    computes on its own, a right one at what mixes positions.
    """
    x, params, n_heads = CASES[0].args
    try:
        got = call_with_time_limit(
            fn, copy.deepcopy((x, params, n_heads)), time_limit()
        )
        got = torch.as_tensor(
            np.asarray(got.detach() if hasattr(got, "detach") else got)
        )
    except BaseException:  # noqa: BLE001 (the verdict is given; this is only a hint)
        return None
    expected = _reference(x, params, n_heads)
    if got.shape != expected.shape:
        return None
    right = [
        mismatch(expected[..., t, :], got[..., t, :]) is None
        for t in range(x.shape[1])
    ]
    if right[0] and not all(right):
        return (
            "  Where: position 0 is right and a later one is wrong. Position 0 attends"
            " only to itself, so look at what mixes positions: the scores, the causal"
            " mask, the softmax and how the heads are split and merged."
        )
    if not right[0]:
        return (
            "  Where: position 0 is already wrong. Position 0 may attend only to itself,"
            " with weight exactly 1: check the causal mask and the softmax's axis, then"
            " what each position computes on its own: the layer norms, how the heads are"
            " split and merged, the projections and their biases, the MLP and the"
            " residual connections."
        )
    return None
