"""The recommended reading order and the instructor guide's course paths respect every
chapter's prerequisites (the links in its header), and every header states its place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools import nbtool
from tools import reading_order as ro

ROOT = Path(__file__).resolve().parents[1]

NEEDS = ro.prerequisites()


def course_paths(text: str) -> list[tuple[list[str], list[str]]]:
    """(chapters, assumed) of every ``course-path`` block of a MyST page, as bookext reads
    them: ``:assumes:`` lists chapters, ``:continues:`` assumes the paths above it."""
    out, earlier = [], []
    for body in re.findall(r"^```\{course-path\}\n(.*?)^```", text, re.M | re.S):
        assumed = re.findall(r"^:assumes:(.*)$", body, re.M)
        assumed = assumed[0].split() if assumed else []
        if not re.search(r"^:continues:", body, re.M):
            earlier = []
        chapters = re.sub(r"^:\w+:.*$", "", body, flags=re.M).split()
        out.append((chapters, earlier + assumed))
        earlier = earlier + assumed + chapters
    return out


def test_violations_finds_forward_prerequisites():
    needs = {"1.1": [], "2.1": ["1.1"], "3.1": ["2.1"]}
    assert ro.violations(["1.1", "2.1", "3.1"], needs) == []
    assert ro.violations(["2.1", "3.1"], needs, assumed=["1.1"]) == []
    [problem] = ro.violations(["1.1", "3.1", "2.1"], needs)
    assert problem.startswith("3.1 needs 2.1")
    assert ro.violations(["1.1", "1.1"], needs) == [
        "1.1 is listed twice (or is also assumed)"
    ]
    assert ro.violations(["7.7"], needs) == ["7.7 is not a chapter of the book"]
    # the six-week path the guide had before: 4.2 lists 3.1, which came in the next block
    assert any(
        p.startswith("4.2 needs 3.1")
        for p in ro.violations(["1.1", "1.2", "4.1", "2.1", "2.2", "4.2"], NEEDS)
    )


def test_reading_order_respects_every_prerequisite():
    assert ro.violations(ro.READING_ORDER, NEEDS) == []


def test_reading_order_lists_every_chapter_once():
    assert sorted(ro.READING_ORDER) == sorted(set(ro.READING_ORDER))
    assert set(ro.READING_ORDER) == set(ro.notebooks()), (
        "add new chapters to READING_ORDER in tools/reading_order.py"
    )


@pytest.mark.parametrize("number", sorted(ro.notebooks()))
def test_header_states_its_place(number):
    header = nbtool.source(
        next(
            c
            for c in nbtool.load(ro.notebooks()[number])["cells"]
            if c["cell_type"] == "markdown"
        )
    )
    lines = ro.LINE_RE.findall(header)
    assert lines == [ro.header_line(number)], (
        f"{number}: run `python tools/reading_order.py --write` to update the header's line"
    )


def test_course_paths_respect_prerequisites():
    paths = course_paths(
        (ROOT / "book/instructor_guide.md").read_text(encoding="utf-8")
    )
    assert len(paths) >= 3
    for chapters, assumed in paths:
        assert ro.violations(chapters, NEEDS, assumed) == [], (chapters, assumed)


def test_course_paths_parser():
    text = "```{course-path}\n:assumes: 4.1 5.1\n4.3 5.2\n```\n\n```{course-path}\n1.1\n```\n"
    assert course_paths(text) == [(["4.3", "5.2"], ["4.1", "5.1"]), (["1.1"], [])]
    text += "```{course-path}\n:continues:\n1.2\n```\n"
    assert course_paths(text)[-1] == (["1.2"], ["1.1"])
