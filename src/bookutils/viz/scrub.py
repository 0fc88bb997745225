"""Scrubbable figures: a few PNG frames and a slider, in one self-contained piece of HTML.

The HTML book has no kernel, so a live widget cannot retrain anything there. A scrubbable
figure is the static stand-in: frames rendered when the notebook runs (over training steps,
or over a parameter grid), embedded as base64 PNGs with a small slider and play button
written in plain JavaScript. It loads nothing from the network (no CDN, no icon font), and
without JavaScript the reader still sees the first frame with its alt text.

Frames are reduced to an adaptive palette of at most 128 colours, which keeps a page light.
They are drawn at 150 dpi by default and shown at the full width of the text column, so their
labels are as large as the book's other figures and sharp; each PNG records its dpi.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .plotting import TICK_SIZE_KEY, smallest_tick_points

_COUNTER = itertools.count()


def figure_to_png(fig: Figure, *, dpi: float = 72, colors: int = 128) -> bytes:
    """Render ``fig`` to PNG bytes, reduced to at most ``colors`` colours (2..256).

    Deterministic: the same figure gives the same bytes (no time stamp is written).
    """
    if not isinstance(fig, Figure):
        raise TypeError(
            f"fig must be a matplotlib Figure, got {type(fig).__name__}"
        )
    if not (
        isinstance(dpi, (int, float)) and np.isfinite(dpi) and 10 <= dpi <= 300
    ):
        raise ValueError(f"dpi must be a number in [10, 300], got {dpi!r}")
    if (
        isinstance(colors, bool)
        or not isinstance(colors, int)
        or not 2 <= colors <= 256
    ):
        raise ValueError(f"colors must be an int in [2, 256], got {colors!r}")
    canvas = (
        FigureCanvasAgg(fig)
        if not isinstance(fig.canvas, FigureCanvasAgg)
        else fig.canvas
    )
    fig.set_dpi(dpi)
    canvas.draw()
    rgb = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
    small = rgb.quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    info = (
        PngInfo()
    )  # what a page needs to tell its text size: tick labels in points
    points = smallest_tick_points(fig)
    info.add_text(TICK_SIZE_KEY, "none" if points is None else f"{points:g}")
    buf = io.BytesIO()
    small.save(
        buf, format="PNG", optimize=True, dpi=(dpi, dpi), pnginfo=info
    )  # pHYs: size
    return buf.getvalue()


def render_frames(
    draw: Callable[[Figure, int], None],
    count: int,
    *,
    figsize: tuple[float, float] = (5.0, 3.5),
    dpi: float = 150,
    colors: int = 128,
) -> list[bytes]:
    """Call ``draw(fig, i)`` on a fresh figure for i = 0..count-1; return the PNG frames.

    ``draw`` adds its axes to the empty figure it is given (``fig.add_subplot()``) and must
    give each a title and axis labels, like every figure of the book.
    """
    if not callable(draw):
        raise TypeError(
            "draw must be a function draw(fig, i) that fills the figure for frame i"
        )
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive int, got {count!r}")
    frames = []
    for i in range(count):
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig, i)
        frames.append(figure_to_png(fig, dpi=dpi, colors=colors))
    return frames


_STYLE = (
    "font-family:sans-serif;font-size:13px;display:flex;gap:6px;align-items:center;"
    "flex-wrap:wrap;margin-top:4px"
)

_SCRIPT = """<script>
(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var frames = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  var img = root.querySelector("img"), slider = root.querySelector("input");
  var label = root.querySelector(".bu-scrub-label"), play = root.querySelector(".bu-play");
  var timer = null;
  function show(i) {
    i = (i + frames.length) %% frames.length;
    slider.value = i;
    img.src = "data:image/png;base64," + frames[i][0];
    label.textContent = frames[i][1];
    slider.setAttribute("aria-valuetext", frames[i][1]);
  }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "\\u25B6 play"; }
  }
  function go(d) { return function () { stop(); show(+slider.value + d); }; }
  slider.addEventListener("input", go(0));
  root.querySelector(".bu-prev").addEventListener("click", go(-1));
  root.querySelector(".bu-next").addEventListener("click", go(1));
  play.addEventListener("click", function () {
    if (timer) { stop(); return; }
    play.textContent = "\\u275A\\u275A pause";
    timer = setInterval(function () {
      var i = +slider.value + 1;
      if (i >= frames.length) { stop(); return; }
      show(i);
    }, %(interval)d);
    if (+slider.value >= frames.length - 1) { show(0); }
  });
})();
</script>"""


@dataclass(frozen=True)
class ScrubbableFigure:
    """PNG frames with one label each, shown as an image with a slider (see :func:`html`)."""

    frames: tuple[bytes, ...]
    labels: tuple[str, ...]
    alt: str
    start: int = 0
    interval_ms: int = 400

    def __post_init__(self) -> None:
        if not self.frames or not all(
            isinstance(f, bytes) and f.startswith(b"\x89PNG") for f in self.frames
        ):
            raise ValueError(
                "frames must be a non-empty sequence of PNG images (bytes)"
            )
        if len(self.labels) != len(self.frames):
            raise ValueError(
                f"{len(self.frames)} frames but {len(self.labels)} labels:"
                " give one label per frame"
            )
        if not isinstance(self.alt, str) or len(self.alt.strip()) < 20:
            raise ValueError(
                "alt must describe the figure in a sentence (at least 20 characters)"
            )
        if not 0 <= self.start < len(self.frames):
            raise ValueError(
                f"start must be a frame index in [0, {len(self.frames) - 1}],"
                f" got {self.start}"
            )
        if not 50 <= self.interval_ms <= 5000:
            raise ValueError(
                f"interval_ms must lie in [50, 5000], got {self.interval_ms}"
            )

    @property
    def nbytes(self) -> int:
        """The size of the HTML this figure adds to a page, in bytes."""
        return len(self.html().encode("utf-8"))

    def html(self) -> str:
        """Self-contained HTML: the image, the slider, ◀ ▶ and play, and the inline script.

        The element id comes from a hash of the content and a counter, so two figures on
        one page never share it and a re-run of the notebook writes the same page.
        """
        digest = hashlib.sha1(
            b"".join(self.frames) + "\n".join(self.labels).encode()
        )
        ident = f"bu-scrub-{digest.hexdigest()[:10]}-{next(_COUNTER)}"
        data = [
            [base64.b64encode(f).decode("ascii"), lab]
            for f, lab in zip(self.frames, self.labels, strict=True)
        ]
        payload = json.dumps(data).replace("</", "<\\/")
        first = data[self.start][0]
        n = len(self.frames) - 1
        return (
            f'<div class="bu-scrub" id="{ident}" style="max-width:100%">'
            f'<img alt="{html.escape(self.alt)}" style="width:100%;height:auto" '
            f'src="data:image/png;base64,{first}"/>'
            f'<div style="{_STYLE}">'
            '<button class="bu-prev" type="button" title="previous frame">&#9664;</button>'
            f'<input type="range" min="0" max="{n}" step="1" value="{self.start}" '
            f'aria-label="frame" aria-valuetext="{html.escape(self.labels[self.start])}" '
            'style="flex:1;min-width:120px"/>'
            '<button class="bu-next" type="button" title="next frame">&#9654;</button>'
            '<button class="bu-play" type="button">&#9654; play</button>'
            '<span class="bu-scrub-label" aria-live="polite">'
            f"{html.escape(self.labels[self.start])}</span>"
            "</div>"
            f'<script type="application/json">{payload}</script>'
            + _SCRIPT % {"id": ident, "interval": self.interval_ms}
            + "</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return (
            f"ScrubbableFigure({len(self.frames)} frames, {self.nbytes / 1024:.0f} KB:"
            f" {self.labels[0]!r} … {self.labels[-1]!r})"
        )


def scrub_figure(
    draw: Callable[[Figure, int], None],
    labels: Sequence[str],
    *,
    alt: str,
    figsize: tuple[float, float] = (5.0, 3.5),
    dpi: float = 150,
    start: int = 0,
    interval_ms: int = 400,
) -> ScrubbableFigure:
    """Render one frame per label with ``draw(fig, i)`` and wrap them in a slider.

    Display the result (make it the last expression of a cell): in Jupyter, Colab and the
    HTML book alike it is an image with a slider that needs no kernel and no network.
    """
    labels = tuple(str(lab) for lab in labels)
    if not labels:
        raise ValueError("labels is empty: give one label per frame")
    frames = render_frames(draw, len(labels), figsize=figsize, dpi=dpi)
    return ScrubbableFigure(tuple(frames), labels, alt, start, interval_ms)
