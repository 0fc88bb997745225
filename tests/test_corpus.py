"""The offline corpus, the character tokenizer and the two labelled sets of chapter 5.3."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bookutils.data.corpus import (
    TOPIC_GROUPS,
    CharTokenizer,
    TopicSplit,
    make_sentiment_sentences,
    pydoc_topics,
    split_topics,
    topic_windows,
)


def test_pydoc_topics_is_the_stdlib_text():
    from pydoc_data.topics import topics

    got = pydoc_topics()
    assert list(got) == sorted(topics) and got["assert"] == topics["assert"]
    assert sum(map(len, got.values())) > 100_000
    assert set(TOPIC_GROUPS[0]) <= set(got) and set(TOPIC_GROUPS[1]) <= set(got)
    assert not set(TOPIC_GROUPS[0]) & set(TOPIC_GROUPS[1])


def test_split_topics_cuts_every_topic_in_two():
    split = split_topics(0.2)
    assert isinstance(split, TopicSplit)
    for name, text in pydoc_topics().items():
        assert split.pretrain[name] + split.held_out[name] == text
        assert abs(len(split.held_out[name]) - 0.2 * len(text)) <= 1
    assert split.pretrain_text().startswith(split.pretrain["assert"])
    assert split.held_out_text().endswith(split.held_out["yield"])
    for bad in (0, 1, 1.5, True, "0.1"):
        with pytest.raises(ValueError, match="fraction"):
            split_topics(bad)


def test_char_tokenizer_round_trip_and_errors():
    tok = CharTokenizer("hello world")
    assert tok.vocab_size == 8 and tok.chars == sorted(set("hello world"))
    ids = tok.encode("low")
    assert (
        tok.decode(ids)
        == "low"
        == tok.decode(torch.tensor(ids))
        == tok.decode(np.array(ids))
    )
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tok.encode("hex")
    with pytest.raises(TypeError, match="string"):
        tok.encode(3)
    with pytest.raises(ValueError, match="ids must lie"):
        tok.decode([0, 8])
    with pytest.raises(ValueError, match="non-empty"):
        CharTokenizer("")


def test_topic_windows_are_cut_from_their_group():
    texts = pydoc_topics()
    groups = TOPIC_GROUPS
    windows, labels = topic_windows(texts, groups, 20, 40, seed=3)
    assert len(windows) == 40 and np.bincount(labels).tolist() == [20, 20]
    for w, c in zip(windows, labels, strict=True):
        assert len(w) == 40 and w in "\n\n".join(texts[name] for name in groups[c])
    again = topic_windows(texts, groups, 20, 40, seed=3)
    assert again[0] == windows and np.array_equal(again[1], labels)
    with pytest.raises(ValueError, match="n_per_class"):
        topic_windows(texts, groups, 0, 40, seed=0)
    with pytest.raises(ValueError, match="length"):
        topic_windows(texts, groups, 5, -1, seed=0)
    with pytest.raises(ValueError, match="two groups"):
        topic_windows(texts, TOPIC_GROUPS[:1], 5, 40, seed=0)
    with pytest.raises(ValueError, match="unknown topics"):
        topic_windows(texts, (("nope",), TOPIC_GROUPS[1]), 5, 40, seed=0)
    with pytest.raises(ValueError, match="no more than"):
        topic_windows(texts, (("await",), TOPIC_GROUPS[1]), 5, 10_000, seed=0)


def test_sentiment_sentences_are_balanced_and_split_by_adjective():
    train, y_train = make_sentiment_sentences(40, seed=0)
    test, y_test = make_sentiment_sentences(20, seed=1, adjectives="test")
    assert np.bincount(y_train).tolist() == [20, 20] and np.bincount(
        y_test
    ).tolist() == [10, 10]
    last_word = {s.rstrip(".").split()[-1] for s in train}
    assert not last_word & {s.rstrip(".").split()[-1] for s in test}
    assert all(s[0].isupper() and s.endswith(".") for s in train + test)
    assert make_sentiment_sentences(40, seed=0)[0] == train
    for bad in (3, 0, 2.0):
        with pytest.raises(ValueError, match="even integer"):
            make_sentiment_sentences(bad, seed=0)
    with pytest.raises(ValueError, match="adjectives"):
        make_sentiment_sentences(4, seed=0, adjectives="all")
