"""Self-check for chapter 5.6: rotary position embeddings (RoPE)."""

from __future__ import annotations

import torch

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..transformer.llama import apply_rope, rope_cos_sin


def _reference(x, positions, base):
    cos, sin = rope_cos_sin(x.shape[-1], positions, base)
    return apply_rope(x, cos.to(x.dtype), sin.to(x.dtype))


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


CASES = (
    Case(
        (_randn(1, 1, 1, 4, seed=1), torch.tensor([0]), 10000.0),
        "position 0: the rotation angle is 0, so x comes back unchanged",
    ),
    Case(
        (_randn(1, 1, 3, 4, seed=2), torch.tensor([0, 1, 2]), 100.0),
        "positions 0, 1, 2; head size 4; base 100",
    ),
    Case(
        (_randn(2, 3, 2, 8, seed=3), torch.tensor([5, 6]), 10000.0),
        "a batch of 2, 3 heads, positions 5 and 6, head size 8",
    ),
)


def _rope(
    x, positions, base, *, exponent=2.0, sign=1.0, offset=0, interleaved=False
):
    d = x.shape[-1]
    freqs = base ** (-exponent * torch.arange(d // 2, dtype=torch.float64) / d)
    angles = (positions.double() + offset)[:, None] * freqs[None, :]
    cos, sin = angles.cos(), sign * angles.sin()
    if interleaved:
        x1, x2 = x[..., 0::2], x[..., 1::2]
        out = torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
        return out.flatten(-2)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


MISTAKES = (
    Mistake(
        lambda x, positions, base: _rope(x, positions, base, offset=1),
        "positions start at 0: the first token is not rotated at all.",
    ),
    Mistake(
        lambda x, positions, base: _rope(x, positions, base, sign=-1.0),
        "the rotation goes the wrong way: (x1, x2) -> (x1 cos - x2 sin, x1 sin + x2 cos).",
    ),
    Mistake(
        lambda x, positions, base: _rope(x, positions, base, exponent=1.0),
        "pair i turns at the frequency base^(-2i/d), not base^(-i/d).",
    ),
    Mistake(
        lambda x, positions, base: _rope(x, positions, base, interleaved=True),
        "this book (like transformers) pairs dimension i with i + d/2, not with i + 1;"
        " the adjacent-pair layout needs the weights' rows reordered.",
    ),
)


def check_rope(fn) -> CheckResult:
    """Check ``fn(x, positions, base)`` rotates each pair (i, i + d/2) of ``x`` by
    ``position · base^(-2i/d)``; ``x`` is ``(batch, heads, len(positions), d)``."""
    return run_check(
        "check_rope",
        fn,
        _reference,
        CASES,
        MISTAKES,
        signature="(x, positions, base)",
    )
