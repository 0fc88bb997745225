"""book/_ext/reader.py (exercise numbers, solution titles, report link, search spellings)
and the rule it serves: prose refers to an exercise by its label, never by a typed number."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from tools import nbtool

sys.path.insert(0, str(nbtool.ROOT / "book" / "_ext"))
import reader  # noqa: E402

# "Exercise 4", "Exercises 1 and 2", "exercise 12", "Figure 3", "equation (4.2)": a number
# the reader cannot trust. A source's own numbering ("the paper's Table 2") is fine.
TYPED_NUMBER = re.compile(
    r"(?<!paper's )\b(?:(?:[Ee]xercises?|[Ff]ig(?:ure)?s?\.?|[Tt]ables?)\s+\d"
    r"|[Ee]quations?\s+\(?\d)"
)
# "exercise {ref}`ex-...`" reads "exercise Exercise 4.1.5": the reference says it already.
DOUBLED = re.compile(r"\b[Ee]xercises?\s+\{(?:ref|numref)\}`")


def _texts() -> list[tuple[str, str]]:
    out = []
    for path in nbtool.all_notebooks():
        for i, cell in enumerate(nbtool.load(path)["cells"]):
            out.append(
                (f"{path.relative_to(nbtool.ROOT)} cell {i}", nbtool.source(cell))
            )
    for path in sorted((nbtool.ROOT / "book").glob("*.md")):
        out.append(
            (str(path.relative_to(nbtool.ROOT)), path.read_text(encoding="utf-8"))
        )
    return out


def test_no_typed_exercise_numbers_in_the_book():
    bad = [
        (where, m.group(0))
        for where, text in _texts()
        for pattern in (TYPED_NUMBER, DOUBLED)
        for m in pattern.finditer(text)
    ]
    assert not bad, (
        "refer to exercises with {ref}`label`, figures with {numref}`label` and"
        f" equations with {{eq}}`label`, not by number: {bad}"
    )


def test_the_rule_catches_what_it_should():
    for text in (
        "Exercise 4 repeats it",
        "Exercises 1 and 2 ask",
        "(exercise 12)",
        "as Figure 3 shows",
        "see fig. 2",
        "equation (4.2) gives",
        "Table 1 lists",
    ):
        assert TYPED_NUMBER.search(text), text
    assert DOUBLED.search("(exercise {ref}`ex-1-2-wire`)")
    for text in (
        "{ref}`ex-4-1-xor` adds",
        "the exercises below",
        "Exercise: write it",
    ):
        assert not TYPED_NUMBER.search(text) and not DOUBLED.search(text), text
    assert not TYPED_NUMBER.search("The GPT-2 paper's Table 2 gave 117M")
    assert not TYPED_NUMBER.search("the forward table (2U + 1 columns)")


def test_chapter_of():
    assert reader.chapter_of("notebooks/04_math/4_1_perceptron") == (4, 1)
    assert reader.chapter_of("notebooks/09_faq/9_3_efficient_training") == (9, 3)
    assert reader.chapter_of("book/preface") is None


def test_number_per_chapter_renumbers_in_page_order():
    fignumbers = {
        "notebooks/04_math/4_1_perceptron": {
            "exercise": {"b": (36,), "a": (35,), "c": (37,)},
            "figure": {"f": (3,)},
        },
        "notebooks/09_faq/9_3_efficient_training": {"exercise": {"x": (96,)}},
        "book/glossary": {"exercise": {"g": (1,)}},
    }
    changed = reader.number_per_chapter(fignumbers)
    assert fignumbers["notebooks/04_math/4_1_perceptron"]["exercise"] == {
        "a": (4, 1, 1),
        "b": (4, 1, 2),
        "c": (4, 1, 3),
    }
    assert fignumbers["notebooks/04_math/4_1_perceptron"]["figure"] == {"f": (3,)}
    assert fignumbers["notebooks/09_faq/9_3_efficient_training"]["exercise"] == {
        "x": (9, 3, 1)
    }
    assert fignumbers["book/glossary"]["exercise"] == {"g": (1,)}
    assert sorted(changed) == [
        "notebooks/04_math/4_1_perceptron",
        "notebooks/09_faq/9_3_efficient_training",
    ]
    assert reader.number_per_chapter(fignumbers) == []  # already per chapter
    assert reader.number_per_chapter(fignumbers, "figure") == [
        "notebooks/04_math/4_1_perceptron"
    ]
    assert fignumbers["notebooks/04_math/4_1_perceptron"]["figure"] == {
        "f": (4, 1, 1)
    }


def test_plain_solution_titles():
    body = (
        '<div class="solution dropdown admonition" id="s-1">\n\n'
        '<p class="admonition-title">Solution to<a class="reference internal" '
        'href="#ex-4-1-xor"> Exercise 4.1.5 (Rescuing <em>XOR</em>)</a></p>\n'
        '<p>See <a class="reference internal" href="#ex-4-1-xor">the exercise</a>.</p>'
    )
    out = reader.plain_solution_titles(body)
    assert (
        '<p class="admonition-title">Solution to Exercise 4.1.5 (Rescuing <em>XOR</em>)</p>'
        in out
    )
    assert (
        '<a class="reference internal" href="#ex-4-1-xor">the exercise</a>' in out
    )


def test_report_link():
    link = reader.report_link(
        "https://github.com/o/b/",
        "notebooks/04_math/4_1_perceptron",
        "4.1 The perceptron & co",
    )
    assert link.startswith(
        '<p class="bu-report"><a href="https://github.com/o/b/issues/new?'
    )
    assert (
        "title=Mistake%20in%204.1%20The%20perceptron%20%26%20co&amp;body=" in link
    )
    assert "notebooks/04_math/4_1_perceptron" in link and "Report a mistake" in link


def test_spellings_of_glossary_terms():
    groups = reader.spelling_groups(
        [
            {"en": "back-propagation"},
            {"en": "regularisation"},
            {"en": "perceptron"},
            {"en": "threshold unit (McCulloch–Pitts neuron)"},
            {"en": "learning-rate schedule"},
        ]
    )
    assert groups["back-propagation"] == ["back propagation", "backpropagation"]
    assert groups["regularisation"] == ["regularization"]
    assert (
        "mcculloch–pitts neuron" not in groups
    )  # an en dash joins names, not a hyphen
    assert "perceptron" not in groups
    assert "learning rate schedule" in groups["learning-rate schedule"]


def test_the_book_glossary_has_spelling_variants():
    entries = yaml.safe_load(
        (nbtool.ROOT / "book" / "glossary.yml").read_text(encoding="utf-8")
    )
    groups = reader.spelling_groups(entries)
    assert "backpropagation" in groups["back-propagation"]
    assert len(groups) >= 5


@pytest.fixture()
def english(monkeypatch):
    monkeypatch.setattr(
        reader.GlossarySearch,
        "groups",
        {"back-propagation": ["back propagation", "backpropagation"]},
    )
    return reader.GlossarySearch({})


def test_search_index_gives_each_spelling_the_words_of_the_others(english):
    joined = english.split("Backpropagation trains the network.")
    assert {"back", "propagation", "Backpropagation"} <= set(joined)
    hyphen = english.split("back-propagation trains it")
    assert "backpropagation" in hyphen
    assert english.split("nothing here") == ["nothing", "here"]
    assert "backpropagation" not in english.split("propagate it back")


def test_scrub_figure_announces_its_frame():
    from bookutils.viz.scrub import ScrubbableFigure

    fig = ScrubbableFigure(
        (b"\x89PNG0", b"\x89PNG1"),
        ("w = 0.5", "w = 1"),
        "A dot that moves to the right.",
        1,
        400,
    )
    page = fig.html()
    assert '<span class="bu-scrub-label" aria-live="polite">w = 1</span>' in page
    assert 'aria-valuetext="w = 1"' in page
    assert 'slider.setAttribute("aria-valuetext", frames[i][1])' in page


def test_numbers_per_chapter_only_rewrite_pages_whose_numbers_changed():
    from types import SimpleNamespace

    doc = "notebooks/04_math/4_1_perceptron"

    def sphinx_assign(self, env):  # Sphinx numbers figures across the whole book
        env.toc_fignumbers = {doc: {"figure": {"a": (7,), "b": (8,)}}}
        return [doc]

    assign = reader._assign_per_chapter(sphinx_assign)
    app = SimpleNamespace(bu_docs_reread=True)  # a page was read in this build
    env = SimpleNamespace(toc_fignumbers={}, app=app)
    assert assign(None, env) == [doc]  # first build: new numbers
    assert env.toc_fignumbers[doc]["figure"] == {"a": (4, 1, 1), "b": (4, 1, 2)}
    assert assign(None, env) == []  # nothing changed: nothing to rewrite


def test_numbers_are_not_recounted_when_no_page_was_read():
    from types import SimpleNamespace

    def sphinx_assign(self, env):  # would load every page's doctree
        raise AssertionError("recounted although no page was read")

    numbers = {"notebooks/04_math/4_1_perceptron": {"figure": {"a": (4, 1, 1)}}}
    app = SimpleNamespace(bu_docs_reread=False)
    env = SimpleNamespace(toc_fignumbers=numbers, app=app)
    assert reader._assign_per_chapter(sphinx_assign)(None, env) == []
    assert env.toc_fignumbers is numbers  # last build's numbers stand
    reader._note_reread(app, env, "notebooks/04_math/4_1_perceptron")
    with pytest.raises(AssertionError, match="recounted"):
        reader._assign_per_chapter(sphinx_assign)(None, env)
