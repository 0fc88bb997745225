"""One source for lesson code: a notebook's code cells define exactly the package's functions.

A chapter that writes its lesson code in cells keeps the package copy identical; the test
compares the two as parsed code (comments and layout may differ, the code may not).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path


def definitions(source: str, names: set[str]) -> dict[str, str]:
    """The parsed form of each top-level function or class in ``names``."""
    return {
        node.name: ast.dump(node)
        for node in ast.parse(source).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names
    }


def notebook_code(notebook: Path) -> str:
    """The code cells a reader runs, without the setup cell and the exercise solutions."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code"
        and not {"setup", "solution"} & set(c["metadata"].get("tags", []))
    )


def assert_notebook_shows(notebook: Path, module, names: set[str]) -> None:
    """Every name is defined both in the notebook's cells and in ``module``, identically."""
    shown = definitions(notebook_code(notebook), names)
    package = definitions(Path(module.__file__).read_text(encoding="utf-8"), names)
    assert set(shown) == names, (
        f"{notebook.name} does not define {sorted(names - set(shown))}"
    )
    assert set(package) == names, (
        f"{module.__name__} lacks {sorted(names - set(package))}"
    )
    for name in sorted(names):
        assert shown[name] == package[name], (
            f"{notebook.name}'s {name} differs from {module.__name__}.{name}"
        )
