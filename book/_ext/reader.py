"""What a reader of the HTML book meets besides the chapters' own text.

- Exercises, figures, tables, display equations and theorems are numbered per chapter:
  "Exercise 4.1.5" (chapter 4.1, fifth exercise), "Figure 4.1.2", "(4.1.3)", "Theorem
  4.1.1", the way the prose and readers count them, instead of Sphinx's running numbers
  across the book. Prose refers
  to them by label (``{ref}`ex-4-1-xor```, ``{numref}`fig-4-1-geometry```,
  ``{eq}`eq-4-1-1```), so the number it shows is the one the target carries
  (tests/test_reader.py fails on a typed exercise number).
- A solution's title is plain text: the whole title opens the solution (it was a link that
  jumped to the exercise and threw a script error); static/reader.js sends clicks on
  anything inside a toggle's title to the toggle, and static/reader.css prints solutions
  open.
- Every page ends with a "report a mistake" link to the repository's issues (the address
  comes from ``repository.url`` in _config.yml, through the theme's ``repository_url``).
- Search: the spellings of the glossary's terms (book/glossary.yml) find the same pages.
  The index gives a page that writes "backpropagation" the words of "back-propagation" too,
  and reader.js rewrites a query's variant spelling to the glossary's before it is run.
  Result snippets skip the page's navigation, code cells and raw maths.
- The glossary's Chinese column carries ``lang="zh-Hans"``; sphinx-proof's index page of raw
  labels is not built; the cover page (book/cover.md) is the book's root; the book has a
  favicon (static/favicon.svg), so browsers no longer ask for a missing /favicon.ico.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.search.en import SearchEnglish

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "book" / "glossary.yml"
# notebooks/04_math/4_1_perceptron -> (4, 1)
_CHAPTER = re.compile(r"^notebooks/\d+_[^/]+/(\d+)_(\d+)_")


def chapter_of(docname: str) -> tuple[int, int] | None:
    """``(4, 1)`` for the notebook of chapter 4.1, None for a page that is no chapter."""
    m = _CHAPTER.match(docname)
    return (int(m.group(1)), int(m.group(2))) if m else None


def number_per_chapter(
    fignumbers: dict[str, dict[str, dict[str, tuple[int, ...]]]],
    kind: str = "exercise",
) -> list[str]:
    """Renumber the ``kind`` blocks of each chapter page 4.1.1, 4.1.2... in page order.

    ``fignumbers`` is Sphinx's ``env.toc_fignumbers`` (docname -> kind -> id -> number),
    changed in place; the pages whose numbers changed are returned."""
    changed = []
    for docname, kinds in fignumbers.items():
        chapter = chapter_of(docname)
        if chapter is None or kind not in kinds:
            continue
        ordered = sorted(kinds[kind].items(), key=lambda item: item[1])
        new = {
            ident: (*chapter, k) for k, (ident, _) in enumerate(ordered, start=1)
        }
        if new != kinds[kind]:
            kinds[kind] = new
            changed.append(docname)
    return changed


def _note_reread(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Sphinx purges a page before it reads it again and when it is removed."""
    app.bu_docs_reread = True


def _assign_per_chapter(assign):
    """Sphinx's figure numbering, then every numbered kind (exercises, figures, equations,
    tables, theorems...) renumbered per chapter; the pages to rewrite are those whose final
    numbers differ from the last build's (renumbering afterwards, in an event handler, made
    every chapter look changed on every build: a no-change rebuild rewrote all of them)."""

    def assign_figure_numbers(self, env: BuildEnvironment) -> list[str]:
        if not getattr(env.app, "bu_docs_reread", True):
            # No page read or removed since the last build: the numbers stand. (Sphinx
            # would load every page's doctree to recount them: 13 s of a 17 s rebuild.)
            return []
        old = env.toc_fignumbers
        assign(self, env)
        new = env.toc_fignumbers
        for kind in sorted({kind for numbers in new.values() for kind in numbers}):
            number_per_chapter(new, kind)
        return sorted(d for d in set(old) | set(new) if old.get(d) != new.get(d))

    return assign_figure_numbers


# --- solution titles -------------------------------------------------------------------

_SOLUTION_TITLE = re.compile(
    r'(<div class="solution[^"]*"[^>]*>\s*<p class="admonition-title">[^<]*)'
    r'<a class="reference internal" href="[^"]*">(.*?)</a>(</p>)',
    re.S,
)


def plain_solution_titles(body: str) -> str:
    """``body`` with the link to the exercise taken out of every solution's title."""
    return _SOLUTION_TITLE.sub(r"\1\2\3", body)


# --- "report a mistake" ------------------------------------------------------------------


def report_link(repository_url: str, pagename: str, title: str) -> str:
    """The HTML of the "report a mistake" paragraph for one page."""
    base = repository_url.rstrip("/")
    query = (
        f"title={quote('Mistake in ' + title)}"
        f"&body={quote('Page: ' + pagename + chr(10) + chr(10) + 'What is wrong:')}"
    )
    return (
        f'<p class="bu-report"><a href="{html.escape(base)}/issues/new?'
        f'{html.escape(query)}">Report a mistake on this page</a> '
        "(opens the book's issue tracker)</p>"
    )


# --- search ------------------------------------------------------------------------------


def _names(term: str) -> list[str]:
    """The names a glossary term goes by: "threshold unit (McCulloch–Pitts neuron)" gives
    both "threshold unit" and "McCulloch–Pitts neuron"."""
    m = re.match(r"^(.*?)\s*\(([^)]*)\)\s*$", term)
    return [n.strip() for n in (m.groups() if m else (term,)) if n.strip()]


def _spellings(name: str) -> set[str]:
    """Lower-case spellings readers type for ``name``: hyphenated, spaced or joined
    ("back-propagation", "back propagation", "backpropagation"), -isation or -ization."""
    name = name.lower()
    forms = {name}
    if "-" in name:
        forms |= {name.replace("-", " "), name.replace("-", "")}
    for form in list(forms):
        if "isation" in form or "ization" in form:
            forms |= {
                form.replace("isation", "ization"),
                form.replace("ization", "isation"),
            }
    return forms


def spelling_groups(entries: list[dict]) -> dict[str, list[str]]:
    """Glossary name -> its other spellings, for the names that have some."""
    groups = {}
    for entry in entries:
        for name in _names(str(entry["en"])):
            others = sorted(_spellings(name) - {name.lower()})
            if others:
                groups[name.lower()] = others
    return groups


def _load_groups() -> dict[str, list[str]]:
    return spelling_groups(yaml.safe_load(GLOSSARY.read_text(encoding="utf-8")))


class GlossarySearch(SearchEnglish):
    """English search whose index knows every spelling of the glossary's terms: a text
    that contains one spelling also yields the words of the others."""

    groups: dict[str, list[str]] = {}

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        patterns = []
        for canonical, others in self.groups.items():
            words = sorted({canonical, *others}, key=len, reverse=True)
            patterns.append(
                (
                    re.compile(
                        r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b",
                        re.I,
                    ),
                    [canonical, *others],
                )
            )
        self._patterns = patterns

    def split(self, input: str) -> list[str]:  # noqa: A002 (Sphinx's signature)
        words = super().split(input)
        for pattern, spellings in self._patterns:
            if pattern.search(input):
                for spelling in spellings:
                    words.extend(super().split(spelling))
        return words


def _page_context(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: Any,
) -> None:
    body = context.get("body")
    if not body:
        return
    body = plain_solution_titles(body)
    url = app.config.html_theme_options.get("repository_url", "")
    if url and pagename not in ("search", "genindex"):
        title = re.sub(r"<[^>]+>", "", context.get("title", pagename))
        body += report_link(url, pagename, html.unescape(title))
    context["body"] = body


def _glossary_lang(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``lang="zh-Hans"`` on the glossary table's Chinese column (header and cells)."""
    for table in doctree.findall(nodes.table):
        heads = [e.astext() for e in table.findall(nodes.entry)][:4]
        if "中文" not in heads:
            continue
        column = heads.index("中文")
        for row in table.findall(nodes.row):
            entries = [e for e in row.children if isinstance(e, nodes.entry)]
            if len(entries) > column:
                entries[column]["classes"].append(
                    "language-zh-Hans"
                )  # docutils writes lang=


def _no_proof_index(app: Sphinx, config: Any) -> None:
    """No domain index pages: sphinx-proof's "Proof Index" (prf-prf.html) listed raw
    labels and file names, and no reader page linked it."""
    config.html_domain_indices = False
    if not config.html_favicon:  # browsers ask for /favicon.ico (a 404) without one
        config.html_favicon = str(
            Path(__file__).resolve().parent / "static" / "favicon.svg"
        )
    if (
        not config.html_search_scorer
    ):  # chapters rank above the API reference's objects
        config.html_search_scorer = str(
            Path(__file__).resolve().parent / "static" / "search-scorer.js"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _no_proof_index)
    GlossarySearch.groups = _load_groups()
    app.add_search_language(GlossarySearch)
    TocTreeCollector.assign_figure_numbers = _assign_per_chapter(
        TocTreeCollector.assign_figure_numbers
    )
    app.bu_docs_reread = False
    app.connect("env-purge-doc", _note_reread)
    app.connect("html-page-context", _page_context, priority=800)
    app.connect("doctree-resolved", _glossary_lang)
    app.add_css_file("reader.css")
    app.add_js_file(
        None,
        body="var BU_SPELLINGS = "
        + json.dumps(GlossarySearch.groups, ensure_ascii=False, sort_keys=True)
        + ";",
    )
    app.add_js_file("reader.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
