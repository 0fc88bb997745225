"""Scrubbable figures: PNG frames and a self-contained slider that needs no kernel or CDN."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from bookutils.viz.scrub import (
    ScrubbableFigure,
    figure_to_png,
    render_frames,
    scrub_figure,
)

ALT = "A dot moving to the right, one frame per step."


def draw_dot(fig: Figure, i: int) -> None:
    ax = fig.add_subplot()
    ax.plot([i], [0], "o")
    ax.set_xlim(-1, 5)
    ax.set(title=f"step {i}", xlabel="x", ylabel="y")


def test_figure_to_png_is_a_small_deterministic_palette_png():
    def one() -> bytes:
        fig = Figure(figsize=(3, 2))
        draw_dot(fig, 1)
        return figure_to_png(fig, dpi=50, colors=16)

    a, b = one(), one()
    assert a == b and a.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(a))
    assert image.size == (150, 100) and image.mode == "P"
    assert len(image.getcolors()) <= 16


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"fig": "not a figure"}, TypeError, "Figure"),
        ({"dpi": 5}, ValueError, "dpi"),
        ({"colors": 1}, ValueError, "colors"),
        ({"colors": 2.5}, ValueError, "colors"),
    ],
)
def test_figure_to_png_rejects_bad_input(kwargs, error, message):
    args = {"fig": Figure(), **kwargs}
    with pytest.raises(error, match=message):
        figure_to_png(args.pop("fig"), **args)


def test_render_frames_calls_draw_once_per_frame():
    seen = []

    def draw(fig, i):
        seen.append(i)
        draw_dot(fig, i)

    frames = render_frames(draw, 3, figsize=(2, 2), dpi=30)
    assert seen == [0, 1, 2] and len(frames) == 3 and len(set(frames)) == 3
    with pytest.raises(TypeError, match="draw"):
        render_frames("draw", 2)
    with pytest.raises(ValueError, match="count"):
        render_frames(draw, 0)


def test_html_is_self_contained_and_holds_every_frame():
    fig = scrub_figure(
        draw_dot, ["a", "b", "c", "d"], alt=ALT, figsize=(2, 2), dpi=30, start=2
    )
    page = fig.html()
    # nothing to download (the base64 frames, which may spell "http" by chance, left out)
    markup = re.sub(
        r'<script type="application/json">.*?</script>|base64,[^"]+', "", page
    )
    assert "http" not in markup and "cdn" not in markup.lower()
    payload = json.loads(
        re.search(r'<script type="application/json">(.*?)</script>', page)
        .group(1)
        .replace("<\\/", "</")
    )
    assert [label for _, label in payload] == ["a", "b", "c", "d"]
    assert [base64.b64decode(d) for d, _ in payload] == list(fig.frames)
    first = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(first) == fig.frames[2]  # the start frame shows
    assert f'alt="{ALT}"' in page and 'max="3"' in page and 'value="2"' in page
    assert fig._repr_html_().count("<img") == 1
    assert fig.nbytes > sum(len(f) for f in fig.frames)
    assert "4 frames" in repr(fig)


def test_two_figures_on_a_page_get_different_ids():
    fig = scrub_figure(draw_dot, ["a", "b"], alt=ALT, figsize=(2, 2), dpi=30)
    pages = [fig.html(), fig.html()]
    ids = [re.search(r'id="([^"]+)"', page).group(1) for page in pages]
    assert ids[0] != ids[1]
    for ident, page in zip(ids, pages, strict=True):
        assert f'getElementById("{ident}")' in page  # each script finds its own


def test_labels_are_escaped():
    fig = scrub_figure(draw_dot, ["<b>x</b>", "y"], alt=ALT, figsize=(2, 2), dpi=30)
    assert "<b>x</b>" not in fig.html().split('<script type="application/json">')[0]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"frames": ()}, "frames"),
        ({"frames": (b"GIF89a",)}, "frames"),
        ({"labels": ("one", "two")}, "labels"),
        ({"alt": "short"}, "alt"),
        ({"start": 1}, "start"),
        ({"interval_ms": 10}, "interval_ms"),
    ],
)
def test_scrubbable_figure_rejects_bad_input(change, message):
    png = figure_to_png(Figure(figsize=(1, 1)), dpi=20)
    args = {"frames": (png,), "labels": ("one",), "alt": ALT, **change}
    with pytest.raises(ValueError, match=message):
        ScrubbableFigure(**args)


def test_scrub_figure_needs_labels():
    with pytest.raises(ValueError, match="labels"):
        scrub_figure(draw_dot, [], alt=ALT)
    frames = scrub_figure(draw_dot, range(3), alt=ALT, figsize=(2, 2), dpi=30)
    assert frames.labels == ("0", "1", "2") and np.all(
        [f[:4] == b"\x89PNG" for f in frames.frames]
    )


def test_frames_record_their_dpi_and_fill_the_column():
    """Each frame's PNG says its dpi (so a page can tell the figure's size) and the image is
    shown at the column's full width."""
    frames = scrub_figure(draw_dot, ["a", "b"], alt=ALT, figsize=(2, 2), dpi=120)
    png = frames.frames[0]
    assert int.from_bytes(png[16:20], "big") == 240  # 2 in at 120 dpi
    start = png.index(b"pHYs") + 4
    per_metre = int.from_bytes(png[start : start + 4], "big")
    assert abs(per_metre * 0.0254 - 120) < 0.5, per_metre * 0.0254
    assert 'style="width:100%;height:auto"' in frames.html()
