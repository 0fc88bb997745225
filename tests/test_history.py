"""The history tables of chapters 1.1 and 1.3: typed, validated, and every row cited."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from bookutils.data.history import (
    Era,
    Milestone,
    ModelSize,
    bibliography_keys,
    era_of,
    eras,
    milestones,
    model_sizes,
)

ROOT = Path(__file__).resolve().parents[1]
BIB_FILES = [ROOT / "book/references.bib"]


def test_every_row_has_a_bibliography_entry():
    keys = bibliography_keys(BIB_FILES)
    rows = [*milestones(), *model_sizes()]
    missing = sorted({row.key for row in rows} - keys)
    assert not missing, f"no entry in book/references.bib for {missing}"


def test_bibliography_keys_reads_entries(tmp_path):
    bib = tmp_path / "a.bib"
    bib.write_text(
        "@article{smith2020x,\n  title={A}\n}\n\n@book{doe1999y, title={B}}\n"
    )
    assert bibliography_keys([bib]) == {"smith2020x", "doe1999y"}
    assert bibliography_keys([]) == set()
    with pytest.raises(FileNotFoundError):
        bibliography_keys([tmp_path / "missing.bib"])


def test_milestones_are_sorted_and_cover_the_spec():
    rows = milestones()
    assert [m.year for m in rows] == sorted(m.year for m in rows)
    keys = {m.key for m in rows}
    for key in (
        "mcculloch1943logical",
        "hebb1949organization",
        "rosenblatt1958perceptron",
        "widrow1960adaptive",
        "minsky1969perceptrons",
        "werbos1974beyond",
        "fukushima1980neocognitron",
        "hopfield1982neural",
        "rumelhart1986learning",
        "lecun1989backpropagation",
        "hochreiter1997long",
        "krizhevsky2012imagenet",
        "vaswani2017attention",
        "devlin2019bert",
        "brown2020language",
        "kaplan2020scaling",
        "hoffmann2022training",
        # the prehistory of back-propagation and of deep networks (fact-check, issue 19)
        "kelley1960gradient",
        "linnainmaa1970representation",
        "werbos1982applications",
        "ivakhnenko1965cybernetic",
        "ivakhnenko1971polynomial",
    ):
        assert key in keys, key
    logic_theorist = next(m for m in rows if m.key == "newell1956logic")
    assert logic_theorist.people == "Newell, Shaw, Simon", logic_theorist
    assert all(isinstance(m, Milestone) for m in rows)


def test_milestone_years_match_their_keys():
    """The key's year is the year of the source; the event year may be later, never earlier."""
    for m in milestones():
        key_year = int(re.findall(r"\d{4}", m.key)[0])
        assert 0 <= m.year - key_year <= 1, m


def test_model_sizes_are_published_counts():
    rows = model_sizes()
    assert [m.year for m in rows] == sorted(m.year for m in rows)
    by_name = {m.name: m for m in rows}
    assert by_name["GPT-3"].parameters == 175e9 and by_name["GPT-3"].tokens == 300e9
    assert by_name["GPT-3"].train_flops == 3.14e23
    assert by_name["BERT (base)"].parameters == 110e6
    assert all(isinstance(m, ModelSize) and m.where for m in rows)


def test_eras_are_contiguous_and_era_of():
    periods = eras()
    assert all(isinstance(e, Era) for e in periods)
    for a, b in zip(periods[:-1], periods[1:], strict=True):
        assert a.end == b.start
    assert era_of(1943) is None
    assert era_of(1960).name == "symbolic AI"
    assert era_of(1986).name == "machine learning"
    assert era_of(2017).name == "deep learning"
    assert era_of(1990, [Era("x", 1980, 2000)]).name == "x"
    with pytest.raises(ValueError, match="year"):
        era_of(1800)
    with pytest.raises(TypeError, match="int"):
        era_of(1990.5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(year=1850), ValueError, "year must lie"),
        (dict(year="1950"), TypeError, "must be an int"),
        (dict(year=True), TypeError, "must be an int"),
        (dict(key="Smith 2020"), ValueError, "bibliography key"),
        (dict(key="smith"), ValueError, "bibliography key"),
        (dict(thread="physics"), ValueError, "thread"),
        (dict(people=""), ValueError, "non-empty"),
    ],
)
def test_milestone_rejects_bad_fields(kwargs, error, match):
    fields = dict(
        year=1950, event="e", people="p", key="smith1950x", thread="neural"
    )
    with pytest.raises(error, match=match):
        Milestone(**(fields | kwargs))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(parameters=0), "parameters must be positive"),
        (dict(tokens=-1.0), "tokens must be positive"),
        (dict(train_flops=0.0), "train_flops must be positive"),
        (dict(where=""), "say where"),
        (dict(key="nokey"), "bibliography key"),
    ],
)
def test_model_size_rejects_bad_fields(kwargs, match):
    fields = dict(
        name="m", year=2020, parameters=1e6, key="smith2020x", where="Table 1"
    )
    with pytest.raises(ValueError, match=match):
        ModelSize(**(fields | kwargs))


def test_era_rejects_bad_fields():
    with pytest.raises(ValueError, match="must come after"):
        Era("x", 2000, 1990)
    with pytest.raises(ValueError, match="year must lie"):
        Era("x", 1700, 1990)


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

CHAPTER_1_1 = (
    Path(__file__).parents[1] / "notebooks/01_background/1_1_ai_history.ipynb"
)


def test_chapter_1_1_shows_the_lesson_code():
    from bookutils.data import history

    assert_notebook_shows(CHAPTER_1_1, history, {"Milestone"})
