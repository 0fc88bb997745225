"""Show a live widget in Jupyter and an honest still picture in the HTML book.

A widget's sliders and buttons need a Python kernel to redraw its picture. The HTML book has
none, so there a saved widget would show controls that move while the picture stays put.
:func:`show_widget` displays one output with two representations: the widget itself (which
Jupyter and Colab render, live) and an HTML figure of the picture the kernel drew, with the
settings it was drawn for as text and a badge that says it becomes interactive when the
notebook runs (which the book renders: see ``nb_mime_priority_overrides`` in _config.yml).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from IPython.display import display
from matplotlib.figure import Figure

from ..viz.scrub import figure_to_png

BADGE = "Interactive when you run this notebook"
_TAGS = re.compile(r"<[^>]+>")


def _walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _reading(control: widgets.Widget) -> str | None:
    """``"description = value"`` for a slider or a menu; None for anything else."""
    label = getattr(control, "description", "")
    if not label or isinstance(
        control, (widgets.Button, widgets.HTML, widgets.Label, widgets.Play)
    ):
        return None
    if isinstance(control, (widgets.FloatSlider, widgets.FloatLogSlider)):
        fmt = control.readout_format or ".2f"
        return f"{label} = {format(control.value, fmt)}"
    if isinstance(control, widgets.ValueWidget) and not isinstance(
        control, widgets.Textarea
    ):
        value = getattr(control, "label", None) or control.value
        if isinstance(value, tuple):
            value = ", ".join(map(str, value))
        return f"{label} = {value}"
    return None


def widget_settings(widget: widgets.Widget) -> tuple[list[str], list[str]]:
    """The settings of ``widget``'s controls (``"w₁ = 1.00"``) and the text of its status
    lines (HTML widgets, tags removed), in the order they appear."""
    if not isinstance(widget, widgets.Widget):
        raise TypeError(
            f"expected an ipywidgets widget, got {type(widget).__name__}"
        )
    settings, status = [], []
    for w in _walk(widget):
        reading = _reading(w)
        if reading:
            settings.append(reading)
        elif isinstance(w, widgets.HTML) and w.value.strip():
            status.append(html.unescape(_TAGS.sub("", w.value)).strip())
    return settings, status


@dataclass(frozen=True)
class FrozenWidget:
    """A widget plus the still picture (PNG) and text the HTML book shows in its place."""

    widget: widgets.Widget
    png: bytes
    width: int  # CSS pixels: the PNG is drawn at twice this for sharp screens
    alt: str
    settings: tuple[str, ...]
    status: tuple[str, ...]

    def html(self) -> str:
        """The picture, the settings as text and the badge; no control that could not act."""
        src = base64.b64encode(self.png).decode("ascii")
        drawn = ", ".join(self.settings) or "its starting settings"
        status = "".join(f" {html.escape(s)}." for s in self.status)
        return (
            '<figure class="bu-frozen-widget">'
            f'<img src="data:image/png;base64,{src}" width="{self.width}" '
            f'alt="{html.escape(self.alt)}"/>'
            f'<figcaption><span class="bu-badge">{BADGE}</span> '
            f"Drawn for {html.escape(drawn)}.{status} Run the notebook (Jupyter or Colab) "
            "to move the controls; this page has no Python to redraw it.</figcaption>"
            "</figure>"
        )

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = self.html()
        return bundle


def frozen_widget(
    widget: widgets.Widget,
    picture: Figure | bytes,
    *,
    alt: str,
    width: int | None = None,
) -> FrozenWidget:
    """Pair ``widget`` with its current ``picture`` (a figure, or PNG bytes drawn at
    ``2 * width`` pixels) and an ``alt`` sentence for the HTML book."""
    if not isinstance(widget, widgets.Widget):
        raise TypeError(
            f"expected an ipywidgets widget, got {type(widget).__name__}"
        )
    if not isinstance(alt, str) or len(alt.strip()) < 20:
        raise ValueError(
            "alt must describe the picture in a sentence (at least 20 characters)"
        )
    if isinstance(picture, Figure):
        css = int(round(picture.get_figwidth() * 100))
        dpi = picture.get_dpi()
        png = figure_to_png(picture, dpi=200, colors=128)
        picture.set_dpi(dpi)  # a live widget's figure keeps its own size
    elif isinstance(picture, bytes) and picture.startswith(b"\x89PNG"):
        if not (isinstance(width, int) and width > 0):
            raise ValueError(
                f"PNG bytes need their display width in CSS pixels, got {width!r}"
            )
        css, png = width, picture
    else:
        raise TypeError(
            "picture must be a matplotlib Figure or PNG bytes,"
            f" got {type(picture).__name__}"
        )
    settings, status = widget_settings(widget)
    return FrozenWidget(
        widget, png, width or css, alt.strip(), tuple(settings), tuple(status)
    )


def show_widget(
    widget: widgets.Widget,
    picture: Figure | bytes,
    *,
    alt: str,
    width: int | None = None,
) -> None:
    """Display ``widget`` (live in Jupyter) with its still picture for the HTML book."""
    display(frozen_widget(widget, picture, alt=alt, width=width))
