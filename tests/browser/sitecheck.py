"""Checks of the built HTML book that need no browser: pages, links, anchors, headings."""

from __future__ import annotations

import os
import statistics
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}


def book_dir() -> Path:
    """The built HTML book the tests check: ``$BOOK_HTML`` or ``_build/html``."""
    return Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()


def pages(html: Path) -> list[str]:
    """Every HTML page of the book under ``html``, as paths relative to it (``index.html``,
    a redirect, and the copied assets excluded)."""
    if not html.is_dir():
        raise ValueError(f"expected a built book folder, got {html}")
    out = []
    for path in sorted(html.rglob("*.html")):
        rel = path.relative_to(html)
        if rel.parts[0] in SKIP_DIRS or rel.as_posix() == "index.html":
            continue
        out.append(rel.as_posix())
    return out


class _Scan(HTMLParser):
    """Collects ids, links and headings of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.repeated_ids: list[str] = []  # id attributes seen before on the page
        self.links: list[str] = []
        self.headings: list[int] = []
        self._in_article = 0

    def handle_starttag(
        self, tag: str, attrs: list[tuple[str, str | None]]
    ) -> None:
        a = dict(attrs)
        if a.get("id") and a["id"] in self.ids:
            self.repeated_ids.append(a["id"] or "")
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "article":
            self._in_article += 1
        if (
            self._in_article
            and len(tag) == 2
            and tag[0] == "h"
            and tag[1] in "123456"
        ):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._in_article:
            self._in_article -= 1


def scan(path: Path) -> _Scan:
    """Parse one HTML file."""
    parser = _Scan()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(
    html: Path, page: str, cache: dict[str, _Scan] | None = None
) -> tuple[int, list]:
    """``(number of internal links checked, [(href, why), ...])`` for one page.

    An internal link is relative or starts with ``#``; it must name an existing file, and
    its ``#anchor`` (if any) must be an ``id`` or ``name`` in that file. Links to other
    hosts, ``mailto:`` and the like are not followed (the book must work offline).
    """
    cache = {} if cache is None else cache
    here = html / page
    if page not in cache:
        cache[page] = scan(here)
    checked, bad = 0, []
    for href in cache[page].links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        checked += 1
        target = (
            (here.parent / unquote(parts.path)).resolve() if parts.path else here
        )
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            bad.append((href, "no such file"))
            continue
        if parts.fragment and target.suffix == ".html":
            key = target.relative_to(html).as_posix()
            if key not in cache:
                cache[key] = scan(target)
            if unquote(parts.fragment) not in cache[key].ids:
                bad.append((href, "no such anchor"))
    return checked, bad


def heading_jumps(levels: list[int]) -> list[tuple[int, int]]:
    """Pairs (previous, next) of heading levels where a level is skipped going down
    (an h2 followed by an h4, say); the first heading must be an h1."""
    jumps = []
    previous = 0
    for level in levels:
        if level > previous + 1:
            jumps.append((previous, level))
        previous = level
    return jumps


def weight_summary(weights: dict[str, int]) -> tuple[int, float]:
    """``(largest, median)`` of the page weights in bytes."""
    if not weights:
        raise ValueError("expected at least one page weight")
    return max(weights.values()), statistics.median(weights.values())
