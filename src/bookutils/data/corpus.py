"""Offline text for chapter 5.3: a corpus every Python ships, a character tokenizer, a
labelled topic set cut from the same corpus, and templated sentiment sentences.

The corpus is ``pydoc_data.topics``: the language reference's help topics in plain English,
installed with every CPython. Each topic's text is split once into a *pre-training* part
(the first ``1 - held_out`` of it) and a *held-out* part (the rest), so that a model can be
pre-trained on one and tested on text it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "TOPIC_GROUPS",
    "CharTokenizer",
    "TopicSplit",
    "make_sentiment_sentences",
    "pydoc_topics",
    "split_topics",
    "topic_windows",
]


def pydoc_topics() -> dict[str, str]:
    """The help topics of ``pydoc_data.topics`` as a ``{name: text}`` dict, sorted by name."""
    from pydoc_data.topics import topics

    return {name: topics[name] for name in sorted(topics)}


@dataclass(frozen=True)
class TopicSplit:
    """Each topic's text cut in two: ``pretrain[name]`` and ``held_out[name]``."""

    pretrain: dict[str, str]
    held_out: dict[str, str]

    def pretrain_text(self) -> str:
        """All pre-training parts joined, in topic order, separated by blank lines."""
        return "\n\n".join(self.pretrain.values())

    def held_out_text(self) -> str:
        """All held-out parts joined, in topic order, separated by blank lines."""
        return "\n\n".join(self.held_out.values())


def split_topics(held_out: float = 0.15) -> TopicSplit:
    """Split every topic: the first ``1 - held_out`` of its characters for pre-training,
    the last ``held_out`` kept back for validation and testing."""
    if (
        isinstance(held_out, bool)
        or not isinstance(held_out, (int, float))
        or not 0 < held_out < 1
    ):
        raise ValueError(
            f"held_out must be a fraction strictly between 0 and 1, got"
            f" {held_out!r}"
        )
    pre, post = {}, {}
    for name, text in pydoc_topics().items():
        cut = int(round(len(text) * (1 - held_out)))
        pre[name], post[name] = text[:cut], text[cut:]
    return TopicSplit(pre, post)


class CharTokenizer:
    """Characters to integer ids and back; the vocabulary is the set of characters seen."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise ValueError(
                "CharTokenizer needs a non-empty string to build its vocabulary"
            )
        self.chars: list[str] = sorted(set(text))
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        """The number of distinct characters."""
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """The ids of the characters of ``text``; unknown characters raise ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"encode expects a string, got {type(text).__name__}")
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown[:10]!r}")
        return [self.index[c] for c in text]

    def decode(self, ids) -> str:
        """The text for a sequence of ids (a list, array or 1-D tensor of integers)."""
        ids = [int(i) for i in (ids.tolist() if hasattr(ids, "tolist") else ids)]
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise ValueError(
                f"ids must lie in [0, {self.vocab_size}), got {bad[:10]}"
            )
        return "".join(self.chars[i] for i in ids)


# Two groups of help topics for the classification task. Every name is a key of
# pydoc_data.topics; class 0 is about text and sequence types, class 1 about running code.
TOPIC_GROUPS = (
    ("string-methods", "formatstrings", "strings", "typesseq"),
    ("debugger", "execmodel", "import", "naming"),
)


def topic_windows(
    texts: dict[str, str],
    groups: tuple[tuple[str, ...], ...],
    n_per_class: int,
    length: int,
    seed: int,
) -> tuple[list[str], np.ndarray]:
    """``n_per_class`` windows of ``length`` characters for each group of topics.

    Class ``c``'s windows are cut at random places from the texts of the topics in
    ``groups[c]``, joined by blank lines. Returns the windows and their labels, in class
    order, reproducibly for a given ``seed``.
    """
    if (
        isinstance(n_per_class, bool)
        or not isinstance(n_per_class, int)
        or n_per_class <= 0
    ):
        raise ValueError(
            f"n_per_class must be a positive integer, got {n_per_class!r}"
        )
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        raise ValueError(f"length must be a positive integer, got {length!r}")
    if len(groups) < 2:
        raise ValueError(f"need at least two groups of topics, got {len(groups)}")
    rng = np.random.default_rng(seed)
    windows, labels = [], []
    for label, group in enumerate(groups):
        missing = [name for name in group if name not in texts]
        if missing:
            raise ValueError(f"unknown topics in group {label}: {missing}")
        text = "\n\n".join(texts[name] for name in group)
        if len(text) <= length:
            raise ValueError(f"group {label} has no more than {length} characters")
        for _ in range(n_per_class):
            start = int(rng.integers(0, len(text) - length))
            windows.append(text[start : start + length])
            labels.append(label)
    return windows, np.array(labels)


_SUBJECTS = (
    "the film",
    "this book",
    "the concert",
    "our hotel",
    "the meal",
    "the new phone",
    "the lecture",
    "this game",
    "the service",
    "the trip",
)
_POSITIVE = (
    "wonderful",
    "excellent",
    "delightful",
    "superb",
    "lovely",
    "fantastic",
    "brilliant",
    "pleasant",
    "great",
    "marvellous",
    "enjoyable",
    "charming",
)
_NEGATIVE = (
    "awful",
    "terrible",
    "dreadful",
    "horrible",
    "boring",
    "disappointing",
    "poor",
    "miserable",
    "lousy",
    "unpleasant",
    "annoying",
    "dismal",
)
_TEMPLATES = (
    "{s} was {a}.",
    "I thought {s} was {a}.",
    "honestly, {s} felt {a}.",
    "everyone agreed that {s} was {a}.",
    "{s} turned out {a}.",
)


def make_sentiment_sentences(
    n: int, seed: int, *, adjectives: str = "train"
) -> tuple[list[str], np.ndarray]:
    """``n`` short templated reviews, half positive (label 1) and half negative (label 0).

    ``adjectives="train"`` draws from the first eight adjectives of each polarity,
    ``"test"`` from the last four, which never occur in the training sentences: a model
    can only get those right from what it knew about the words beforehand.
    """
    if not isinstance(n, int) or n < 2 or n % 2:
        raise ValueError(f"n must be an even integer >= 2, got {n!r}")
    if adjectives not in ("train", "test"):
        raise ValueError(
            f"adjectives must be 'train' or 'test', got {adjectives!r}"
        )
    part = slice(0, 8) if adjectives == "train" else slice(8, 12)
    rng = np.random.default_rng(seed)
    sentences, labels = [], []
    for label, words in ((1, _POSITIVE[part]), (0, _NEGATIVE[part])):
        for _ in range(n // 2):
            template = _TEMPLATES[rng.integers(len(_TEMPLATES))]
            text = template.format(
                s=_SUBJECTS[rng.integers(len(_SUBJECTS))],
                a=words[rng.integers(len(words))],
            )
            sentences.append(text[0].upper() + text[1:])
            labels.append(label)
    order = rng.permutation(n)
    return [sentences[i] for i in order], np.array(labels)[order]
