"""The notebook conventions of CONTRIBUTING.md, enforced on every notebook."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from tools import nbtool

ROOT = nbtool.ROOT
NOTEBOOKS = nbtool.all_notebooks()
IDS = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]
BIB_KEYS = set(
    re.findall(
        r"^@\w+\{([^,\s]+),", (ROOT / "book/references.bib").read_text(), re.M
    )
)


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", [])]
    return files


def markdown(nb: dict) -> str:
    return "\n".join(
        nbtool.source(c) for c in nb["cells"] if c["cell_type"] == "markdown"
    )


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


def test_toc_and_files_agree():
    listed = toc_files()
    for entry in listed:
        assert any(
            (ROOT / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")
        ), f"_toc.yml lists {entry}, which does not exist"
    for nb_id in IDS:
        assert nb_id.removesuffix(".ipynb") in listed, (
            f"{nb_id} is not listed in _toc.yml"
        )


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request) -> tuple[Path, dict]:
    return request.param, nbtool.load(request.param)


def test_valid_nbformat_and_kernel(notebook):
    path, nb = notebook
    nbformat.validate(
        nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    )
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_committed_without_outputs(notebook):
    path, nb = notebook
    for cell in code_cells(nb):
        assert not cell["outputs"] and cell["execution_count"] is None, (
            f"{path.name}: outputs are committed; run `make strip`"
        )


def test_file_name_matches_title(notebook):
    path, nb = notebook
    header = nbtool.parse_header(nb)
    major, minor = header["number"].split(".")
    assert re.fullmatch(rf"0?{major}_[a-z0-9_]+", path.parent.name), path
    assert path.name.startswith(f"{major}_{minor}_"), (
        f"{path.name} vs {header['number']}"
    )


def test_setup_cell_is_first_and_identical(notebook):
    path, nb = notebook
    first = code_cells(nb)[0]
    assert {"setup", "remove-cell"} <= set(nbtool.tags(first)), (
        f"{path.name}: the first code cell must be tagged 'setup' and 'remove-cell'"
    )
    assert nbtool.source(first) == nbtool.setup_source(nbtool.chapter_extras(nb)), (
        f"{path.name}: setup cell differs from the template; run `make sync`"
    )
    others = [c for c in code_cells(nb)[1:] if "setup" in nbtool.tags(c)]
    assert not others, "only one setup cell per notebook"


def test_header(notebook):
    path, nb = notebook
    header = nbtool.parse_header(nb)
    assert len(header["objectives"]) >= 2 and "..." not in header["objectives"]
    assert 10 <= header["minutes"] <= 240
    for link in re.findall(r"\]\(([^)]+)\)", header["prerequisites"]):
        target = (path.parent / link.split("#")[0]).resolve()
        assert target.is_file(), (
            f"{path.name}: prerequisite link {link} does not exist"
        )
    assert header["prerequisites"] != "...", (
        f"{path.name}: prerequisites not filled in"
    )


def test_arc_summary_and_exercises(notebook):
    path, nb = notebook
    text = markdown(nb)
    for heading in ("## Overview", "## Summary", "## Exercises"):
        assert re.search(rf"^{heading}\s*$", text, re.M), (
            f"{path.name}: no '{heading}'"
        )
    assert text.index("## Summary") < text.index("## Exercises")


def test_exercises_have_solutions(notebook):
    path, nb = notebook
    text = markdown(nb)
    labels = re.findall(r"^```+\{exercise\}.*\n:label: (\S+)", text, re.M)
    solved = set(re.findall(r"^```+\{solution(?:-start)?\} (\S+)", text, re.M))
    assert len(labels) >= 3, (
        f"{path.name}: {len(labels)} exercises, at least 3 required"
    )
    assert len(set(labels)) == len(labels), "exercise labels must be unique"
    assert set(labels) == solved, (
        f"{path.name}: exercises without solution: "
        f"{set(labels) - solved}; solutions without exercise: {solved - set(labels)}"
    )
    for line in re.findall(r"^```+\{solution(?:-start)?\}.*\n(.*)", text, re.M):
        assert line.strip() == ":class: dropdown", (
            "solutions are folded: ':class: dropdown'"
        )
    starts = len(re.findall(r"\{solution-start\}", text))
    assert starts == len(re.findall(r"\{solution-end\}", text)), (
        "unbalanced solution-start/end"
    )


def test_solution_code_cells_are_tagged(notebook):
    """Code inside a gated solution carries the 'solution' tag (the student edition needs it)."""
    path, nb = notebook
    inside = False
    for cell in nb["cells"]:
        src = nbtool.source(cell)
        if cell["cell_type"] == "markdown":
            if "{solution-end}" in src:
                inside = False
            if "{solution-start}" in src:
                inside = True
        elif inside:
            assert "solution" in nbtool.tags(cell), (
                f"{path.name}: untagged solution code"
            )


def test_checked_claims_and_self_check(notebook):
    path, nb = notebook
    code = "\n".join(nbtool.source(c) for c in code_cells(nb))
    asserts = len(re.findall(r"^\s*assert\b", code, re.M))
    assert asserts >= 3, (
        f"{path.name}: {asserts} asserts, at least 3 checked claims required"
    )
    assert re.search(r"\bcheck_\w+\(", code), (
        f"{path.name}: no bookutils self-check is used"
    )


def test_figures_have_alt_text(notebook):
    path, nb = notebook
    for i, cell in enumerate(code_cells(nb)):
        if "plt.show()" in nbtool.source(cell):
            alt = (
                cell.get("metadata", {})
                .get("mystnb", {})
                .get("image", {})
                .get("alt", "")
            )
            assert len(alt) >= 20, (
                f"{path.name}: code cell {i} draws a figure without alt text"
            )


def test_citations_exist(notebook):
    path, nb = notebook
    for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", markdown(nb)):
        for key in group.split(","):
            assert key.strip() in BIB_KEYS, f"{path.name}: unknown citation {key}"


def test_book_pages_cite_existing_keys():
    for page in (ROOT / "book").glob("*.md"):
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", page.read_text()):
            for key in group.split(","):
                assert key.strip() in BIB_KEYS, (
                    f"{page.name}: unknown citation {key}"
                )
