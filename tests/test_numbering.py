"""Figures and display equations carry names, so that the book numbers them per chapter
("Figure 4.1.2", "(4.3.5)", book/_ext/reader.py) and prose can refer to them by label
({numref}`fig-4-1-...`, {eq}`eq-4-3-5`) instead of "the figure below"."""

from __future__ import annotations

import re

import pytest

from tools import nbtool

NOTEBOOKS = nbtool.all_notebooks()
IDS = [p.stem for p in NOTEBOOKS]
# A display equation: $$ ... $$ on lines of their own, with an optional "(label)" after it.
DISPLAY = re.compile(
    r"^[ \t]*\$\$(?!\$)(.*?)\$\$[ \t]*(?:\((?P<label>[^)\n]*)\))?[ \t]*$",
    re.M | re.S,
)


def prefix(path) -> str:
    major, minor = path.stem.split("_")[:2]
    return f"{major}-{minor}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_a_caption_and_a_name(path):
    names = []
    for cell in nbtool.load(path)["cells"]:
        meta = cell["metadata"].get("mystnb", {})
        if cell["cell_type"] != "code" or "image" not in meta:
            continue  # a figure cell is one whose picture has alt text
        figure = meta.get("figure", {})
        assert figure.get("caption") and figure.get("name"), (
            f"{path.name}, cell {cell['id']}: a figure needs metadata"
            ' mystnb.figure = {"caption": ..., "name": "fig-%s-..."}' % prefix(path)
        )
        assert figure["name"].startswith(f"fig-{prefix(path)}-"), figure["name"]
        names.append(figure["name"])
    assert len(names) == len(set(names)), f"{path.name}: figure names repeat"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_display_equation_has_a_label(path):
    labels = []
    for cell in nbtool.load(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for match in DISPLAY.finditer(nbtool.source(cell)):
            label = match.group("label")
            assert label and label.startswith(f"eq-{prefix(path)}-"), (
                f"{path.name}, cell {cell['id']}: display equation without a label"
                f" '(eq-{prefix(path)}-N)' after its closing $$: {match.group(0)[:60]!r}"
            )
            labels.append(label)
    assert len(labels) == len(set(labels)), f"{path.name}: equation labels repeat"


def test_display_pattern_reads_labels():
    text = "Text\n\n$$\na = b\n$$ (eq-4-1-1)\n\n$$ c = d $$\n"
    found = [m.group("label") for m in DISPLAY.finditer(text)]
    assert found == ["eq-4-1-1", None]
