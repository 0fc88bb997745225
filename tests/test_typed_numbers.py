"""The computed-number rule: a count that the code computes is never typed.

Two detectors, each tested on the sentences that slipped through before (3.1 and 9.1 once
printed "1210 parameters" for a 64-16-12-10 network that has 1374):

- In a printed sentence (a string literal passed to ``print``, the literal parts of an
  f-string included), a number followed by "parameters", "weights" or "(loss) evaluations"
  is typed, so it fails: it must be a substitution (``{n:,} parameters``).
- In markdown (notebooks and book/*.md), a network written as widths "a-b-c…" followed in the
  same sentence by "N parameters" or "N loss evaluations" is checked: N must be the MLP's
  parameter count (with or without biases) or twice it for the evaluations of a
  central-difference gradient check.

What they cannot detect: a typed number in prose with no network shape next to it (the
published sizes of GPT-3 or BERT are facts from papers, not computations); rounded
statements ("about 9 000 parameters"); numbers of other kinds (accuracies, times, FLOPs),
which the notebooks' asserts and f-strings cover case by case.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bookutils.sizing.param_count import mlp_params
from tools import nbtool

ROOT = Path(__file__).resolve().parents[1]

NUMBER = r"\d(?:[\d,\u202f\u2009]|\\,| (?=\d{3}\b))*"
COUNT_WORDS = r"(?:parameters?|weights|(?:loss )?evaluations)"
TYPED_COUNT = re.compile(rf"(?<![\w.{{}}])({NUMBER})[\s-]*{COUNT_WORDS}\b")
SHAPE = re.compile(r"(?<![\w-])(\d+(?:[-–]\d+){2,})(?![\w-])")
SHAPE_COUNT = re.compile(
    rf"(?<![\w.{{}}])({NUMBER})[\s-]*(parameters?|(?:loss )?evaluations)\b"
)


def _int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def typed_counts_in_prints(code: str) -> list[str]:
    """Counts typed into the string literals of ``print`` calls (f-strings' literal parts too)."""
    try:
        tree = ast.parse(code)
    except (
        SyntaxError
    ):  # cell magics and shell escapes: not Python, nothing printed
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            for arg in node.args:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        found += [
                            m.group(0) for m in TYPED_COUNT.finditer(sub.value)
                        ]
    return found


def shape_count_mismatches(text: str) -> list[str]:
    """Sentences that give a network's widths and a parameter or evaluation count that disagree."""
    bad = []
    for sentence in re.split(r"(?<=[.;:!?])\s+|\n\n", text):
        shapes = [
            [int(w) for w in re.split("[-–]", m.group(1))]
            for m in SHAPE.finditer(sentence)
        ]
        if not shapes:
            continue
        counts = set()
        for widths in shapes:
            for bias in (True, False):
                counts |= {mlp_params(widths, bias=bias)}
        for m in SHAPE_COUNT.finditer(sentence):
            value, unit = _int(m.group(1)), m.group(2)
            allowed = {2 * c for c in counts} if "evaluation" in unit else counts
            if value not in allowed:
                bad.append(
                    f"{m.group(0)!r} in {sentence.strip()[:120]!r} "
                    f"(the widths give {sorted(allowed)})"
                )
    return bad


def test_detectors_catch_the_old_mistakes():
    old_31 = (
        "The check runs on a smaller network with two hidden layers (64-16-12-10, 1210 "
        "parameters) and\na batch of 10 digits, so that the 2420 loss evaluations it needs "
        "take about a second."
    )
    assert len(shape_count_mismatches(old_31)) == 2
    right = old_31.replace("1210", "1374").replace("2420", "2748")
    assert shape_count_mismatches(right) == []
    assert (
        shape_count_mismatches("The 784-256-10 network has 203 530 parameters.")
        == []
    )
    assert (
        shape_count_mismatches("The 784-256-10 network has 203,530 parameters.")
        == []
    )
    assert (
        shape_count_mismatches("A 784-256-10 network has 203\\,520 parameters.")
        != []
    )
    assert typed_counts_in_prints(
        'print(f"2 × 1210 parameters checked in {t:.1f} s")'
    ) == ["1210 parameters"]
    assert typed_counts_in_prints(
        'print(f"measured on a 1210-parameter network: {t}")'
    ) == ["1210-parameter"]
    assert (
        typed_counts_in_prints(
            'print(f"2 × {n:,} parameters ({2 * n:,} loss evaluations)")'
        )
        == []
    )
    assert typed_counts_in_prints('print("convolution: 1216 parameters")') == [
        "1216 parameters"
    ]
    assert typed_counts_in_prints("%timeit f()") == []


NOTEBOOKS = sorted(ROOT.glob("notebooks/*/*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_counts_are_computed(path):
    nb = nbtool.load(path)
    problems = []
    for i, cell in enumerate(nb["cells"]):
        text = nbtool.source(cell)
        if cell["cell_type"] == "code":
            problems += [
                f"cell {i}: printed {t!r} is typed; substitute the computed value"
                for t in typed_counts_in_prints(text)
            ]
        elif cell["cell_type"] == "markdown":
            problems += [f"cell {i}: {p}" for p in shape_count_mismatches(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_page_counts_agree(path):
    problems = shape_count_mismatches(path.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)
