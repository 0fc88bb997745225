"""What the setup cell at the top of every notebook calls."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from .device import choose_device
from .reproducibility import seed_everything
from .viz.plotting import (
    PANELS_KEY,
    TICK_SIZE_KEY,
    TITLE_BAND_KEY,
    panel_splits,
    smallest_tick_points,
    title_band,
    use_book_style,
)


def inline_png(fig: Figure) -> tuple[str, dict] | None:
    """``fig`` as IPython's "retina" PNG (twice the pixels, shown at the figure's size),
    base64-encoded, which also records the smallest tick label's size (TICK_SIZE_KEY) and,
    for side-by-side panels, where the columns split (PANELS_KEY) and how much of the top
    the figure's title takes (TITLE_BAND_KEY)."""
    from IPython.core.pylabtools import retina_figure

    points = smallest_tick_points(fig)
    metadata = {TICK_SIZE_KEY: "none" if points is None else f"{points:g}"}
    splits = panel_splits(fig)
    if splits:
        metadata[PANELS_KEY] = ",".join(f"{x:g}" for x in splits)
        metadata[TITLE_BAND_KEY] = f"{title_band(fig):g}"
    return retina_figure(fig, base64=True, metadata=metadata)


def _sharp_inline_figures() -> None:
    """Inline figures as PNGs at twice their size, shown at their size ("retina"): sharp on
    high-density screens and in the HTML book, where each image records its dpi."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: no inline figures to configure
        return
    shell = get_ipython()
    if shell is not None:
        set_matplotlib_formats("retina")
        shell.display_formatter.formatters["image/png"].for_type(Figure, inline_png)


def setup_notebook(seed: int = 0, device: str | None = None) -> torch.device:
    """Seed every random generator, apply the book's figure style (inline figures at twice
    their size, for sharp screens) and pick the device.

    Returns the chosen ``torch.device`` (see :func:`bookutils.device.choose_device`; ``device``
    overrides the ``BOOK_DEVICE`` environment variable).
    """
    seed_everything(seed)
    use_book_style()
    _sharp_inline_figures()
    chosen = choose_device(device)
    print(
        f"bookutils ready: device={chosen}, seed={seed}, torch {torch.__version__}"
    )
    return chosen
