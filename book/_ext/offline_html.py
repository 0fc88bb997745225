"""Make the HTML book readable offline: every page loads only files from ``_build/html``.

- Serves the vendored JavaScript (MathJax 3, the Jupyter widget manager, require.js and
  book/js/widgets-offline.js), which ``make vendor`` copies from book/js/node_modules into
  ``_build/vendor``. The folder is added to ``html_static_path`` here, after jupyter-book has
  translated ``_config.yml``: listed there, jupyter-book would inject every ``.js`` file in
  it into every page.
- Removes the Font Awesome 4 stylesheet that matplotlib's ``Animation.to_jshtml()`` links
  from a CDN (the theme's own Font Awesome draws the player's icons).
- Replaces the theme's 1.5 MB ``fontawesome.js`` (it turns ``<i class="fa-...">`` icons into
  SVG) by Font Awesome's 100 kB CSS of the same version, drawn with the web fonts the theme
  already ships: every page gets 1.4 MB lighter. The theme's ``webpack-macros.html`` is
  copied without that one ``<script>`` into a template folder that takes precedence.
- Drops script entries that appear twice on a page (sphinx-thebe's inline script is
  emitted twice, a ``SyntaxError`` in the console of every page).
- Numbers the ids that sphinx-proof and sphinx-exercise give every proof, exercise and
  solution body (``id="proof"``, ``id="solution-content"``...): a page with two proofs had
  two elements with one id, which is invalid HTML and makes such anchors ambiguous.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "_build" / "vendor"
# What the pages ask for; a missing one means `make vendor` has not run (or failed).
NEEDED = (
    "mathjax/tex-mml-chtml.js",
    "mathjax/input/tex/extensions/boldsymbol.js",
    "widgets/embed-amd.js",
    "widgets/require.js",
    "widgets/widgets-offline.js",
    "vendor/fontawesome/css/all.min.css",
)
TEMPLATES = ROOT / "_build" / "vendor_templates"
STATIC = Path(__file__).resolve().parent / "static"  # unique-ids.css
# Ids the proof and exercise extensions repeat on every block of a page.
REPEATED_IDS = ("proof", "proof-content", "exercise-content", "solution-content")
_ID = re.compile(r'\sid="(' + "|".join(re.escape(i) for i in REPEATED_IDS) + r')"')
_FA_SCRIPT = re.compile(
    r"^[ \t]*<script[^>]*scripts/fontawesome\.js[^>]*></script>[ \t]*\n", re.M
)

_CDN_FONT_AWESOME = re.compile(
    r"<link[^>]*href=\"https?://maxcdn\.bootstrapcdn\.com/font-awesome/[^\"]*\"[^>]*>"
)


def _add_vendor(app: Sphinx, config: Config) -> None:
    missing = [name for name in NEEDED if not (VENDOR / name).is_file()]
    if missing:
        raise ExtensionError(
            f"offline_html: {VENDOR} lacks {', '.join(missing)}; run `make vendor` "
            "(it copies MathJax and the widget manager from book/js) before building"
        )
    config.html_static_path.extend([str(VENDOR), str(STATIC)])
    _override_macros(config)


def _override_macros(config: Config) -> None:
    import pydata_sphinx_theme

    theme = (
        Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    )
    original = (theme / "static" / "webpack-macros.html").read_text(
        encoding="utf-8"
    )
    macros, count = _FA_SCRIPT.subn("", original)
    if count != 1:
        raise ExtensionError(
            "offline_html: the theme's webpack-macros.html no longer loads "
            "scripts/fontawesome.js in one line; update book/_ext/offline_html.py"
        )
    target = (
        TEMPLATES / "static" / "webpack-macros.html"
    )  # layout.html imports it so
    # Written only when it differs: Sphinx treats every page as out of date when a template
    # is newer than the page, so rewriting it on each build made every rebuild a full one.
    if not target.is_file() or target.read_text(encoding="utf-8") != macros:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(macros, encoding="utf-8")
    config.templates_path.insert(0, str(TEMPLATES))


def strip_cdn_links(body: str) -> str:
    """``body`` without matplotlib's Font Awesome 4 CDN ``<link>`` tags."""
    return _CDN_FONT_AWESOME.sub("", body)


def unique_ids(body: str) -> str:
    """``body`` with the second and later ``id="proof"`` (and the other ``REPEATED_IDS``)
    renamed ``proof-2``, ``proof-3``...: every id on the page once."""
    seen: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        return match.group(0) if seen[name] == 1 else f' id="{name}-{seen[name]}"'

    return _ID.sub(number, body)


def unique_scripts(scripts: list[Any]) -> list[Any]:
    """``scripts`` in order, each (file name, attributes, inline body) only once."""
    seen: set[tuple] = set()
    out = []
    for js in scripts:
        attributes = getattr(js, "attributes", {}) or {}
        key = (
            str(getattr(js, "filename", js) or ""),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            out.append(js)
    return out


def _page_context(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: Any,
) -> None:
    body = context.get("body")
    if body and "maxcdn.bootstrapcdn.com" in body:
        body = context["body"] = strip_cdn_links(body)
    if body:
        context["body"] = unique_ids(body)
    if "script_files" in context:
        context["script_files"] = unique_scripts(list(context["script_files"]))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _add_vendor)
    app.add_css_file("vendor/fontawesome/css/all.min.css")
    app.add_css_file("unique-ids.css")
    app.connect("html-page-context", _page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
