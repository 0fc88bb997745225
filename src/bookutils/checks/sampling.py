"""Self-checks for chapter 5.5: top-p (nucleus) filtering and the KV-cache update."""

from __future__ import annotations

import numpy as np
import torch

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..transformer.sampling import kv_update, top_p_filter


def _top_p_reference(probs, p):
    return top_p_filter(torch.as_tensor(np.asarray(probs, dtype=float)), p).numpy()


TOP_P_CASES = (
    Case(
        (np.array([0.5, 0.3, 0.15, 0.05]), 0.9),
        "probabilities already sorted, p = 0.9: the mass reaches 0.9 at the third token",
    ),
    Case(
        (np.array([0.1, 0.6, 0.05, 0.25]), 0.7),
        "unsorted probabilities [0.1, 0.6, 0.05, 0.25], p = 0.7",
    ),
    Case(
        (np.array([0.2, 0.2, 0.4, 0.2]), 0.3),
        "p = 0.3 is below the largest probability 0.4: only that token is kept",
    ),
    Case((np.array([0.25, 0.25, 0.25, 0.25]), 1.0), "p = 1: every token is kept"),
)


def _top_p(probs, p, *, sort=True, include_crossing=True, renormalize=True):
    probs = np.asarray(probs, dtype=float)
    order = np.argsort(-probs, kind="stable") if sort else np.arange(len(probs))
    cum = np.cumsum(probs[order])
    keep_sorted = (cum - probs[order] < p) if include_crossing else (cum <= p)
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = keep_sorted
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum() if renormalize else kept


TOP_P_MISTAKES = (
    Mistake(
        lambda probs, p: _top_p(probs, p, renormalize=False),
        "the kept probabilities must be renormalized to sum to 1 (divide by their sum).",
    ),
    Mistake(
        lambda probs, p: _top_p(probs, p, include_crossing=False),
        "keep the token that makes the mass reach p too: keep a token when the mass"
        " *before* it is below p (cumsum - prob < p), not when cumsum <= p.",
    ),
    Mistake(
        lambda probs, p: _top_p(probs, p, sort=False),
        "sort the tokens by probability, largest first, before adding up the mass;"
        " the vocabulary order means nothing.",
    ),
    Mistake(
        lambda probs, p: (lambda kept: kept / kept.sum())(
            np.where(np.asarray(probs) >= p, probs, 0.0) + 0.0
        ),
        "p is a mass, not a probability threshold: keep the most likely tokens until their"
        " total reaches p.",
    ),
)


def check_top_p(fn) -> CheckResult:
    """Check ``fn(probs, p)`` keeps the smallest most-likely set of mass >= p, renormalized."""
    return run_check(
        "check_top_p",
        fn,
        _top_p_reference,
        TOP_P_CASES,
        TOP_P_MISTAKES,
        signature="(probs, p)",
    )


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


KV_CASES = (
    Case(
        (
            _randn(1, 2, 3, 4, seed=1),
            _randn(1, 2, 3, 4, seed=2),
            _randn(1, 2, 1, 4, seed=3),
            _randn(1, 2, 1, 4, seed=4),
        ),
        "3 cached positions, 1 new one; batch 1, 2 heads, head size 4",
    ),
    Case(
        (
            _randn(2, 3, 2, 2, seed=5),
            _randn(2, 3, 2, 2, seed=6),
            _randn(2, 3, 2, 2, seed=7),
            _randn(2, 3, 2, 2, seed=8),
        ),
        "2 cached positions, 2 new ones; batch 2, 3 heads, head size 2",
    ),
    Case(
        (
            _randn(1, 1, 0, 3, seed=9),
            _randn(1, 1, 0, 3, seed=10),
            _randn(1, 1, 4, 3, seed=11),
            _randn(1, 1, 4, 3, seed=12),
        ),
        "an empty cache and a prompt of 4 positions",
    ),
)

KV_MISTAKES = (
    Mistake(
        lambda ck, cv, k, v: (
            torch.cat([k, ck], dim=-2),
            torch.cat([v, cv], dim=-2),
        ),
        "the new positions come after the cached ones: torch.cat([cache_k, k_new]).",
    ),
    Mistake(
        lambda ck, cv, k, v: (k, v),
        "return the cached keys and values together with the new ones, not the new ones"
        " alone: attention needs every earlier position.",
    ),
    Mistake(
        lambda ck, cv, k, v: (ck, cv),
        "the new keys and values are missing: append them to the cache.",
    ),
    Mistake(
        lambda ck, cv, k, v: (
            torch.cat([ck, k], dim=-2),
            torch.cat([ck, v], dim=-2),
        ),
        "the values are joined to the cached keys: cache_v goes with v_new.",
    ),
)


def check_kv_update(fn) -> CheckResult:
    """Check ``fn(cache_k, cache_v, k_new, v_new)`` appends along the positions axis (-2)."""
    return run_check(
        "check_kv_update",
        fn,
        kv_update,
        KV_CASES,
        KV_MISTAKES,
        signature="(cache_k, cache_v, k_new, v_new)",
    )
