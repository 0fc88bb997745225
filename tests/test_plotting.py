import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from bookutils import (
    new_figure,
    plot_decision_regions,
    plot_linear_boundary,
    plot_points,
    use_book_style,
)
from bookutils.viz.plotting import BOOK_STYLE


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_style_is_applied():
    mpl.rcdefaults()
    use_book_style()
    for key, value in BOOK_STYLE.items():
        if isinstance(value, tuple):
            value = list(value)
        assert mpl.rcParams[key] == value, key


def test_points_one_collection_per_class(ax):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    plot_points(ax, X, np.array([-1, 1, 1]))
    assert len(ax.collections) == 2
    assert [h.get_label() for h in ax.collections] == ["class -1", "class 1"]


def test_boundary_line_lies_on_w_x_plus_b_zero(ax):
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    w, b = np.array([1.0, 2.0]), -1.0
    plot_linear_boundary(ax, w, b)
    xy = ax.lines[0].get_xydata()
    assert np.allclose(xy @ w + b, 0)
    assert ax.get_xlim() == (-3, 3)  # limits are kept
    arrow = next(
        t for t in ax.texts if hasattr(t, "xyann")
    )  # the normal, as an arrow
    direction = np.subtract(arrow.xy, arrow.xyann)
    assert np.isclose(direction @ np.array([-w[1], w[0]]), 0) and direction @ w > 0


def test_zero_weights_draw_nothing(ax):
    plot_linear_boundary(ax, np.zeros(2), 1.0)
    assert not ax.lines


def test_decision_regions_shade_by_prediction(ax):
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])
    plot_decision_regions(
        ax, lambda G: (G[:, 0] > 0).astype(int), X, y, resolution=20
    )
    assert len(ax.collections) >= 3  # the shaded regions and two point classes
    assert ax.get_xlim() == (-1.5, 1.5)


def test_new_figure_requires_labels():
    fig, ax = new_figure("Title", "x", "y")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Title", "x", "y")
    plt.close(fig)
    with pytest.raises(ValueError, match="xlabel must be a non-empty string"):
        new_figure("Title", " ", "y")


@pytest.mark.parametrize(
    "call,error,match",
    [
        (
            lambda ax: plot_points(ax, np.ones((3, 3)), np.ones(3)),
            ValueError,
            "shape \\(n, 2\\)",
        ),
        (
            lambda ax: plot_points(ax, np.ones((3, 2)), np.ones(2)),
            ValueError,
            "y must have shape",
        ),
        (
            lambda ax: plot_linear_boundary(ax, np.ones(3), 0.0),
            ValueError,
            "shape \\(2,\\)",
        ),
        (
            lambda ax: plot_decision_regions(ax, "f", np.ones((2, 2)), np.ones(2)),
            TypeError,
            "predict must be a function",
        ),
        (
            lambda ax: plot_decision_regions(
                ax, abs, np.ones((2, 2)), np.ones(2), resolution=1
            ),
            ValueError,
            "resolution",
        ),
    ],
)
def test_bad_inputs(ax, call, error, match):
    with pytest.raises(error, match=match):
        call(ax)


def test_smallest_tick_points_reads_the_tick_labels():
    from matplotlib.figure import Figure

    from bookutils.viz.plotting import smallest_tick_points

    fig = Figure()
    left, right = fig.subplots(1, 2)
    left.plot([0, 1])
    right.tick_params(axis="x", labelsize=6)
    right.set_yticks([])
    assert smallest_tick_points(fig) == 6.0
    left.axis("off")
    right.tick_params(labelbottom=False)
    assert smallest_tick_points(fig) is None
    with pytest.raises(TypeError, match="matplotlib Figure"):
        smallest_tick_points("figure")


def test_inline_png_is_retina_and_records_the_tick_size():
    import base64

    from matplotlib.figure import Figure

    from bookutils.notebook import inline_png
    from bookutils.viz.plotting import TICK_SIZE_KEY

    fig = Figure(figsize=(3, 2), dpi=100)
    fig.add_subplot().plot([0, 1])
    data, metadata = inline_png(fig)
    png = base64.b64decode(data)
    width = int.from_bytes(png[16:20], "big")
    assert (
        metadata["width"] == width // 2 and width > 300
    )  # twice the pixels, half shown
    assert f"{TICK_SIZE_KEY}\x0010".encode() in png


def _red_runs(fig) -> list[tuple[float, float]]:
    """The horizontal extents (fractions of the width) of pure-red pixel columns in the PNG
    that savefig(bbox_inches="tight") writes: the axes' backgrounds, drawn red."""
    import io

    import matplotlib.image as mpimg

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    rgb = mpimg.imread(io.BytesIO(buf.getvalue()))[..., :3]
    red = ((rgb[..., 0] > 0.99) & (rgb[..., 1] < 0.01) & (rgb[..., 2] < 0.01)).any(
        0
    )
    runs, start = [], None
    for x, on in enumerate([*red, False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            runs.append((start / red.size, x / red.size))
            start = None
    return runs


@pytest.mark.parametrize("ncols", [2, 3, 4])
def test_panel_splits_fall_between_the_panels(ncols):
    from matplotlib.figure import Figure

    from bookutils.viz.plotting import panel_splits

    fig = Figure(figsize=(3 * ncols, 2.5), dpi=100)
    axes = fig.subplots(1, ncols)
    for k, ax in enumerate(axes):
        ax.set_facecolor("red")
        ax.grid(False)
        ax.set_title(f"panel {k}")
        ax.set_ylabel("a long y label")
    fig.suptitle("a title over all panels")
    splits = panel_splits(fig)
    runs = _red_runs(fig)
    assert len(runs) == ncols and len(splits) == ncols + 1
    assert splits[0] == 0 and splits[-1] == 1 and splits == sorted(splits)
    for split, left, right in zip(splits[1:-1], runs[:-1], runs[1:], strict=True):
        assert left[1] <= split <= right[0], (splits, runs)


def test_panel_splits_keep_a_colorbar_with_its_panel_and_one_column_unsplit():
    from matplotlib.figure import Figure

    from bookutils.viz.plotting import panel_splits

    fig = Figure(figsize=(8, 3), dpi=100)
    left, right = fig.subplots(1, 2)
    image = left.imshow([[0, 1], [1, 0]])
    fig.colorbar(image, ax=left)
    right.plot([0, 1])
    assert (
        len(panel_splits(fig)) == 3
    )  # two columns: the colorbar stays with its panel
    single = Figure(figsize=(4, 3))
    single.subplots(2, 1)
    assert panel_splits(single) == []
    with pytest.raises(TypeError, match="matplotlib Figure"):
        panel_splits("figure")


def test_inline_png_records_the_panel_columns():
    import base64

    from matplotlib.figure import Figure

    from bookutils.notebook import inline_png
    from bookutils.viz.plotting import PANELS_KEY

    fig = Figure(figsize=(6, 2), dpi=100)
    for ax in fig.subplots(1, 2):
        ax.plot([0, 1])
    png = base64.b64decode(inline_png(fig)[0])
    assert f"{PANELS_KEY}\x000,".encode() in png
    one = Figure(figsize=(3, 2), dpi=100)
    one.add_subplot().plot([0, 1])
    assert PANELS_KEY.encode() not in base64.b64decode(inline_png(one)[0])


def test_title_band_covers_the_suptitle_and_no_axes():
    import io

    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    from bookutils.viz.plotting import title_band

    fig = Figure(figsize=(8, 3), dpi=100)
    for ax in fig.subplots(1, 2):
        ax.set_facecolor("red")
        ax.grid(False)
        ax.set_title("panel title")
    fig.suptitle("a title over both panels", color="blue")
    band = title_band(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    rgb = mpimg.imread(io.BytesIO(buf.getvalue()))[..., :3]
    rows = rgb.shape[0]
    blue = ((rgb[..., 2] > 0.9) & (rgb[..., 0] < 0.1)).any(1)
    red = ((rgb[..., 0] > 0.99) & (rgb[..., 1] < 0.01)).any(1)
    cut = band * rows
    assert 0 < band < 0.5
    assert blue.nonzero()[0].max() < cut + 1  # the whole title lies in the band
    assert red.nonzero()[0].min() > cut  # and no axes
    untitled = Figure(figsize=(8, 3))
    untitled.subplots(1, 2)
    assert title_band(untitled) == 0
    with pytest.raises(TypeError, match="matplotlib Figure"):
        title_band(None)
