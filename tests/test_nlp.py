"""Tests for bookutils.tasks.nlp (chapter 6.1): tokens, vocabularies, BIO spans, entity scores,
and the generated corpora; plus the self-check's wiring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from lesson_code import assert_notebook_shows

from bookutils.checks.nlp import check_entity_f1
from bookutils.tasks import nlp
from bookutils.tasks.nlp import (
    ENTITY_TYPES,
    MONTHS,
    TOPIC_WORDS,
    TOPICS,
    Vocab,
    bio_spans,
    entity_scores,
    make_date_pairs,
    make_ner_corpus,
    make_topic_corpus,
    number_words,
    tokenize,
)


def test_tokenize():
    assert tokenize("Hello, World! It's 2024.") == [
        "hello",
        ",",
        "world",
        "!",
        "it's",
        "2024",
        ".",
    ]
    with pytest.raises(TypeError, match="must be a str"):
        tokenize(["a"])


def test_vocab_round_trip_and_unknowns():
    v = Vocab([["b", "a", "b"], ["c"]])
    assert v.itos == ["<pad>", "<unk>", "b", "a", "c"]  # by frequency, then a-z
    assert len(v) == 5 and v.pad_id == 0 and v.unk_id == 1
    assert v.encode(["a", "zzz"]) == [3, 1]
    assert v.decode([2, 4]) == ["b", "c"]
    assert Vocab([["x", "x", "y"]], min_freq=2).itos == ["<pad>", "<unk>", "x"]


def test_vocab_bad_input():
    with pytest.raises(ValueError, match="min_freq"):
        Vocab([["a"]], min_freq=0)
    with pytest.raises(ValueError, match="<unk>"):
        Vocab([["a"]], specials=("<pad>",))
    with pytest.raises(TypeError, match="lists of tokens"):
        Vocab(["abc"])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        Vocab([["a"]]).decode([7])


def test_bio_spans():
    assert bio_spans(["B-PER", "I-PER", "O", "B-LOC"]) == {
        ("PER", 0, 2),
        ("LOC", 3, 4),
    }
    assert bio_spans(["B-LOC", "B-LOC"]) == {("LOC", 0, 1), ("LOC", 1, 2)}
    assert bio_spans(["I-ORG", "I-ORG", "I-PER"]) == {("ORG", 0, 2), ("PER", 2, 3)}
    assert bio_spans(["B-PER", "I-LOC"]) == {("PER", 0, 1), ("LOC", 1, 2)}
    assert bio_spans([]) == set()
    for bad in (["X-PER"], ["B-"], ["b-PER"]):
        with pytest.raises(ValueError, match="BIO tag"):
            bio_spans(bad)


def test_entity_scores_hand_cases():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-PER"]]
    guess = [["B-PER", "O", "O", "B-LOC"], ["B-ORG", "O", "B-LOC"]]
    assert entity_scores(gold, guess) == (0.5, 0.5, 0.5)
    assert entity_scores(gold, gold) == (1.0, 1.0, 1.0)
    assert entity_scores(gold, [["O"] * 4, ["O"] * 3]) == (0.0, 0.0, 0.0)
    p, r, f = entity_scores(
        [["B-PER", "O", "B-LOC", "B-ORG"]], [["B-PER", "O", "O", "O"]]
    )
    assert (p, r) == (1.0, 1 / 3) and f == pytest.approx(0.5)


def test_entity_scores_bad_input():
    with pytest.raises(ValueError, match="true sentences"):
        entity_scores([["O"]], [])
    with pytest.raises(ValueError, match="true tags"):
        entity_scores([["O", "O"]], [["O"]])


def test_topic_corpus():
    s1, y1 = make_topic_corpus(50, seed=0)
    s2, y2 = make_topic_corpus(50, seed=0)
    assert s1 == s2 and np.array_equal(y1, y2) and y1.dtype == np.int64
    assert set(np.unique(y1)) <= set(range(len(TOPICS)))
    clean, labels = make_topic_corpus(40, seed=1, noise=0.0)
    for sentence, y in zip(clean, labels, strict=True):
        words = set(tokenize(sentence))
        assert words & set(TOPIC_WORDS[TOPICS[y]])  # its own topic is there
        others = set().union(*(TOPIC_WORDS[t] for t in TOPICS if t != TOPICS[y]))
        assert not (
            words & others - {"team", "data", "market", "energy", "kitchen"}
        )
    with pytest.raises(ValueError, match="noise"):
        make_topic_corpus(5, noise=2.0)
    with pytest.raises(ValueError, match="positive int"):
        make_topic_corpus(0)


def test_ner_corpus():
    corpus = make_ner_corpus(100, seed=0)
    assert corpus == make_ner_corpus(100, seed=0)
    for tokens, tags in corpus:
        assert len(tokens) == len(tags)
        for kind, start, _end in bio_spans(tags):
            assert kind in ENTITY_TYPES and tags[start] == f"B-{kind}"
    with pytest.raises(ValueError, match="positive int"):
        make_ner_corpus(-1)


def test_number_words():
    assert [number_words(k) for k in (0, 7, 13, 20, 42, 99)] == [
        "zero",
        "seven",
        "thirteen",
        "twenty",
        "forty-two",
        "ninety-nine",
    ]
    assert [
        number_words(k, ordinal=True) for k in (1, 2, 3, 5, 12, 20, 21, 28)
    ] == [
        "first",
        "second",
        "third",
        "fifth",
        "twelfth",
        "twentieth",
        "twenty-first",
        "twenty-eighth",
    ]
    for bad in (-1, 100, 2.0, True):
        with pytest.raises(ValueError, match="0 to 99"):
            number_words(bad)


def test_date_pairs_are_valid_dates():
    import datetime

    pairs = make_date_pairs(300, seed=0)
    assert pairs == make_date_pairs(300, seed=0)
    for src, iso in pairs:
        date = datetime.date.fromisoformat(iso)
        assert 1950 <= date.year <= 2049
        assert MONTHS[date.month - 1][:3] in src
    assert any(src.startswith("the ") for src, _ in pairs)
    assert make_date_pairs(1, seed=3, first_year=1905, last_year=1905)[0][
        1
    ].startswith("1905")
    with pytest.raises(ValueError, match="first_year"):
        make_date_pairs(3, first_year=2050, last_year=2000)


def test_bag_of_embeddings_matches_counts_in_torch():
    """A micrograd-style cross-check: EmbeddingBag(mean) = counts @ E / n."""
    sentences, _ = make_topic_corpus(5, seed=2)
    vocab = Vocab([tokenize(s) for s in sentences])
    torch.manual_seed(0)
    bag = torch.nn.EmbeddingBag(len(vocab), 4, mode="mean")
    for s in sentences:
        ids = torch.tensor(vocab.encode(tokenize(s)))
        counts = torch.bincount(ids, minlength=len(vocab)).float()
        expected = counts @ bag.weight / counts.sum()
        assert torch.allclose(bag(ids[None])[0], expected, atol=1e-6)


def test_check_entity_f1_wiring(capsys):
    assert check_entity_f1(entity_scores)
    assert not check_entity_f1(lambda t, p: (1.0, 1.0, 1.0))
    assert "wrong answer" in capsys.readouterr().out


LESSON_NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "06_applications" / "6_1_nlp.ipynb"
)


def test_chapter_6_1_shows_the_lesson_code():
    assert_notebook_shows(
        LESSON_NOTEBOOK, nlp, {"tokenize", "bio_spans", "entity_scores"}
    )
