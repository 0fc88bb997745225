"""Self-check for chapter 7.3: SQuAD's token F1 (IoU is checked by checks.vision)."""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

from ..metrics import token_f1
from ..selfcheck import CheckResult, Mistake, on_strings, run_check, string_case

_A = np.array





F1_CASES = (
    string_case("an article that normalisation removes", "the Eiffel Tower", "Eiffel Tower"),
    string_case("a longer prediction: precision 1/3, recall 1", "in Paris, France", "Paris"),
    string_case("a shorter prediction: precision 1, recall 1/2", "Paris", "Paris, France"),
    string_case("nothing in common", "blue", "red"),
    string_case("repeated tokens count with multiplicity", "New York New York", "New York"),
    string_case("punctuation is removed before comparing", "1889.", "1889"),
)


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
    Mistake(lambda p, t: _f1_from(p.split(), t.split()),
            "normalise both answers first (lower case, drop punctuation and the articles a,"
            " an, the), as SQuAD's official script does."),
    Mistake(lambda p, t: _f1_from(list(set(_norm(p).split())), list(set(_norm(t).split()))),
            "count tokens with multiplicity (collections.Counter), not as sets."),
    Mistake(lambda p, t: sum((Counter(_norm(p).split()) & Counter(_norm(t).split())).values())
            / max(len(_norm(p).split()), 1),
            "that is precision alone; F1 is the harmonic mean 2PR/(P+R) of precision and"
            " recall."),
    Mistake(lambda p, t: float(_norm(p) == _norm(t)),
            "that is exact match; F1 gives partial credit for overlapping tokens."),
)


def check_token_f1(fn) -> CheckResult:
    """Check ``fn(prediction, truth)`` returns SQuAD's token F1 of two answer strings."""
    mistakes = tuple(Mistake(on_strings(m.impl), m.hint) for m in F1_MISTAKES)
    return run_check("check_token_f1", on_strings(fn), on_strings(token_f1), F1_CASES,
                     mistakes, signature="(prediction, truth)")
