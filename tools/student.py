"""Write the student edition: every notebook with its solutions taken out.

    python tools/student.py [OUT_DIR]        (default: _build/student)

Built from the same notebooks, never kept by hand. Inside each gated solution
(``{solution-start}`` ... ``{solution-end}``) the text goes, and each code cell (tagged
``solution``) becomes a stub: the functions it defines keep their signatures but raise
``NotImplementedError`` with a hint, and its self-check calls stay (without ``assert``), so a
learner who runs the cell gets feedback from the check rather than a crash. A code solution
that defines no function becomes a comment saying where the learner's code goes. Folded
``{solution}`` blocks are removed whole. Everything else is copied unchanged.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from tools import nbtool

START = re.compile(
    r"^(`{3,})\{solution-start\} (\S+)[^\n]*\n(?::[^\n]*\n)*\1[ \t]*$", re.M
)
END = re.compile(r"^(`{3,})\{solution-end\}[^\n]*\n\1[ \t]*$", re.M)
FOLDED = re.compile(r"^(`{3,})\{solution\}.*?^\1[ \t]*$\n?", re.M | re.S)
CHECK_CALL = re.compile(
    r"^\s*(?:assert\s+)?((?:\w+\.)*check_\w+\(.*\))\s*(?:,.*)?$"
)
STUB_TAG = "student-stub"


def stub_source(code: str, label: str) -> str | None:
    """The stub for one solution cell, or None when the cell has nothing to keep."""
    tree = ast.parse(strip_magics(code))
    lines = code.splitlines()
    out: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            end = node.lineno - 1  # the line that closes the signature with ':'
            while not lines[end].split("#")[0].rstrip().endswith(":"):
                end += 1
            signature = lines[node.lineno - 1 : end + 1]
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(
                first.value, ast.Constant
            ):
                signature += lines[
                    first.lineno - 1 : first.end_lineno
                ]  # keep docstring
            indent = " " * (node.col_offset + 4)
            out += signature + [
                f'{indent}raise NotImplementedError("exercise {label}: write'
                f' {node.name}() yourself, then run this cell")',
                "",
            ]
    checks = [m.group(1) for line in lines if (m := CHECK_CALL.match(line))]
    if checks:
        out += [
            "# Check your function: ✓ means it agrees with the book's, ✗ says what to fix."
        ]
        out += checks
    if not out:
        return None
    return "\n".join(out).strip() + "\n"


def strip_magics(code: str) -> str:
    """Replace IPython magics (%, !) by ``pass`` so that ast can parse the cell."""
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass"
        if line.lstrip().startswith(("%", "!"))
        else line
        for line in code.splitlines()
    )


def _split_markdown(text: str, inside: bool, label: str) -> tuple[str, bool, str]:
    """Drop the parts of a markdown cell that lie inside gated solutions.

    Returns the text kept, whether the cell ends inside a solution, and the label of the
    last solution that started in it ("" if none did).
    """
    kept, pos = [], 0
    markers = sorted(
        [(m.start(), m.end(), "start", m.group(2)) for m in START.finditer(text)]
        + [(m.start(), m.end(), "end", "") for m in END.finditer(text)]
    )
    label = ""
    for start, end, kind, name in markers:
        if not inside:
            kept.append(text[pos:start])
        inside, pos = kind == "start", end
        label = name or label
    if not inside:
        kept.append(text[pos:])
    return FOLDED.sub("", "".join(kept)), inside, label


def student_notebook(nb: dict) -> dict:
    """A copy of ``nb`` with every solution removed or turned into a stub."""
    cells, inside, label, placeholder_done = [], False, "", False
    for cell in nb["cells"]:
        src = nbtool.source(cell)
        if cell["cell_type"] == "markdown":
            text, inside, started = _split_markdown(src, inside, label)
            if started:
                label, placeholder_done = started, False
            if text.strip():
                cells.append({**cell, "source": text.strip() + "\n"})
            continue
        if not inside:
            cells.append(cell)
            continue
        stub = stub_source(src, label)
        if stub is None and not placeholder_done:
            stub = f"# Exercise {label}: write your code here.\n"
        if stub is not None:
            placeholder_done = True
            cells.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "outputs": [],
                    "metadata": {"tags": [STUB_TAG], "exercise": label},
                    "source": stub,
                }
            )
    if inside:
        raise ValueError("a {solution-start} has no matching {solution-end}")
    out = {
        **nb,
        "cells": cells,
        "metadata": {**nb["metadata"], "book_edition": "student"},
    }
    return nbtool.strip(out)


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else nbtool.ROOT / "_build" / "student"
    notebooks = nbtool.all_notebooks()
    for path in notebooks:
        target = out_dir / path.relative_to(nbtool.ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbtool.save(target, student_notebook(nbtool.load(path)))
    print(f"wrote the student edition of {len(notebooks)} notebooks to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
