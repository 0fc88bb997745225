"""Natural language processing pieces for chapter 6.1: tokens, vocabularies, BIO tags,
entity-level scores, and three small generated corpora (topics, entities, dates).

The corpora are generated from word lists with a seeded ``numpy`` generator, so every run
gives the same sentences and no download is needed.

``tokenize``, ``bio_spans`` and ``entity_scores`` are shown in notebook 6.1 as code cells; a
test keeps those cells identical to this file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .._validate import positive_int

__all__ = [
    "ENTITY_TYPES",
    "MONTHS",
    "TOPICS",
    "TOPIC_WORDS",
    "Vocab",
    "bio_spans",
    "entity_scores",
    "make_date_pairs",
    "make_ner_corpus",
    "make_topic_corpus",
    "number_words",
    "tokenize",
]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words, numbers and single punctuation marks."""
    text = _check_text(text)
    # a word or number (with an optional 's, 't, ...), or any single other non-space
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]", text.lower())


class Vocab:
    """A two-way map between tokens and integer ids.

    Ids 0, 1, ... go to ``specials`` first (by default ``<pad>`` and ``<unk>``), then to
    the tokens seen at least ``min_freq`` times, most frequent first (ties alphabetical).
    Unknown tokens encode to the ``<unk>`` id.
    """

    def __init__(
        self,
        token_lists: Iterable[Sequence[str]],
        *,
        min_freq: int = 1,
        specials: Sequence[str] = ("<pad>", "<unk>"),
    ) -> None:
        if not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq must be a positive int, got {min_freq!r}")
        if "<unk>" not in specials:
            raise ValueError("specials must contain '<unk>'")
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            if isinstance(tokens, str):
                raise TypeError(
                    "token_lists must hold lists of tokens, not strings"
                )
            counts.update(tokens)
        kept = sorted(
            (t for t, c in counts.items() if c >= min_freq and t not in specials),
            key=lambda t: (-counts[t], t),
        )
        self.itos: list[str] = [*specials, *kept]
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}
        self.unk_id = self.stoi["<unk>"]
        self.pad_id = self.stoi.get("<pad>", -1)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """The ids of ``tokens``; unknown tokens become the ``<unk>`` id."""
        return [self.stoi.get(t, self.unk_id) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ``ids``; raises ValueError on an id outside the vocabulary."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(
                    f"id {i} is outside the vocabulary of size {len(self.itos)}"
                )
            out.append(self.itos[i])
        return out


# --------------------------------------------------------------------------- BIO tags


def _split_tag(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    if not isinstance(tag, str) or len(tag) < 3 or tag[:2] not in ("B-", "I-"):
        raise ValueError(f"a BIO tag is 'O', 'B-TYPE' or 'I-TYPE', got {tag!r}")
    return tag[0], tag[2:]


def bio_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """The entities of one BIO-tagged sentence as ``(type, start, end)``, ``end`` exclusive.

    An entity starts at ``B-X``, or at an ``I-X`` that does not continue an entity of type
    ``X`` (the lenient reading of the CoNLL scorer), and runs over the ``I-X`` after it.
    """
    spans: set[tuple[str, int, int]] = set()
    kind, start = None, 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, typ = _split_tag(tag)
        continues = prefix == "I" and typ == kind
        if kind is not None and not continues:
            spans.add((kind, start, i))
            kind = None
        if prefix == "B" or (prefix == "I" and not continues):
            kind, start = typ, i
    return spans


def _check_tagged(
    true_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]
) -> None:
    if len(true_tags) != len(pred_tags):
        raise ValueError(
            f"{len(true_tags)} true sentences but {len(pred_tags)} predicted"
        )
    for t, p in zip(true_tags, pred_tags, strict=True):
        if len(t) != len(p):
            raise ValueError(
                f"a sentence has {len(t)} true tags but {len(p)} predicted"
            )


def entity_scores(
    true_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]
) -> tuple[float, float, float]:
    """Entity-level ``(precision, recall, f1)`` over a list of tagged sentences.

    An entity counts as found only if its type, first and last token all match. A score
    whose denominator is zero (no predicted or no true entities) is 0.
    """
    _check_tagged(true_tags, pred_tags)
    found = n_true = n_pred = 0
    for t, p in zip(true_tags, pred_tags, strict=True):
        true_spans, pred_spans = bio_spans(t), bio_spans(p)
        found += len(true_spans & pred_spans)  # same type, first and last token
        n_true += len(true_spans)
        n_pred += len(pred_spans)
    precision = found / n_pred if n_pred else 0.0
    recall = found / n_true if n_true else 0.0
    f1 = (
        2 * precision * recall / (precision + recall) if precision + recall else 0.0
    )
    return precision, recall, f1


# --------------------------------------------------------------------------- corpora


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed)


def _check_n(n: object) -> int:
    return positive_int("n", n)


#: The four topics of :func:`make_topic_corpus`.
TOPICS = ("sport", "science", "cooking", "finance")
TOPIC_WORDS = {
    "sport": "match goal team coach season league striker referee stadium score fans "
    "tournament keeper penalty".split(),
    "science": "experiment theory cell molecule physics lab data hypothesis telescope "
    "protein energy particle researchers measurement".split(),
    "cooking": "recipe oven flour sauce garlic butter dish chef onion bake soup salt "
    "dough kitchen".split(),
    "finance": "market stock bank price investors shares interest inflation profit loan "
    "budget trading bond economy".split(),
}
_SHARED = (
    "new report results record growth plan week study big first strong team data "
    "market energy kitchen"
).split()
_FILLER = (
    "the a this that and of in on for with after before was is were has "
    "today again very"
).split()


def make_topic_corpus(
    n: int, *, seed: int | None = None, noise: float = 0.5
) -> tuple[list[str], np.ndarray]:
    """``n`` short generated sentences and their topic ids (indices into :data:`TOPICS`).

    Each sentence mixes 1-3 words of its topic with filler words, words shared by all
    topics and, with probability ``noise`` per sentence, 1-2 words of another topic, so
    a few sentences are genuinely ambiguous.
    """
    n = _check_n(n)
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise!r}")
    rng = _rng(seed)
    labels = rng.integers(len(TOPICS), size=n)
    sentences = []
    for y in labels:
        words = list(
            rng.choice(
                TOPIC_WORDS[TOPICS[y]], size=rng.integers(1, 4), replace=False
            )
        )
        words += list(rng.choice(_FILLER, size=rng.integers(3, 7)))
        words += list(rng.choice(_SHARED, size=rng.integers(0, 3)))
        if rng.random() < noise:
            other = TOPICS[(y + rng.integers(1, len(TOPICS))) % len(TOPICS)]
            words += list(rng.choice(TOPIC_WORDS[other], size=rng.integers(1, 3)))
        rng.shuffle(words)
        sentences.append(" ".join(words) + ".")
    return sentences, labels.astype(np.int64)


ENTITY_TYPES = ("PER", "LOC", "ORG")
_FIRST = "Anna Ben Chen Dara Elif Farid Grace Hiro Ines Jonas Kemal Lena Mateo Nora".split()
_LAST = (
    "Berg Okafor Silva Tanaka Novak Haddad Larsen Moreau Quinn Ivanova Park".split()
)
_PLACES = [
    "Lisbon",
    "Nairobi",
    "Oslo",
    "Kyoto",
    "Quito",
    "New York",
    "Cape Town",
    "Buenos Aires",
    "Hanoi",
    "Jordan",
    "Washington",
    "Lima",
    "Tunis",
]
_ORGS = [
    "Acme Labs",
    "Globex",
    "the Red Cross",
    "Initech",
    "Vertex Bank",
    "Nordic Rail",
    "Umbrella Corp",
    "Blue Harbor Foods",
    "Washington Post",
    "Orbital Systems",
]
_PEOPLE_EXTRA = ["Jordan", "Washington", "Lima"]  # names that are also places
_TEMPLATES = [
    "{PER} flew to {LOC} on Monday .",
    "{PER} works for {ORG} in {LOC} .",
    "yesterday {PER} met {PER} at the {ORG} office .",
    "{ORG} opened a new branch in {LOC} .",
    "the mayor of {LOC} thanked {PER} .",
    "{PER} left {ORG} last year .",
    "a spokesperson for {ORG} said {PER} will visit {LOC} .",
    "{LOC} and {LOC} signed a trade deal .",
    "we hired {PER} from {ORG} .",
    "it rained all week in {LOC} .",
    "{PER} said the talks were useful .",
]


def _entity(kind: str, rng: np.random.Generator) -> list[str]:
    if kind == "PER":
        if rng.random() < 0.15:
            return [str(rng.choice(_FIRST)), str(rng.choice(_PEOPLE_EXTRA))]
        name = [str(rng.choice(_FIRST))]
        return name + [str(rng.choice(_LAST))] if rng.random() < 0.7 else name
    pool = _PLACES if kind == "LOC" else _ORGS
    return str(pool[rng.integers(len(pool))]).split()


def make_ner_corpus(
    n: int, *, seed: int | None = None
) -> list[tuple[list[str], list[str]]]:
    """``n`` generated sentences as ``(tokens, BIO tags)`` with PER, LOC and ORG entities.

    Some words are ambiguous on purpose ("Jordan", "Washington" and "Lima" are places,
    surnames, and part of an organisation), so the context decides the tag.
    """
    n = _check_n(n)
    rng = _rng(seed)
    out = []
    for _ in range(n):
        template = _TEMPLATES[rng.integers(len(_TEMPLATES))]
        tokens: list[str] = []
        tags: list[str] = []
        for piece in template.split():
            if piece.startswith("{"):
                kind = piece[1:-1]
                words = _entity(kind, rng)
                tokens += words
                tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)
            else:
                tokens.append(piece)
                tags.append("O")
        out.append((tokens, tags))
    return out


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
MONTHS = (
    "january february march april may june july august september october november "
    "december"
).split()


def number_words(k: int, *, ordinal: bool = False) -> str:
    """``k`` (0-99) in English words, e.g. 42 -> 'forty-two', or 'forty-second' if ordinal."""
    if (
        not isinstance(k, (int, np.integer))
        or isinstance(k, bool)
        or not 0 <= k <= 99
    ):
        raise ValueError(f"k must be an int from 0 to 99, got {k!r}")
    k = int(k)
    words = (
        _ONES[k]
        if k < 20
        else _TENS[k // 10] + ("" if k % 10 == 0 else "-" + _ONES[k % 10])
    )
    if not ordinal:
        return words
    head, _, last = words.rpartition("-")
    if last in _ORDINAL:
        last = _ORDINAL[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}-{last}" if head else last


def _year_words(year: int) -> str:
    hi, lo = divmod(year, 100)
    if lo == 0:
        return f"{number_words(hi)} hundred"
    if hi == 20 and lo < 10:
        return f"two thousand {number_words(lo)}"
    return f"{number_words(hi)} {'oh ' if lo < 10 else ''}{number_words(lo)}"


def make_date_pairs(
    n: int,
    *,
    seed: int | None = None,
    first_year: int = 1950,
    last_year: int = 2049,
) -> list[tuple[str, str]]:
    """``n`` pairs ``(date written out in English, ISO date 'YYYY-MM-DD')``.

    The source uses one of several styles, e.g. 'the third of march, nineteen ninety-eight',
    'march 3rd 1998', '3 mar 1998' or 'tuesday, 3 march 98'-like mixes; the target is always
    the ISO form. Days run to 28, so every generated date exists.
    """
    n = _check_n(n)
    if not 1900 <= first_year <= last_year <= 2099:
        raise ValueError(
            f"need 1900 <= first_year <= last_year <= 2099, got "
            f"{first_year}, {last_year}"
        )
    rng = _rng(seed)
    pairs = []
    for _ in range(n):
        y = int(rng.integers(first_year, last_year + 1))
        m = int(rng.integers(1, 13))
        d = int(rng.integers(1, 29))
        month = MONTHS[m - 1]
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(
            d % 10 if d not in (11, 12, 13) else 0, "th"
        )
        style = int(rng.integers(5))
        if style == 0:
            src = (
                f"the {number_words(d, ordinal=True)} of {month}, {_year_words(y)}"
            )
        elif style == 1:
            src = f"{month} {d}{suffix} {y}"
        elif style == 2:
            src = f"{d} {month[:3]} {y}"
        elif style == 3:
            src = f"{number_words(d, ordinal=True)} {month} {y}"
        else:
            src = f"{month} the {number_words(d, ordinal=True)}, {_year_words(y)}"
        pairs.append((src, f"{y:04d}-{m:02d}-{d:02d}"))
    return pairs
