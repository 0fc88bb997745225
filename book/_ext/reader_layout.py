"""The HTML book on every screen: working sidebar buttons, honest widgets, no clipped content.

- ``reader-layout.js`` makes the visible ☰ and "contents" buttons open the navigation on
  phones and tablets and hide the sidebar on wide screens (see the script for the theme bug).
- ``reader-layout.css`` hides the theme's second header band (an empty bar with a second
  search box), lets long inline code break, keeps display maths and code within the column
  and stacks figures at phone width.
- A progress bar's redraws in an output (myst-nb turns each ``\r`` redraw of a tqdm bar into
  a line of its own) are collapsed to the bar's final state.
- A figure of side-by-side panels (its PNG records where the columns split, see
  ``bookutils.viz.plotting.panel_splits``) carries the splits as a class; on a phone
  ``reader-layout.js`` shows its panels one under another, each at the column's width,
  cropped from the same image (no second download).
- Saved ipywidgets state is dropped from the pages. Without a kernel the widgets' controls
  cannot redraw their picture; the HTML shows the picture the kernel drew, under an
  "interactive when you run this notebook" badge (``bookutils.widgets.display``), and
  ``_config.yml`` tells myst-nb to render that instead of the widget view. The state and
  the widget manager were 3.6 MB of every widget page.
"""

from __future__ import annotations

import re
from pathlib import Path
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


# The PNG text chunks of bookutils.viz.plotting (PANELS_KEY, TITLE_BAND_KEY).
PANELS_KEY = "Panel columns (fractions of the width)"
TITLE_BAND_KEY = "Title band (fraction of the height)"


def png_text(data: bytes) -> dict[str, str]:
    """The tEXt chunks of a PNG file (keyword -> text); {} for anything else."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return {}
    out, pos = {}, 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"tEXt":
            key, _, value = data[pos + 8 : pos + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"IEND":
            break
        pos += 12 + length
    return out


def panel_class(splits: str) -> str | None:
    """The class that carries a figure's column splits: "0,0.5,1" -> "bu-split-0-5000-10000"
    (ten-thousandths); None unless the text is an increasing list from 0 to 1."""
    try:
        values = [float(x) for x in splits.split(",")]
    except ValueError:
        return None
    if (
        len(values) < 3
        or values[0] != 0
        or values[-1] != 1
        or values != sorted(values)
    ):
        return None
    return "bu-split-" + "-".join(str(round(v * 10000)) for v in values)


def title_class(band: str) -> list[str]:
    """["bu-top-800"] for a title band of 0.08 of the height; [] for none or nonsense."""
    try:
        value = float(band)
    except ValueError:
        return []
    return [f"bu-top-{round(value * 10000)}"] if 0 < value < 0.5 else []


def _mark_panels(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    source_dir = Path(app.env.doc2path(docname)).parent
    for image in doctree.findall(nodes.image):
        uri = str(image.get("uri", ""))
        if not uri.endswith(".png") or "://" in uri:
            continue
        for path in (Path(uri), Path(app.srcdir) / uri, source_dir / uri):
            if path.is_file():
                text = png_text(path.read_bytes())
                found = panel_class(text.get(PANELS_KEY, ""))
                if found:
                    image["classes"] += ["bu-panels", found]
                    image["classes"] += title_class(text.get(TITLE_BAND_KEY, ""))
                break


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
    app.connect("doctree-resolved", _mark_panels)
    app.connect("html-page-context", _page_context, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
