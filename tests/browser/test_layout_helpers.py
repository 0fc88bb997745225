"""tests/browser/layoutcheck.py and book/_ext/reader_layout.py on small hand-made inputs (no
browser, no built book: these run in `make unit`)."""

from __future__ import annotations

import base64
import io
import sys
from types import SimpleNamespace

import matplotlib
import pytest
from layoutcheck import (
    bib_keys,
    figure_inches,
    image_bytes,
    output_noise,
    png_dpi,
    png_text,
    png_width,
    tick_label_px,
    tick_points,
)
from sitecheck import ROOT

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import reader_layout  # noqa: E402


def _png(width_in: float, dpi: float) -> bytes:
    fig = Figure(figsize=(width_in, 2))
    fig.add_subplot().plot([0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def test_png_dpi_and_figure_inches():
    data = _png(6, 100)
    assert png_width(data) == 600
    assert png_dpi(data) == pytest.approx(100, abs=0.1)
    assert figure_inches(data) == pytest.approx(6, abs=0.01)
    retina = _png(6, 200)  # twice the pixels, the same figure
    assert figure_inches(retina) == pytest.approx(6, abs=0.01)
    with pytest.raises(ValueError, match="expected PNG"):
        png_dpi(b"GIF89a")


def test_svg_figure_inches():
    fig = Figure(figsize=(4.5, 2))
    fig.add_subplot().plot([0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    assert figure_inches(buf.getvalue()) == pytest.approx(4.5, abs=0.01)
    assert figure_inches(b"<svg viewBox='0 0 1 1'></svg>") is None


def test_image_bytes_reads_data_uris_and_files(tmp_path):
    data = _png(1, 50)
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    assert image_bytes(uri, tmp_path / "page.html") == data
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(data)
    assert image_bytes("_images/a.png", tmp_path / "page.html") == data


def test_tick_label_px():
    # 10 pt on a 6-inch figure shown 600 px wide: 10/72 in at 100 px per inch
    assert tick_label_px(600, 6, 10) == pytest.approx(13.89, abs=0.01)
    assert tick_label_px(300, 6, 10) == pytest.approx(6.94, abs=0.01)
    with pytest.raises(ValueError, match="positive figure width"):
        tick_label_px(300, 0, 10)


def test_tick_points_reads_what_bookutils_writes():
    from bookutils.notebook import inline_png
    from bookutils.viz.scrub import figure_to_png

    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1])
    ax.tick_params(labelsize=7)
    png = figure_to_png(fig, dpi=100)
    assert tick_points(png) == 7.0 and png_text(png)["Tick label size (pt)"] == "7"
    retina = base64.b64decode(inline_png(fig)[0])
    assert tick_points(retina) == 7.0 and figure_inches(retina) < 3.01
    ax.axis("off")
    assert tick_points(figure_to_png(fig, dpi=100)) == 0.0  # no tick labels at all
    assert tick_points(_png(1, 50)) is None  # matplotlib alone: unknown


def test_output_noise_finds_each_kind():
    def page(text, cls="output stream highlight-myst-ansi"):
        return (
            f'<div class="cell_output docutils container"><div class="{cls}">'
            f"<pre><span></span>{text}</pre></div></div>"
        )

    assert output_noise(page("test accuracy 0.84")) == []
    assert output_noise("<pre>/tmp/outside an output</pre>") == []
    assert output_noise(page("x", "output stderr")) == ["1 stderr block(s)"]
    found = output_noise(
        page("/tmp/ipykernel_123/456.py:9: UserWarning: not writable")
    )
    assert found and "temporary path" in found[0]
    assert (
        "raw log dictionary"
        in output_noise(page("{'eval_loss': '0.69', 'epoch': 2}"))[0]
    )
    bars = "training:  17%|█▋   | 190/1128\ntraining: 100%|█████| 1128/1128"
    assert output_noise(page(bars)) == ["a progress bar drawn more than once"]
    assert output_noise(page(bars.split("\n")[1])) == []
    keys = {"hebb1949organization"}
    assert (
        "raw BibTeX keys"
        in output_noise(page("their linkhebb1949organization"), keys)[0]
    )


def test_bib_keys_reads_the_bibliography():
    keys = bib_keys()
    assert "hebb1949organization" in keys and len(keys) > 50


def test_collapse_progress_keeps_each_bar_once():
    text = (
        "data ready\nfit:   0%|   | 0/9\nfit:  50%|█  | 4/9\nfit: 100%|███| 9/9\n"
        "eval:   0%|   | 0/2\neval: 100%|███| 2/2\ndone"
    )
    assert reader_layout.collapse_progress(text) == (
        "data ready\nfit: 100%|███| 9/9\neval: 100%|███| 2/2\ndone"
    )
    plain = "50% of the weights\n50% of the weights"
    assert reader_layout.collapse_progress(plain) == plain


def test_without_widget_scripts_drops_state_and_manager():
    state = SimpleNamespace(
        filename=None,
        attributes={"type": "application/vnd.jupyter.widget-state+json"},
    )
    manager = SimpleNamespace(filename="widgets/embed-amd.js", attributes={})
    keep = SimpleNamespace(filename="reader-layout.js", attributes={})
    assert reader_layout.without_widget_scripts([state, manager, keep]) == [keep]


def test_panel_class_reads_the_splits_bookutils_writes():
    from bookutils.notebook import inline_png
    from bookutils.viz.plotting import PANELS_KEY, TITLE_BAND_KEY

    assert reader_layout.PANELS_KEY == PANELS_KEY
    assert reader_layout.TITLE_BAND_KEY == TITLE_BAND_KEY
    fig = Figure(figsize=(8, 2.5), dpi=100)
    for ax in fig.subplots(1, 3):
        ax.plot([0, 1])
    text = reader_layout.png_text(base64.b64decode(inline_png(fig)[0]))
    found = reader_layout.panel_class(text[PANELS_KEY])
    assert found.startswith("bu-split-0-") and found.endswith("-10000")
    assert len(found.split("-")) == 2 + 4  # "bu", "split", four splits
    assert reader_layout.panel_class("0,1") is None  # one column
    assert reader_layout.panel_class("0,0.7,0.3,1") is None
    assert reader_layout.panel_class("0,x,1") is None
    assert reader_layout.png_text(b"GIF89a") == {}


def test_title_class():
    assert reader_layout.title_class("0.08") == ["bu-top-800"]
    assert reader_layout.title_class("0") == []
    assert reader_layout.title_class("0.7") == []
    assert reader_layout.title_class("x") == []
