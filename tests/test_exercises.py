"""The book's exercises as a learner and an instructor meet them (issue 17).

Every exercise carries a level and a time, the chapters' lesson code is written in cells
rather than printed from the package, the core chapters each have a "Build it yourself"
exercise with a self-check, and some exercises hand out playground settings.
"""

from __future__ import annotations

import re

import pytest

from tools import nbtool

NOTEBOOKS = nbtool.all_notebooks()
IDS = [p.stem for p in NOTEBOOKS]
BUILD_CHAPTERS = {"2.2", "3.1", "3.2", "4.3", "5.2", "5.3"}


def chapter(path) -> str:
    return ".".join(path.stem.split("_")[:2])


def all_exercises() -> list[tuple[str, dict]]:
    return [
        (chapter(p), ex)
        for p in NOTEBOOKS
        for ex in nbtool.exercises(nbtool.load(p))
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_printed_source(path):
    """Lesson code is written in cells a learner edits, never printed from the package."""
    for n, cell in enumerate(nbtool.load(path)["cells"]):
        assert "getsource" not in nbtool.source(cell), (
            f"{path.name}, cell {n}: prints source with inspect.getsource; write the code"
            " in a cell and compare it with the package (tests/lesson_code.py)"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_exercise_has_a_level_and_a_time(path):
    for ex in nbtool.exercises(nbtool.load(path)):
        assert ex["level"] and 1 <= ex["minutes"] <= 240, (
            f"{path.name}: exercise {ex['label']} is titled {ex['heading']!r}; write"
            " '★ Title (N min)' with one to three stars (apply, derive or build, open)"
        )


def test_exercise_levels_use_the_three_kinds():
    levels = {ex["level"] for _, ex in all_exercises()}
    assert levels == {1, 2, 3}, f"levels used: {sorted(levels, key=str)}"


def test_build_it_yourself_in_every_core_chapter():
    found: dict[str, list[dict]] = {}
    for ch, ex in all_exercises():
        if "Build it yourself" in ex["title"]:
            found.setdefault(ch, []).append(ex)
    assert BUILD_CHAPTERS <= set(found), (
        f"no 'Build it yourself' exercise in {sorted(BUILD_CHAPTERS - set(found))}"
    )
    assert sum(map(len, found.values())) >= 6
    for ch, exs in found.items():
        for ex in exs:
            assert ex["level"] >= 2, (
                f"{ch} {ex['label']}: a whole build is ★★ or ★★★"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_build_it_yourself_solutions_answer_to_a_self_check(path):
    nb = nbtool.load(path)
    builds = [
        ex["label"]
        for ex in nbtool.exercises(nb)
        if "Build it yourself" in ex["title"]
    ]
    label, checked = None, set()
    for cell in nb["cells"]:
        text = nbtool.source(cell)
        if cell["cell_type"] == "markdown":
            for kind, name in re.findall(r"\{solution-(start|end)\}\s*(\S*)", text):
                label = name if kind == "start" else None
        elif label and "solution" in nbtool.tags(cell):
            if re.search(r"^assert .*check_\w+\(", text, re.M):
                checked.add(label)
    missing = set(builds) - checked
    assert not missing, (
        f"{path.name}: 'Build it yourself' exercises whose solution ends in no"
        f" `assert check_...(...)`: {sorted(missing)}"
    )


def test_some_exercises_hand_out_playground_settings():
    with_settings = [
        f"{ch} {ex['label']}" for ch, ex in all_exercises() if "pg1:" in ex["body"]
    ]
    assert len(with_settings) >= 3, (
        f"exercises with a playground setting string: {with_settings}"
    )


def test_exercise_parser_reads_level_time_label_and_body():
    nb = nbtool.new_notebook("9.9 Demo")
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "```{exercise} ★★ Write it (25 min)\n:label: ex-demo\n\n"
            "Try `pg1:data=xor`.\n```\n\n```{exercise} No level\n:label: ex-2\n```\n",
        }
    )
    first, second = nbtool.exercises(nb)
    assert (first["level"], first["minutes"], first["label"]) == (2, 25, "ex-demo")
    assert first["title"] == "Write it" and "pg1:data=xor" in first["body"]
    assert second["level"] is None and second["label"] == "ex-2"
