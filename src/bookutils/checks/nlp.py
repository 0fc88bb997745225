"""Self-check for chapter 6.1: entity-level precision, recall and F1 from BIO tags."""

from __future__ import annotations

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)
from ..tasks.nlp import bio_spans, entity_scores


def _prf(
    found: int, n_true: int, n_pred: int, mean: str = "harmonic"
) -> tuple[float, float, float]:
    p = found / n_pred if n_pred else 0.0
    r = found / n_true if n_true else 0.0
    if mean == "arithmetic":
        return p, r, (p + r) / 2
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _token_level(true_tags, pred_tags):
    pairs = [
        (t, p)
        for ts, ps in zip(true_tags, pred_tags, strict=True)
        for t, p in zip(ts, ps, strict=True)
    ]
    found = sum(t == p != "O" for t, p in pairs)
    return _prf(
        found, sum(t != "O" for t, _ in pairs), sum(p != "O" for _, p in pairs)
    )


def _spans_without_type(tags):
    return {(s, e) for _, s, e in bio_spans(tags)}


def _strict_spans(tags):  # an entity may only start at a B- tag
    return {(k, s, e) for k, s, e in bio_spans(tags) if tags[s].startswith("B-")}


def _by_spans(spans, *, overlap=False, mean="harmonic", swap=False):
    def score(true_tags, pred_tags):
        found = n_true = n_pred = 0
        for ts, ps in zip(true_tags, pred_tags, strict=True):
            t, p = spans(ts), spans(ps)
            if overlap:
                found += sum(
                    any(a[0] == b[0] and a[1] < b[2] and b[1] < a[2] for b in p)
                    for a in t
                )
            else:
                found += len(t & p)
            n_true, n_pred = n_true + len(t), n_pred + len(p)
        if swap:
            n_true, n_pred = n_pred, n_true
        return _prf(found, n_true, n_pred, mean)

    return score


CASES = (
    Case(
        (
            [["B-PER", "I-PER", "O"], ["O", "B-LOC"]],
            [["B-PER", "I-PER", "O"], ["O", "B-LOC"]],
        ),
        "a perfect prediction (precision, recall and F1 all 1)",
    ),
    Case(
        ([["B-PER", "I-PER", "O", "B-LOC"]], [["B-LOC", "I-LOC", "O", "B-LOC"]]),
        "one entity found with the wrong type",
    ),
    Case(
        (
            [["B-ORG", "I-ORG", "I-ORG", "O"], ["B-PER", "O"]],
            [["B-ORG", "I-ORG", "O", "O"], ["B-PER", "O"]],
        ),
        "one entity cut one token short",
    ),
    Case(
        ([["B-PER", "O", "B-LOC", "O", "B-ORG"]], [["B-PER", "O", "O", "O", "O"]]),
        "one of three entities found (precision 1, recall 1/3)",
    ),
    Case(
        ([["I-LOC", "I-LOC", "O"]], [["B-LOC", "I-LOC", "O"]]),
        "a true entity that starts with I- (it still counts as an entity)",
    ),
    Case(
        ([["B-PER"], ["O"]], [["O"], ["O"]]),
        "no entity predicted at all (scores 0)",
    ),
)

_TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")


def _generated() -> tuple[Case, ...]:
    """Two entities of one type side by side (B-PER B-PER, and B-PER I-PER B-PER), an I-
    tag of another type right after an entity (B-PER I-LOC: two entities), an entity at
    the very end of a sentence, sentences with no entities on one side, and random tag
    sequences of 1 to 8 tokens over PER and LOC, predicted as the truth with about one tag
    in three changed."""
    cases = [
        generated_case(
            ([["B-PER", "B-PER", "O"]], [["B-PER", "I-PER", "O"]]),
            "two adjacent PER entities, predicted as one",
        ),
        generated_case(
            ([["B-PER", "I-PER", "B-PER"]], [["B-PER", "I-PER", "B-PER"]]),
            "adjacent entities of one type, predicted right",
        ),
        generated_case(
            ([["B-PER", "I-LOC", "O"]], [["B-PER", "O", "O"]]),
            "an I-LOC right after a PER starts a LOC entity",
        ),
        generated_case(
            ([["O", "B-LOC"], ["O"]], [["O", "O"], ["B-PER"]]),
            "an entity at the end of a sentence, a wrong one in another",
        ),
    ]
    rng = make_rng(61)
    for n_sent in (1, 2, 3, 2, 1):
        true, pred = [], []
        for _ in range(n_sent):
            tags = [
                _TAGS[i] for i in rng.integers(0, len(_TAGS), rng.integers(1, 9))
            ]
            true.append(tags)
            pred.append(
                [
                    _TAGS[rng.integers(0, len(_TAGS))] if rng.random() < 0.35 else t
                    for t in tags
                ]
            )
        cases.append(
            generated_case((true, pred), "random tags (true_tags, pred_tags)")
        )
    return tuple(cases)


GENERATED = _generated()

MISTAKES = (
    Mistake(
        _token_level,
        "these are token-level scores: count whole entities (type, start and end"
        " matching), not tokens with the right tag.",
    ),
    Mistake(
        _by_spans(_spans_without_type),
        "the entity type is ignored: a PER predicted as LOC is not a match.",
    ),
    Mistake(
        _by_spans(bio_spans, overlap=True),
        "a partial overlap is not a match: the first and the last token must both agree.",
    ),
    Mistake(
        _by_spans(bio_spans, mean="arithmetic"),
        "F1 is the harmonic mean 2PR/(P + R), not the arithmetic mean (P + R)/2.",
    ),
    Mistake(
        _by_spans(bio_spans, swap=True),
        "precision and recall are swapped: precision divides by the number of predicted"
        " entities, recall by the number of true ones.",
    ),
    Mistake(
        _by_spans(_strict_spans),
        "an I-X tag that does not continue an entity of type X starts a new entity;"
        " entities do not only start at B- tags.",
    ),
)


def check_entity_f1(fn) -> CheckResult:
    """Check ``fn(true_tags, pred_tags)`` returns entity-level ``(precision, recall, f1)``.

    Both arguments are lists of sentences, each a list of BIO tags such as ``"B-PER"``.
    """
    return run_check(
        "check_entity_f1",
        fn,
        entity_scores,
        CASES + GENERATED,
        MISTAKES,
        signature="(true_tags, pred_tags)",
    )
