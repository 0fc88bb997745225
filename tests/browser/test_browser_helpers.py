"""The browser tests' helpers and book/_ext/offline_html.py, on small hand-made inputs
(no browser, no built book: these run in `make unit`)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pytest
from sitecheck import ROOT, broken_links, heading_jumps, pages, scan, weight_summary

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import offline_html  # noqa: E402


def _site(tmp_path: Path) -> Path:
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.html").write_text("<p>asset</p>")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "index.html").write_text(
        '<meta http-equiv="refresh" content="0; a.html">'
    )
    (tmp_path / "a.html").write_text(
        '<article><h1 id="top">A</h1><h2>B</h2><a href="notebooks/b.html#sec">ok</a>'
        '<a href="notebooks/b.html#nowhere">bad anchor</a><a href="missing.html">gone</a>'
        '<a href="https://example.org/">external</a><a href="#top">self</a></article>'
    )
    (tmp_path / "notebooks" / "b.html").write_text(
        '<article><h1>B</h1><h3 id="sec">skips h2</h3></article>'
    )
    return tmp_path


def test_pages_lists_book_pages_only(tmp_path):
    assert pages(_site(tmp_path)) == ["a.html", "notebooks/b.html"]
    with pytest.raises(ValueError, match="built book folder"):
        pages(tmp_path / "nope")


def test_broken_links_finds_missing_files_and_anchors(tmp_path):
    checked, bad = broken_links(_site(tmp_path), "a.html")
    assert checked == 4  # the external link is not followed
    assert sorted(bad) == [
        ("missing.html", "no such file"),
        ("notebooks/b.html#nowhere", "no such anchor"),
    ]


def test_headings(tmp_path):
    site = _site(tmp_path)
    assert scan(site / "a.html").headings == [1, 2]
    assert heading_jumps([1, 2, 3, 2, 3]) == []
    assert heading_jumps(scan(site / "notebooks" / "b.html").headings) == [(1, 3)]
    assert heading_jumps([2]) == [(0, 2)]  # a page must start with its h1


def test_weight_summary():
    assert weight_summary({"a": 1, "b": 5, "c": 3}) == (5, 3)
    with pytest.raises(ValueError, match="at least one"):
        weight_summary({})


def test_strip_cdn_links_removes_only_the_font_awesome_cdn():
    body = (
        '<link rel="stylesheet"\n href="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/'
        'css/font-awesome.min.css"><link rel="stylesheet" href="../_static/x.css">'
    )
    assert (
        offline_html.strip_cdn_links(body)
        == '<link rel="stylesheet" href="../_static/x.css">'
    )


def test_unique_scripts_keeps_first_of_each():
    a = SimpleNamespace(filename=None, attributes={"body": "const X = 1;"})
    b = SimpleNamespace(filename=None, attributes={"body": "const X = 1;"})
    c = SimpleNamespace(filename="_static/y.js", attributes={})
    assert offline_html.unique_scripts([a, c, b, "z.js", "z.js"]) == [a, c, "z.js"]


def test_vendor_check_names_the_make_target(tmp_path, monkeypatch):
    monkeypatch.setattr(offline_html, "VENDOR", tmp_path)
    config = SimpleNamespace(html_static_path=[], templates_path=[])
    with pytest.raises(Exception, match="make vendor"):
        offline_html._add_vendor(None, config)
    assert config.html_static_path == []


def test_unique_ids_numbers_the_repeats_only():
    body = (
        '<div class="proof admonition" id="proof"><div id="proof-content">a</div></div>'
        '<div class="proof admonition" id="proof"><div id="proof-content">b</div></div>'
        '<div id="solution-content"></div><p id="proof-2x"></p><span id="proof">c</span>'
    )
    out = offline_html.unique_ids(body)
    ids = re.findall(r'id="([^"]+)"', out)
    assert ids == [
        "proof",
        "proof-content",
        "proof-2",
        "proof-content-2",
        "solution-content",
        "proof-2x",
        "proof-3",
    ]
    assert offline_html.unique_ids("<p>no ids</p>") == "<p>no ids</p>"


def test_repeated_ids_are_found(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        '<div id="a"></div><div id="b"></div><div id="a"></div><a name="b"></a>'
    )
    assert scan(page).repeated_ids == ["a"]


def test_template_override_is_not_rewritten_when_unchanged(tmp_path, monkeypatch):
    """Sphinx rebuilds every page when a template is newer than it: rewriting the theme
    override on each build made a 'nothing changed' rebuild write all pages (12.8 s, not 3.6)."""
    monkeypatch.setattr(offline_html, "TEMPLATES", tmp_path)
    target = tmp_path / "static" / "webpack-macros.html"
    offline_html._override_macros(SimpleNamespace(templates_path=[]))
    assert "fontawesome.js" not in target.read_text(encoding="utf-8")
    old = 1_000_000_000
    os.utime(target, (old, old))
    config = SimpleNamespace(templates_path=["theme"])
    offline_html._override_macros(config)
    assert target.stat().st_mtime == old  # same content: left alone
    assert config.templates_path == [str(tmp_path), "theme"]
    target.write_text("stale", encoding="utf-8")
    offline_html._override_macros(config)
    assert "stale" not in target.read_text(encoding="utf-8")  # different: rewritten


# Perceptually uniform maps, grey ramps, and the ColorBrewer maps its authors mark
# colour-blind safe (single-hue sequential ramps; the diverging RdBu, PuOr and BrBG).
READABLE_MAPS = {
    "viridis",
    "cividis",
    "plasma",
    "inferno",
    "magma",
    "gray",
    "Greys",
    "binary",
    "Blues",
    "Greens",
    "Oranges",
    "Purples",
    "RdBu",
    "PuOr",
    "BrBG",
}
CMAP = re.compile(
    r"""cmap\s*=\s*\\?["']([A-Za-z_]+)\\?["']|(?:cm|colormaps)\.([A-Za-z_]+)"""
)


def test_colour_maps_are_readable_by_colour_blind_readers():
    sources = [
        *ROOT.glob("notebooks/**/*.ipynb"),
        *ROOT.glob("src/bookutils/**/*.py"),
    ]
    assert len(sources) > 27
    used = {}
    for path in sources:
        for m in CMAP.finditer(path.read_text(encoding="utf-8")):
            name = (m.group(1) or m.group(2)).removesuffix("_r")
            if name not in {"get_cmap", "ScalarMappable"}:
                used.setdefault(name, path.relative_to(ROOT).as_posix())
    bad = {name: where for name, where in used.items() if name not in READABLE_MAPS}
    assert not bad, f"colour maps that are not perceptually uniform: {bad}"
    assert (
        matplotlib.rcParams["image.cmap"] == "viridis"
    )  # the default for cmap-less imshow
