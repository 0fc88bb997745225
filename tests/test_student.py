"""The student edition: solutions out, stubs in, self-checks kept and answering."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools import nbtool, student

NOTEBOOKS = nbtool.all_notebooks()
IDS = [p.stem for p in NOTEBOOKS]


def solution_cells(nb: dict) -> dict[str, list[dict]]:
    """The code cells inside each gated solution, by exercise label."""
    found: dict[str, list[dict]] = {}
    label = None
    for cell in nb["cells"]:
        src = nbtool.source(cell)
        if cell["cell_type"] == "markdown":
            for kind, name in re.findall(r"\{solution-(start|end)\}\s*(\S*)", src):
                label = name if kind == "start" else None
        elif label:
            found.setdefault(label, []).append(cell)
    return found


def solution_only_lines(nb: dict) -> set[str]:
    """Lines of solution code and solution text that appear nowhere else in the notebook."""
    inside_code = [c for cells in solution_cells(nb).values() for c in cells]
    inside_text = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            src = nbtool.source(cell)
            inside_text += [m.group(0) for m in student.FOLDED.finditer(src)]
            for part in re.split(r"\{solution-end\}", src)[:-1]:
                inside_text.append(part.split("{solution-start}")[-1])
    outside = "\n".join(
        nbtool.source(c) for c in nb["cells"] if c not in inside_code
    )
    lines = set()
    for cell in inside_code:
        lines |= {
            ln.strip()
            for ln in nbtool.source(cell).splitlines()
            if len(ln.strip()) >= 12
            and not ln.lstrip().startswith(("def ", "assert"))
            and '"""' not in ln
            and "'''" not in ln
        }  # docstrings are kept
    for text in inside_text:
        lines |= {
            ln.strip()
            for ln in text.splitlines()
            if len(ln.strip()) >= 30 and not ln.strip().startswith(("```", ":"))
        }
    return {ln for ln in lines if ln not in outside}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_copy_is_valid_and_free_of_solutions(path):
    original = nbtool.load(path)
    copy = student.student_notebook(original)
    nbformat.validate(nbformat.from_dict(copy))
    text = "\n".join(nbtool.source(c) for c in copy["cells"])
    assert "{solution" not in text
    leaked = [ln for ln in solution_only_lines(original) if ln in text]
    assert not leaked, f"solution text survives: {leaked[:3]}"
    for cell in copy["cells"]:
        if cell["cell_type"] == "code":
            ast.parse(student.strip_magics(nbtool.source(cell)))
    stubs = [
        c
        for c in copy["cells"]
        if student.STUB_TAG in c["metadata"].get("tags", [])
    ]
    assert {c["metadata"]["exercise"] for c in stubs} == set(
        solution_cells(original)
    )
    assert any("check_" in nbtool.source(c) for c in stubs), (
        "no self-check kept for learners"
    )


def test_stub_keeps_signature_and_check_and_drops_the_rest():
    code = (
        'def my_f(x, y=2):\n    """Doc."""\n    return x + y\n\n\n'
        'total = my_f(1)\nassert bu.check_f(my_f), "wrong"\n'
    )
    stub = student.stub_source(code, "ex-1")
    assert stub.startswith(
        'def my_f(x, y=2):\n    """Doc."""\n    raise NotImplementedError('
    )
    assert "bu.check_f(my_f)" in stub and "assert" not in stub
    assert "return x + y" not in stub and "total" not in stub
    assert student.stub_source("x = 1\nprint(x)\n", "ex-2") is None


def test_unclosed_solution_is_an_error():
    nb = nbtool.new_notebook("9.9 Demo")
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "````{solution-start} ex-1\n:class: dropdown\n````",
        }
    )
    with pytest.raises(ValueError, match="no matching"):
        student.student_notebook(nb)


def test_command_writes_every_notebook(tmp_path):
    assert student.main([str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.ipynb"))
    assert written == sorted(p.relative_to(nbtool.ROOT) for p in NOTEBOOKS)


def execute(nb: dict, cwd: Path) -> dict:
    node = nbformat.from_dict(nb)
    NotebookClient(
        node,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    return node


BUILD_IT_YOURSELF = re.compile(r"\{exercise\}[^\n]*Build it yourself")


def build_it_yourself_notebooks() -> list[Path]:
    """The chapters with a "Build it yourself" exercise, and 4.1 (the first self-checks)."""
    found = [p for p in NOTEBOOKS if BUILD_IT_YOURSELF.search(p.read_text("utf-8"))]
    first = nbtool.ROOT / "notebooks" / "04_math" / "4_1_perceptron.ipynb"
    return sorted(set(found) | {first})


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", build_it_yourself_notebooks(), ids=lambda p: p.stem
)
def test_student_edition_runs_and_its_checks_answer(path):
    original = nbtool.load(path)
    copy = student.student_notebook(original)
    ran = execute(copy, path.parent)  # runs top to bottom: stubs do not crash it
    stub_outputs = [
        "".join(o.get("text", "") for o in c.outputs)
        for c in ran.cells
        if student.STUB_TAG in c.metadata.get("tags", []) and "check_" in c.source
    ]
    assert stub_outputs and all(
        "✗" in out
        and "raised NotImplementedError" in out
        and "Traceback" not in out
        for out in stub_outputs
    ), stub_outputs

    # Put the solutions back where the stubs are: every self-check passes again.
    solutions = solution_cells(original)
    restored = []
    for cell in copy["cells"]:
        label = cell["metadata"].get("exercise")
        restored += (
            solutions.pop(label) if label in solutions else [] if label else [cell]
        )
    ran = execute({**copy, "cells": restored}, path.parent)
    checks = [
        "".join(o.get("text", "") for o in c.outputs)
        for c in ran.cells
        if "check_" in c.source and "solution" in c.metadata.get("tags", [])
    ]
    assert checks and all("✓" in out for out in checks), checks
