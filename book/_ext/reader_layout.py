"""The HTML book on every screen: working sidebar buttons, honest widgets, no clipped content.

- ``reader-layout.js`` makes the visible ☰ and "contents" buttons open the navigation on
  phones and tablets and hide the sidebar on wide screens (see the script for the theme bug).
- ``reader-layout.css`` hides the theme's second header band (an empty bar with a second
  search box), lets long inline code break, keeps display maths and code within the column
  and stacks figures at phone width.
- A progress bar's redraws in an output (myst-nb turns each ``\r`` redraw of a tqdm bar into
  a line of its own) are collapsed to the bar's final state.
- Saved ipywidgets state is dropped from the pages. Without a kernel the widgets' controls
  cannot redraw their picture; the HTML shows the picture the kernel drew, under an
  "interactive when you run this notebook" badge (``bookutils.widgets.display``), and
  ``_config.yml`` tells myst-nb to render that instead of the widget view. The state and
  the widget manager were 3.6 MB of every widget page.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# A tqdm line: "training:  17%|██▌  | 320/1128 [00:01<00:04, 201.3it/s]" (the text before the
# percentage names the bar).
_PROGRESS = re.compile(r"^(?P<desc>[^\n|]*?)\s*\d{1,3}%\|")


def collapse_progress(text: str) -> str:
    """``text`` with each run of consecutive redraws of one progress bar (lines that start
    with the same description and a percentage) reduced to the run's last line."""
    lines = text.split("\n")
    out: list[str] = []
    previous = None
    for line in lines:
        match = _PROGRESS.match(line)
        desc = match.group("desc") if match else None
        if desc is not None and desc == previous:
            out[-1] = line
        else:
            out.append(line)
        previous = desc
    return "\n".join(out)


def _collapse_outputs(app: Sphinx, doctree: nodes.document) -> None:
    for block in doctree.findall(nodes.literal_block):
        if "output" not in block["classes"]:
            continue
        text = block.astext()
        collapsed = collapse_progress(text)
        if collapsed != text:
            block.children = [nodes.Text(collapsed)]
            block.rawsource = collapsed


def without_widget_scripts(scripts: list[Any]) -> list[Any]:
    """``scripts`` without the saved widget state and the widget manager's files."""
    out = []
    for js in scripts:
        attributes = getattr(js, "attributes", {}) or {}
        name = str(getattr(js, "filename", js) or "")
        if attributes.get("type") == WIDGET_STATE or name.startswith("widgets/"):
            continue
        out.append(js)
    return out


def _page_context(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: Any,
) -> None:
    if "script_files" in context:
        context["script_files"] = without_widget_scripts(
            list(context["script_files"])
        )


def setup(app: Sphinx) -> dict[str, Any]:
    # The files are in book/_ext/static, which offline_html adds to html_static_path.
    app.add_css_file("reader-layout.css")
    app.add_js_file("reader-layout.js", loading_method="defer")
    app.connect("doctree-read", _collapse_outputs)
    app.connect("html-page-context", _page_context, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
