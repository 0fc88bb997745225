"""Self-checks for chapter 6.3: collapsing a CTC path, and the edit distance."""

from __future__ import annotations

import numpy as np

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
    string_case,
)
from ..tasks.ctc import ctc_collapse, edit_distance

COLLAPSE_CASES = (
    Case(([1, 1, 0, 2, 2, 2, 0], 0), "runs of one symbol, separated by blanks"),
    Case(([0, 3, 0, 0, 1, 0], 0), "blanks at both ends"),
    Case(
        ([1, 0, 1, 1, 2], 0),
        "a doubled letter: a blank between two runs of 1 keeps both",
    ),
    Case(([2, 2, 5, 5, 2], 5), "the blank need not be 0: here it is 5"),
    Case(([0, 0, 0], 0), "nothing but blanks gives the empty transcript"),
)


def _collapse_generated() -> tuple[Case, ...]:
    """A path of length 1 (a blank, a symbol), a path without blanks, the blank as the
    largest symbol (not 0), and random paths of 2 to 20 frames over 4 symbols with long
    runs and the blank chosen among them."""
    cases = [
        generated_case(([0], 0), "a single blank frame"),
        generated_case(([4], 0), "a single symbol"),
        generated_case(([3, 3, 1, 1, 2], 0), "no blanks at all"),
        generated_case(([9, 1, 9, 1, 1, 9], 9), "the blank is 9"),
    ]
    rng = make_rng(631)
    for n in (2, 5, 9, 14, 20):
        path = [
            int(v) for v in np.repeat(rng.integers(0, 4, n), rng.integers(1, 3, n))
        ][:n]
        cases.append(
            generated_case((path, int(rng.integers(0, 4))), "a random path")
        )
    return tuple(cases)


COLLAPSE_GENERATED = _collapse_generated()


def _drop_blanks_only(path, blank):
    return [s for s in path if s != blank]


def _merge_only(path, blank):
    return [s for i, s in enumerate(path) if i == 0 or s != path[i - 1]]


def _drop_then_merge(path, blank):
    kept = [s for s in path if s != blank]
    return [s for i, s in enumerate(kept) if i == 0 or s != kept[i - 1]]


def _blank_zero(path, blank):
    return ctc_collapse(path, 0)


COLLAPSE_MISTAKES = (
    Mistake(
        _drop_blanks_only,
        "repeated symbols must be merged first: a run like 1 1 1 is"
        " one character, not three.",
    ),
    Mistake(
        _merge_only,
        "after merging runs, the blanks must be removed from the transcript.",
    ),
    Mistake(
        _drop_then_merge,
        "merge runs BEFORE removing blanks: the blank in 1 0 1 separates"
        " two 1s that both belong to the transcript (that is how CTC spells 'll').",
    ),
    Mistake(
        _blank_zero, "use the blank argument instead of assuming the blank is 0."
    ),
)


DISTANCE_CASES = (
    string_case("identical strings", "cat", "cat"),
    string_case("one substitution", "cat", "cut"),
    string_case("one deletion at the end", "mana", "man"),
    string_case("one insertion at the front", "sun", "esun"),
    string_case("an empty reference", "", "mom"),
    string_case("two substitutions and an insertion", "kitten", "sitting"),
    string_case("a mix of edits", "nose", "snow"),
)


def _distance_generated() -> tuple[Case, ...]:
    """Transpositions (ab -> ba costs 2, not 1), upper vs lower case (different symbols),
    both strings empty, repeated letters, and random strings of 0 to 8 letters over a
    three-letter alphabet (many repeats and partial matches)."""
    cases = [
        generated_case(("ab", "ba"), "two letters swapped (a transposition)"),
        generated_case(("form", "from"), "a transposition inside a word"),
        generated_case(("Cat", "cat"), "upper and lower case differ"),
        generated_case(("", ""), "two empty strings"),
        generated_case(("aaa", "aa"), "repeated letters"),
    ]
    rng = make_rng(632)
    for n, m in [(0, 3), (4, 1), (5, 5), (8, 6), (3, 7)]:
        cases.append(
            generated_case(
                (
                    "".join(rng.choice(list("abc"), n)),
                    "".join(rng.choice(list("abc"), m)),
                ),
                "random strings",
            )
        )
    return tuple(cases)


DISTANCE_GENERATED = _distance_generated()


def _indel_only(ref, hyp):
    """Insertions and deletions only: a substitution costs 2."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(
                min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if r == h else 2))
            )
        prev = cur
    return prev[-1]


def _positionwise(ref, hyp):
    return sum(a != b for a, b in zip(ref, hyp)) + abs(len(ref) - len(hyp))  # noqa: B905


def _zero_borders(ref, hyp):
    prev = [0] * (len(hyp) + 1)
    for r in ref:
        cur = [0]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]


DISTANCE_MISTAKES = (
    Mistake(
        _positionwise,
        "comparing position by position misses insertions and deletions:"
        " 'sun' -> 'esun' is one insertion. Use dynamic programming over prefixes.",
    ),
    Mistake(
        _indel_only,
        "a substitution is one edit; here it cost two (a deletion plus an"
        " insertion). Use prev[j-1] + (r != h) for the diagonal step.",
    ),
    Mistake(
        _zero_borders,
        "the first row and column must be 0, 1, 2, ...: turning a prefix"
        " of length i into the empty string takes i deletions.",
    ),
)


def check_ctc_collapse(fn) -> CheckResult:
    """Check ``fn(path, blank)`` turns a frame-by-frame CTC path into its transcript."""
    return run_check(
        "check_ctc_collapse",
        fn,
        ctc_collapse,
        COLLAPSE_CASES + COLLAPSE_GENERATED,
        COLLAPSE_MISTAKES,
        signature="(path, blank)",
        types=True,
    )


def check_edit_distance(fn) -> CheckResult:
    """Check ``fn(ref, hyp)`` returns the Levenshtein distance between two strings."""
    return run_check(
        "check_edit_distance",
        fn,
        edit_distance,
        DISTANCE_CASES + DISTANCE_GENERATED,
        DISTANCE_MISTAKES,
        signature="(ref, hyp)",
        types=True,
    )
