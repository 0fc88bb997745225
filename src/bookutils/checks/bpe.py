"""Self-check for chapter 5.4: one merge step of byte-pair encoding."""

from __future__ import annotations

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..transformer.bpe import merge_pair

CASES = (
    Case(
        ([1, 2, 3], (4, 5), 256),
        "the pair does not occur: the ids come back unchanged",
    ),
    Case(([1, 2, 3, 1, 2], (1, 2), 256), "the pair (1, 2) occurs twice, apart"),
    Case(
        ([2, 1, 1, 2], (1, 2), 256),
        "the reversed pair (2, 1) occurs too, and must stay",
    ),
    Case(
        ([5, 5, 5], (5, 5), 300),
        "three equal ids and the pair (5, 5): occurrences overlap",
    ),
    Case(([5, 5, 5, 5, 7], (5, 5), 300), "four equal ids, then another"),
    Case(([9], (9, 9), 301), "a single id: no pair at all"),
)


def _merge(
    ids, pair, new_id, *, step=2, first_only=False, any_order=False, keep_last=True
):
    out, i, done = [], 0, False
    while i < len(ids) - (0 if keep_last else 1):
        here = (ids[i], ids[i + 1]) if i + 1 < len(ids) else None
        hit = here is not None and (
            here == pair or (any_order and here == pair[::-1])
        )
        if hit and not done:
            out.append(new_id)
            i += step
            done = first_only
        else:
            out.append(ids[i])
            i += 1
    return out


def _right_to_left(ids, pair, new_id):
    return _merge(ids[::-1], pair[::-1], new_id)[::-1]


MISTAKES = (
    Mistake(
        lambda ids, pair, new_id: _merge(ids, pair, new_id, keep_last=False),
        "the last id is lost: a loop over the pairs (i < len(ids) - 1) must still copy the"
        " final id when it is not part of a merge.",
    ),
    Mistake(
        lambda ids, pair, new_id: _merge(ids, pair, new_id, first_only=True),
        "only the first occurrence is merged: replace every occurrence of the pair.",
    ),
    Mistake(
        lambda ids, pair, new_id: _merge(ids, pair, new_id, any_order=True),
        "the pair is ordered: (a, b) is merged, but (b, a) is a different pair and stays.",
    ),
    Mistake(
        lambda ids, pair, new_id: _merge(ids, pair, new_id, step=1),
        "after a merge skip both ids (i += 2): the second one is used up and cannot start"
        " another occurrence.",
    ),
    Mistake(
        _right_to_left,
        "scan from left to right: in [5, 5, 5] the first two ids merge, giving [new, 5].",
    ),
)


def check_merge_pair(fn) -> CheckResult:
    """Check ``fn(ids, pair, new_id)`` replaces every ``pair`` in ``ids``, left to right."""
    return run_check(
        "check_merge_pair",
        fn,
        merge_pair,
        CASES,
        MISTAKES,
        signature="(ids, pair, new_id)",
    )
