"""Self-check for chapter 7.3: SQuAD's token F1 (IoU is checked by checks.vision)."""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

from ..metrics import token_f1
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
    string_case,
)

_A = np.array


F1_CASES = (
    string_case(
        "an article that normalisation removes", "the Eiffel Tower", "Eiffel Tower"
    ),
    string_case(
        "a longer prediction: precision 1/3, recall 1", "in Paris, France", "Paris"
    ),
    string_case(
        "a shorter prediction: precision 1, recall 1/2", "Paris", "Paris, France"
    ),
    string_case("nothing in common", "blue", "red"),
    string_case(
        "repeated tokens count with multiplicity", "New York New York", "New York"
    ),
    string_case("punctuation is removed before comparing", "1889.", "1889"),
)


_WORDS = (
    "the",
    "a",
    "Paris",
    "paris",
    "tower",
    "Tower",
    "1889",
    "new",
    "York",
    "an",
    "of",
)


def _generated() -> tuple[Case, ...]:
    """Upper and lower case of one word on the two sides, punctuation inside and around
    words (commas, full stops, hyphens, apostrophes), articles only, an empty prediction,
    repeats on both sides (a set instead of a multiset shows), word order swapped, and
    random answers of 1 to 6 words with punctuation."""
    cases = [
        generated_case(("PARIS Tower", "paris tower"), "upper and lower case"),
        generated_case(
            ("Eiffel-Tower's", "eiffel towers"), "punctuation inside words"
        ),
        generated_case(
            ("New York, New York!", "new york york"),
            "repeats on both sides, punctuation",
        ),
        generated_case(("the a an", "Paris"), "only articles in the prediction"),
        generated_case(("", "Paris"), "an empty prediction"),
        generated_case(
            ("tower eiffel", "Eiffel Tower"), "the words in another order"
        ),
    ]
    rng = make_rng(73)
    for n, m in [(1, 2), (3, 3), (4, 2), (6, 5), (2, 6)]:

        def answer(k):
            words = [_WORDS[i] for i in rng.integers(0, len(_WORDS), k)]
            return (
                " ".join(w + ("," if rng.random() < 0.2 else "") for w in words)
                + "."
            )

        cases.append(generated_case((answer(n), answer(m)), "random answers"))
    return tuple(cases)


F1_GENERATED = _generated()


def _norm(text):
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _f1_from(pred, gold):
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(gold)
    return 2 * p * r / (p + r)


F1_MISTAKES = (
    Mistake(
        lambda p, t: _f1_from(p.split(), t.split()),
        "normalise both answers first (lower case, drop punctuation and the articles a,"
        " an, the), as SQuAD's official script does.",
    ),
    Mistake(
        lambda p, t: _f1_from(
            list(set(_norm(p).split())), list(set(_norm(t).split()))
        ),
        "count tokens with multiplicity (collections.Counter), not as sets.",
    ),
    Mistake(
        lambda p, t: sum(
            (Counter(_norm(p).split()) & Counter(_norm(t).split())).values()
        )
        / max(len(_norm(p).split()), 1),
        "that is precision alone; F1 is the harmonic mean 2PR/(P+R) of precision and"
        " recall.",
    ),
    Mistake(
        lambda p, t: float(_norm(p) == _norm(t)),
        "that is exact match; F1 gives partial credit for overlapping tokens.",
    ),
)


def check_token_f1(fn) -> CheckResult:
    """Check ``fn(prediction, truth)`` returns SQuAD's token F1 of two answer strings."""
    return run_check(
        "check_token_f1",
        fn,
        token_f1,
        F1_CASES + F1_GENERATED,
        F1_MISTAKES,
        signature="(prediction, truth)",
    )
