"""bookutils.widgets.display: a live widget for Jupyter, an honest still picture for the HTML."""

from __future__ import annotations

import base64
import re

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from bookutils.widgets.display import (
    BADGE,
    FrozenWidget,
    frozen_widget,
    show_widget,
    widget_settings,
)


def _figure() -> Figure:
    fig = Figure(figsize=(4.0, 3.0))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set(title="a line", xlabel="x", ylabel="y")
    return fig


def _widget():
    return widgets.VBox(
        [
            widgets.HBox(
                [
                    widgets.Dropdown(
                        options=["sigmoid", "tanh"], value="tanh", description="f"
                    ),
                    widgets.FloatSlider(value=1.0, min=-5, max=5, description="w₁"),
                ]
            ),
            widgets.IntSlider(value=7, description="steps"),
            widgets.Button(description="step"),
            widgets.Play(description="play"),
            widgets.HTML("loss after 7 steps: <b>0.5</b>"),
        ]
    )


def test_widget_settings_reads_controls_and_status():
    settings, status = widget_settings(_widget())
    assert settings == ["f = tanh", "w₁ = 1.00", "steps = 7"]
    assert status == ["loss after 7 steps: 0.5"]
    with pytest.raises(TypeError, match="ipywidgets widget"):
        widget_settings("not a widget")


def test_frozen_widget_html_has_picture_badge_and_no_controls():
    fig = _figure()
    frozen = frozen_widget(
        _widget(), fig, alt="A straight line from (0, 0) to (1, 1)."
    )
    assert isinstance(frozen, FrozenWidget)
    page = frozen.html()
    assert BADGE in page and "f = tanh, w₁ = 1.00, steps = 7" in page
    assert "loss after 7 steps: 0.5." in page
    assert not re.search(r"<(input|select|button)\b", page), page[:200]
    src = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    png = base64.b64decode(src)
    assert png.startswith(b"\x89PNG")
    width_px = int.from_bytes(png[16:20], "big")
    assert width_px == 2 * frozen.width == 800, (
        width_px,
        frozen.width,
    )  # drawn at 2x


def test_frozen_widget_bundle_keeps_the_live_widget():
    w = _widget()
    bundle = frozen_widget(
        w, _figure(), alt="A straight line from (0, 0) to (1, 1)."
    )._repr_mimebundle_()
    assert (
        bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    )
    assert BADGE in bundle["text/html"]


def test_frozen_widget_restores_the_figure_dpi():
    fig = _figure()
    fig.set_dpi(72)
    frozen_widget(_widget(), fig, alt="A straight line from (0, 0) to (1, 1).")
    assert fig.get_dpi() == 72


def test_frozen_widget_rejects_bad_input():
    with pytest.raises(ValueError, match="alt must describe"):
        frozen_widget(_widget(), _figure(), alt="short")
    with pytest.raises(TypeError, match="Figure or PNG"):
        frozen_widget(
            _widget(), "picture.png", alt="A straight line from (0, 0) to (1, 1)."
        )
    with pytest.raises(ValueError, match="display width"):
        frozen_widget(
            _widget(), b"\x89PNG....", alt="A straight line from (0, 0) to (1, 1)."
        )


def test_show_widget_displays_the_pair(capsys):
    show_widget(_widget(), _figure(), alt="A straight line from (0, 0) to (1, 1).")
    assert (
        "VBox" in capsys.readouterr().out
    )  # outside IPython: the text fallback prints
