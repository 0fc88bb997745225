"""One figure style for the whole book, and the drawing helpers chapters share.

Colours come from a palette that stays distinguishable for the common forms of colour
blindness (Okabe and Ito); class 0 / -1 is blue circles, class 1 / +1 is orange squares,
so a figure also reads in grey-scale.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")

BOOK_STYLE: dict[str, object] = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
}


def use_book_style() -> None:
    """Apply the book's matplotlib style to every figure drawn from now on."""
    mpl.rcParams.update(BOOK_STYLE)


# The PNG text chunk in which the book's figures record their smallest tick label, so that
# a test of the HTML can tell how large that text is on screen
# (tests/browser/test_browser_layout.py).
TICK_SIZE_KEY = "Tick label size (pt)"


def smallest_tick_points(fig: mpl.figure.Figure) -> float | None:
    """The font size in points of the smallest visible tick label of ``fig``, or None when
    the figure shows no tick labels."""
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(f"expected a matplotlib Figure, got {type(fig).__name__}")
    sizes = []
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            ticks = (
                axis.get_major_ticks() if ax.axison and axis.get_visible() else []
            )
            if (
                len(axis.get_ticklocs())
                and ticks
                and (ticks[0].label1.get_visible() or ticks[0].label2.get_visible())
            ):
                sizes.append(float(ticks[0].label1.get_fontsize()))
    return min(sizes) if sizes else None


# The PNG text chunk in which a figure of several side-by-side panels records where its
# columns split, as fractions of the saved image's width ("0,0.52,1"), so that the HTML book
# can stack the panels on a narrow screen (book/_ext/reader_layout.py).
PANELS_KEY = "Panel columns (fractions of the width)"
# ... and the share of its height that the figure's title takes at the top (title_band).
TITLE_BAND_KEY = "Title band (fraction of the height)"


def panel_splits(fig: mpl.figure.Figure) -> list[float]:
    """Where ``fig``'s columns of panels split, as fractions of the width of the image that
    ``savefig(bbox_inches="tight")`` writes: ``[0, ..., 1]``, or ``[]`` for one column.

    Each column holds its axes with their titles, labels and colorbars; a split lies midway
    between neighbouring columns, or where the right one's labels begin if they overlap."""
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(f"expected a matplotlib Figure, got {type(fig).__name__}")
    fig.draw_without_rendering()  # apply the layout engine, as saving will
    outer = fig.get_tightbbox()  # inches
    if outer is None or outer.width <= 0:
        return []
    pad = float(mpl.rcParams["savefig.pad_inches"])
    panels = []  # (data area left, right, with labels left, right), in inches
    for ax in fig.get_axes():
        box = ax.get_tightbbox() if ax.get_visible() else None
        if box is not None:
            area = ax.get_window_extent()
            panels.append(
                (
                    area.x0 / fig.dpi,
                    area.x1 / fig.dpi,
                    box.x0 / fig.dpi,
                    box.x1 / fig.dpi,
                    hasattr(ax, "_colorbar"),
                )
            )
    columns: list[list[float]] = []
    for a0, a1, t0, t1, is_colorbar in sorted(panels):
        last = columns[-1] if columns else None
        if last and (
            is_colorbar or a0 < last[1]
        ):  # a colorbar, or overlapping areas
            last[1], last[3] = max(last[1], a1), max(last[3], t1)
            last[2] = min(last[2], t0)
        else:
            columns.append([a0, a1, t0, t1])
    if len(columns) < 2:
        return []
    splits = []
    for left, right in zip(columns[:-1], columns[1:], strict=True):
        if left[3] <= right[2]:  # the labels do not meet: split midway between them
            splits.append((left[3] + right[2]) / 2)
        else:  # they overlap: keep the right panel's labels whole if the areas allow
            splits.append(min(max(right[2], left[1]), right[0]))
    width = outer.width + 2 * pad
    inner = [round(float((x - outer.x0 + pad) / width), 4) for x in splits]
    return [0.0, *inner, 1.0] if all(0 < x < 1 for x in inner) else []


def title_band(fig: mpl.figure.Figure) -> float:
    """The share of the saved image's height (``savefig(bbox_inches="tight")``) taken by
    ``fig``'s suptitle at the top, 0 without one: a page that stacks the panels leaves it
    out, since each column would show only a piece of it (the caption repeats it)."""
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(f"expected a matplotlib Figure, got {type(fig).__name__}")
    title = fig._suptitle
    if title is None or not title.get_text() or not title.get_visible():
        return 0.0
    fig.draw_without_rendering()
    outer = fig.get_tightbbox()  # inches
    pad = float(mpl.rcParams["savefig.pad_inches"])
    bottom = title.get_window_extent().y0 / fig.dpi
    axes_top = max(
        (
            ax.get_tightbbox().y1 / fig.dpi
            for ax in fig.get_axes()
            if ax.get_visible()
        ),
        default=bottom,
    )
    cut = max(bottom, axes_top)  # never cut into an axes' own title
    share = (outer.y1 + pad - cut) / (outer.height + 2 * pad)
    return round(float(share), 4) if 0 < share < 0.5 else 0.0


def _check_points(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"X must have shape (n, 2) to be drawn in the plane, got {X.shape}"
        )
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must have shape ({X.shape[0]},) to match X, got {y.shape}"
        )
    return X, y


def plot_points(
    ax: Axes, X: np.ndarray, y: np.ndarray, *, size: float = 28
) -> None:
    """Scatter 2-D points, one colour and marker per class (labels may be 0/1 or -1/+1)."""
    X, y = _check_points(X, y)
    for i, label in enumerate(np.unique(y)):
        pts = X[y == label]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=size,
            c=PALETTE[i % len(PALETTE)],
            marker=_MARKERS[i % len(_MARKERS)],
            edgecolors="white",
            linewidths=0.5,
            label=f"class {label:g}",
            zorder=3,
        )


def plot_linear_boundary(
    ax: Axes,
    w: np.ndarray,
    b: float,
    *,
    show_normal: bool = True,
    color: str = "black",
    label: str | None = "boundary",
) -> None:
    """Draw the line w·x + b = 0 across the current axes and, optionally, its normal w.

    The normal is drawn as an arrow from the point of the line nearest the origin, which is
    where the geometry of the perceptron is easiest to see.
    """
    w = np.asarray(w, dtype=float)
    if w.shape != (2,):
        raise ValueError(
            f"w must have shape (2,) to draw a line in the plane, got {w.shape}"
        )
    norm = float(np.linalg.norm(w))
    if norm == 0.0:
        return  # w = 0 defines no line: every point is on the boundary
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    foot = -b * w / norm**2  # the point of the line closest to the origin
    direction = np.array([-w[1], w[0]]) / norm
    span = 4 * max(x1 - x0, y1 - y0) + 2 * float(np.linalg.norm(foot))
    ends = np.stack([foot - span * direction, foot + span * direction])
    ax.plot(ends[:, 0], ends[:, 1], color=color, lw=2, label=label, zorder=2)
    if show_normal:
        arrow = 0.25 * min(x1 - x0, y1 - y0) * w / norm
        ax.annotate(
            "",
            xy=foot + arrow,
            xytext=foot,
            arrowprops={"arrowstyle": "->", "color": color, "lw": 2},
            zorder=4,
        )
        ax.text(*(foot + 1.15 * arrow), r"$\mathbf{w}$", color=color, fontsize=12)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def plot_decision_regions(
    ax: Axes,
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    resolution: int = 100,
    pad: float = 0.5,
) -> None:
    """Shade the plane by ``predict`` (a function from an (m, 2) array to m labels).

    Also draws the points, and sets the limits to the points' bounding box plus ``pad``.
    """
    X, y = _check_points(X, y)
    if not callable(predict):
        raise TypeError(
            "predict must be a function mapping an (m, 2) array to m labels"
        )
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    z = np.asarray(predict(grid), dtype=float).reshape(gx.shape)
    classes = np.unique(y).astype(float)
    levels = np.concatenate([[-np.inf], (classes[:-1] + classes[1:]) / 2, [np.inf]])
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(classes))]
    ax.contourf(gx, gy, z, levels=levels, colors=colors, alpha=0.18, zorder=1)
    plot_points(ax, X, y)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])


def new_figure(title: str, xlabel: str, ylabel: str, **subplots_kw: object):
    """Create a one-axes figure with the title and axis labels every book figure must have."""
    for name, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                f"{name} must be a non-empty string: every figure is labelled"
            )
    fig, ax = plt.subplots(**subplots_kw)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig, ax
