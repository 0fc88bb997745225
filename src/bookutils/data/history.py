"""The history of the field as data (chapters 1.1 and 1.3): milestones, eras and model sizes.

Every record carries the bibliography key of the primary source that reports it, so the
timeline in 1.1 and the size plot in 1.3 are drawn from one table and every row can be
traced to a paper. Parameter counts are the ones the cited paper states, and each record says
where in the paper the number is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 1900, 2030
THREADS = ("symbolic", "learning", "neural")
_KEY = re.compile(r"[a-z][a-z0-9_:-]*\d{4}[a-z0-9_:-]*")


def _check_year(year: int, what: str) -> None:
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"{what}: year must be an int, got {type(year).__name__}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"{what}: year must lie in [{FIRST_YEAR}, {LAST_YEAR}], got {year}"
        )


def _check_key(key: str, what: str) -> None:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(
            f"{what}: bibliography key must look like 'author2020word', got {key!r}"
        )


def _check_milestone(m: Milestone) -> None:
    _check_year(m.year, m.event)
    _check_key(m.key, m.event)
    if m.thread not in THREADS:
        raise ValueError(
            f"{m.event}: thread must be one of {THREADS}, got {m.thread!r}"
        )
    if not m.event or not m.people:
        raise ValueError("a milestone needs a non-empty event and people")


@dataclass(frozen=True)
class Milestone:
    """An event in the history of AI, who made it, and the key of its primary source.

    ``thread`` says which line of work it belongs to: ``"symbolic"`` (rules and logic),
    ``"learning"`` (statistical machine learning) or ``"neural"`` (neural networks).
    """

    year: int
    event: str
    people: str
    key: str
    thread: str

    def __post_init__(self) -> None:
        _check_milestone(self)  # year, thread and key well-formed


@dataclass(frozen=True)
class Era:
    """A period named after the approach that dominated it, from ``start`` to ``end`` (years)."""

    name: str
    start: int
    end: int

    def __post_init__(self) -> None:
        _check_year(self.start, self.name)
        _check_year(self.end, self.name)
        if self.end <= self.start:
            raise ValueError(
                f"{self.name}: end ({self.end}) must come after start ({self.start})"
            )


@dataclass(frozen=True)
class ModelSize:
    """A model's published parameter count, and where in which paper it is stated.

    ``tokens`` (training tokens) and ``train_flops`` (total training compute) are filled in
    only where the cited paper states them, else ``None``.
    """

    name: str
    year: int
    parameters: float
    key: str
    where: str
    tokens: float | None = None
    train_flops: float | None = None

    def __post_init__(self) -> None:
        _check_year(self.year, self.name)
        _check_key(self.key, self.name)
        for field_name in ("parameters", "tokens", "train_flops"):
            value = getattr(self, field_name)
            if value is not None and not value > 0:
                raise ValueError(
                    f"{self.name}: {field_name} must be positive, got {value}"
                )
        if not self.where:
            raise ValueError(f"{self.name}: say where the paper states the count")


def milestones() -> list[Milestone]:
    """The milestones of chapter 1.1, in chronological order."""
    rows = [
        Milestone(
            1943,
            "Threshold-logic model of the neuron",
            "McCulloch, Pitts",
            "mcculloch1943logical",
            "neural",
        ),
        Milestone(
            1949,
            "Hebb's rule: co-active cells strengthen their link",
            "Hebb",
            "hebb1949organization",
            "neural",
        ),
        Milestone(
            1950,
            "The imitation game (Turing test)",
            "Turing",
            "turing1950computing",
            "symbolic",
        ),
        Milestone(
            1956,
            "Dartmouth workshop names the field",
            "McCarthy, Minsky, Rochester, Shannon",
            "mccarthy1955proposal",
            "symbolic",
        ),
        Milestone(
            1956,
            "Logic Theorist proves theorems",
            "Newell, Shaw, Simon",
            "newell1956logic",
            "symbolic",
        ),
        Milestone(
            1958,
            "The perceptron learns from examples",
            "Rosenblatt",
            "rosenblatt1958perceptron",
            "neural",
        ),
        Milestone(
            1959,
            "A checkers program that learns",
            "Samuel",
            "samuel1959some",
            "learning",
        ),
        Milestone(
            1960,
            "ADALINE and the LMS (delta) rule",
            "Widrow, Hoff",
            "widrow1960adaptive",
            "neural",
        ),
        Milestone(
            1960,
            "Optimal flight paths by backward gradients",
            "Kelley",
            "kelley1960gradient",
            "neural",
        ),
        Milestone(
            1965,
            "Deep networks trained layer by layer (GMDH)",
            "Ivakhnenko, Lapa",
            "ivakhnenko1965cybernetic",
            "neural",
        ),
        Milestone(
            1969,
            "Perceptrons: the limits of one layer",
            "Minsky, Papert",
            "minsky1969perceptrons",
            "neural",
        ),
        Milestone(
            1970,
            "Reverse-mode automatic differentiation",
            "Linnainmaa",
            "linnainmaa1970representation",
            "learning",
        ),
        Milestone(
            1971,
            "An eight-layer GMDH network",
            "Ivakhnenko",
            "ivakhnenko1971polynomial",
            "neural",
        ),
        Milestone(
            1974,
            "Back-propagation of errors in a thesis",
            "Werbos",
            "werbos1974beyond",
            "neural",
        ),
        Milestone(
            1976,
            "MYCIN, a rule-based expert system",
            "Shortliffe",
            "shortliffe1976computer",
            "symbolic",
        ),
        Milestone(
            1982,
            "Back-propagation applied to neural networks",
            "Werbos",
            "werbos1982applications",
            "neural",
        ),
        Milestone(
            1980,
            "Neocognitron, ancestor of the CNN",
            "Fukushima",
            "fukushima1980neocognitron",
            "neural",
        ),
        Milestone(
            1982, "Hopfield network", "Hopfield", "hopfield1982neural", "neural"
        ),
        Milestone(
            1986,
            "Back-propagation popularised",
            "Rumelhart, Hinton, Williams",
            "rumelhart1986learning",
            "neural",
        ),
        Milestone(
            1986,
            "Decision trees learned from data (ID3)",
            "Quinlan",
            "quinlan1986induction",
            "learning",
        ),
        Milestone(
            1989,
            "Convolutional network reads zip codes",
            "LeCun et al.",
            "lecun1989backpropagation",
            "neural",
        ),
        Milestone(
            1995,
            "Support-vector networks",
            "Cortes, Vapnik",
            "cortes1995support",
            "learning",
        ),
        Milestone(
            1997,
            "Long short-term memory (LSTM)",
            "Hochreiter, Schmidhuber",
            "hochreiter1997long",
            "neural",
        ),
        Milestone(
            1998,
            "LeNet-5 for document recognition",
            "LeCun, Bottou, Bengio, Haffner",
            "lecun1998gradient",
            "neural",
        ),
        Milestone(
            2006,
            "Deep belief nets trained layer by layer",
            "Hinton, Osindero, Teh",
            "hinton2006fast",
            "neural",
        ),
        Milestone(
            2012,
            "AlexNet wins ImageNet",
            "Krizhevsky, Sutskever, Hinton",
            "krizhevsky2012imagenet",
            "neural",
        ),
        Milestone(
            2017,
            "The Transformer: attention only",
            "Vaswani et al.",
            "vaswani2017attention",
            "neural",
        ),
        Milestone(
            2018,
            "GPT: generative pre-training",
            "Radford et al.",
            "radford2018improving",
            "neural",
        ),
        Milestone(
            2019,
            "BERT: bidirectional pre-training",
            "Devlin, Chang, Lee, Toutanova",
            "devlin2019bert",
            "neural",
        ),
        Milestone(
            2020,
            "GPT-3: 175 billion parameters",
            "Brown et al.",
            "brown2020language",
            "neural",
        ),
        Milestone(
            2020,
            "Scaling laws for language models",
            "Kaplan et al.",
            "kaplan2020scaling",
            "neural",
        ),
        Milestone(
            2022,
            "Chinchilla: compute-optimal training",
            "Hoffmann et al.",
            "hoffmann2022training",
            "neural",
        ),
    ]
    return sorted(rows, key=lambda m: m.year)


def eras() -> list[Era]:
    """Three eras, each named after the approach that led the field then.

    The boundaries are a convention (the years of well-known turning points), not a fact:
    every approach was worked on before and after its era.
    """
    return [
        Era("symbolic AI", 1950, 1986),
        Era("machine learning", 1986, 2012),
        Era("deep learning", 2012, LAST_YEAR),
    ]


def model_sizes() -> list[ModelSize]:
    """Published parameter counts of well-known models, in chronological order."""
    rows = [
        ModelSize(
            "LeNet-5",
            1998,
            60e3,
            "lecun1998gradient",
            "Sec. II.B: its layers' trainable parameters, 156 + 12 + 1,516 + 32"
            " + 48,120 + 10,164 = 60,000",
        ),
        ModelSize(
            "AlexNet",
            2012,
            60e6,
            "krizhevsky2012imagenet",
            "abstract: 60 million parameters",
        ),
        ModelSize(
            "Transformer (base)", 2017, 65e6, "vaswani2017attention", "Table 3: 65M"
        ),
        ModelSize(
            "Transformer (big)",
            2017,
            213e6,
            "vaswani2017attention",
            "Table 3: 213M",
        ),
        ModelSize(
            "GPT",
            2018,
            117e6,
            "radford2019language",
            "Table 2: smallest model, 117M, 'equivalent to the original GPT'",
        ),
        ModelSize("BERT (base)", 2019, 110e6, "devlin2019bert", "Sec. 3: 110M"),
        ModelSize("BERT (large)", 2019, 340e6, "devlin2019bert", "Sec. 3: 340M"),
        ModelSize(
            "GPT-2",
            2019,
            1542e6,
            "radford2019language",
            "Table 2: 1542M (a miscount: OpenAI's corrected count is 1558M)",
        ),
        ModelSize(
            "GPT-3",
            2020,
            175e9,
            "brown2020language",
            "Table 2.1: 175.0B; 300B training tokens (Sec. 2.2);"
            " 3.14e23 training FLOPs (Table D.1)",
            tokens=300e9,
            train_flops=3.14e23,
        ),
        ModelSize(
            "Chinchilla",
            2022,
            70e9,
            "hoffmann2022training",
            "Table 1: 70B parameters, 1.4T training tokens",
            tokens=1.4e12,
        ),
    ]
    return sorted(rows, key=lambda m: m.year)


def era_of(year: int, periods: Iterable[Era] | None = None) -> Era | None:
    """The era that contains ``year`` (start included, end excluded), or None before the first."""
    _check_year(year, "era_of")
    for era in eras() if periods is None else periods:
        if era.start <= year < era.end:
            return era
    return None


def bibliography_keys(paths: Iterable[str | Path]) -> set[str]:
    """The entry keys (``@type{key,``) defined in the given BibTeX files."""
    keys: set[str] = set()
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        keys |= set(re.findall(r"^@\w+\{([^,\s]+),", text, re.M))
    return keys
