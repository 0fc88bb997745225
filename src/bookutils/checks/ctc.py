"""Self-checks for chapter 6.3: collapsing a CTC path, the edit distance, and the CTC
forward table."""

from __future__ import annotations

import functools

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


# --------------------------------------------------------------------------- forward table


def _extended(target, blank: int) -> list[int]:
    """y' = (blank, y1, blank, y2, ..., yU, blank)."""
    y = [blank]
    for c in target:
        y += [int(c), blank]
    return y


def _forward_table(
    probs, target, blank, *, skip_rule, start, emit=True, blank0=False
):
    """The forward recursion with switches for the typical mistakes below."""
    p = np.asarray(probs)
    p = p if p.dtype.kind == "f" else p.astype(float)
    y = _extended(target, 0 if blank0 else blank)
    T, S = p.shape[0], len(y)
    alpha = np.zeros((T, S), dtype=p.dtype)
    for j in range(min(start, S)):
        alpha[0, j] = p[0, y[j]] if emit else 1.0
    for t in range(1, T):
        for j in range(S):
            total = alpha[t - 1, j] + (alpha[t - 1, j - 1] if j >= 1 else 0.0)
            if j >= 2 and skip_rule(y, j, 0 if blank0 else blank):
                total += alpha[t - 1, j - 2]
            alpha[t, j] = (p[t, y[j]] if emit else 1.0) * total
    return alpha


def _skip_allowed(y, j, blank):
    return y[j] != blank and y[j] != y[j - 2]


def ctc_alpha_reference(probs, target, blank):
    """The CTC forward table in probability space: ``alpha[t, j]`` is the text's
    :math:`\\xi_{t+1}(j+1)`, shape ``(T, 2U + 1)``, in the dtype of ``probs`` (float64
    for the check's cases)."""
    return _forward_table(probs, target, blank, skip_rule=_skip_allowed, start=2)


FORWARD_CASES = (
    Case(
        (np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.2, 0.3]]), [1], 0),
        "one character in three frames (y' = blank 1 blank)",
    ),
    Case(
        (
            np.array(
                [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.4, 0.2, 0.4], [0.3, 0.1, 0.6]]
            ),
            [1, 2],
            0,
        ),
        "two different characters: a path may skip the blank between them",
    ),
    Case(
        (
            np.array(
                [[0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.3, 0.6, 0.1], [0.4, 0.5, 0.1]]
            ),
            [1, 1],
            0,
        ),
        "a doubled character 1 1: the blank between them cannot be skipped",
    ),
    Case(
        (np.array([[0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1]]), [0, 1], 2),
        "the blank is 2, not 0",
    ),
    Case(
        (np.array([[0.6, 0.4], [0.3, 0.7], [0.9, 0.1]]), [], 0),
        "the empty transcript: y' is a single blank",
    ),
)


def _forward_generated() -> tuple[Case, ...]:
    """Random distributions (Dirichlet) over 3 to 5 symbols for 2 to 9 frames, targets of
    1 to 4 characters with and without repeats, the blank drawn among the symbols, and a
    target too long to fit (its last entries are 0)."""
    rng = make_rng(633)
    cases = [
        generated_case(
            (np.full((2, 3), 1 / 3), [1, 1], 0),
            "a doubled character in two frames: it cannot fit",
        )
    ]
    for T, C, U in [
        (2, 3, 1),
        (5, 3, 2),
        (6, 4, 3),
        (8, 5, 2),
        (9, 4, 4),
        (7, 3, 3),
    ]:
        blank = int(rng.integers(0, C))
        symbols = [c for c in range(C) if c != blank]
        target = [int(v) for v in rng.choice(symbols, U)]
        probs = rng.dirichlet(np.ones(C), size=T)
        cases.append(
            generated_case((probs, target, blank), "random frames and target")
        )
    return tuple(cases)


FORWARD_GENERATED = _forward_generated()

FORWARD_MISTAKES = (
    Mistake(
        functools.partial(_forward_table, skip_rule=lambda y, j, b: False, start=2),
        "a path may also come from y'_{j-2}, skipping the blank between two"
        " different characters; without that term the table misses those paths.",
    ),
    Mistake(
        functools.partial(_forward_table, skip_rule=lambda y, j, b: True, start=2),
        "the skip from y'_{j-2} is allowed only onto a character that differs from"
        " y'_{j-2}: never onto a blank, and not between two equal characters (1 1"
        " needs the blank in between).",
    ),
    Mistake(
        functools.partial(_forward_table, skip_rule=_skip_allowed, start=1),
        "at the first frame a path may start on the first blank OR on the first"
        " character: alpha[0, 1] = probs[0, y'_2], not 0.",
    ),
    Mistake(
        functools.partial(_forward_table, skip_rule=_skip_allowed, start=10**6),
        "at the first frame only the first blank and the first character can be"
        " reached: the rest of the first row is 0.",
    ),
    Mistake(
        functools.partial(
            _forward_table, skip_rule=_skip_allowed, start=2, emit=False
        ),
        "each entry is the sum of the allowed predecessors TIMES probs[t, y'_j],"
        " the probability of emitting y'_j at frame t.",
    ),
    Mistake(
        functools.partial(
            _forward_table, skip_rule=_skip_allowed, start=2, blank0=True
        ),
        "use the blank argument instead of assuming the blank is 0.",
    ),
)


def _table_not_list(fn):
    """``fn`` whose answer must be an array or a tensor: a list gets a clear message."""
    if not callable(fn):
        return fn

    @functools.wraps(fn)
    def table(*args):
        out = fn(*args)
        if isinstance(out, (list, tuple)):
            raise TypeError(
                f"the table must be a NumPy array of shape (T, 2U + 1), not a"
                f" {type(out).__name__}: wrap it in np.array(...)"
            )
        return out

    return table


def check_ctc_alpha(fn) -> CheckResult:
    """Check ``fn(probs, target, blank)`` returns the CTC forward table ``(T, 2U + 1)``."""
    return run_check(
        "check_ctc_alpha",
        _table_not_list(fn),
        ctc_alpha_reference,
        FORWARD_CASES + FORWARD_GENERATED,
        FORWARD_MISTAKES,
        signature="(probs, target, blank)",
    )
