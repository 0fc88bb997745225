"""Pictures of a :class:`~bookutils.playground.engine.PlaygroundModel`, live or as scrubbable
frames.

Three panels, as in TensorFlow Playground: the network (every unit drawn as a small map of
its output over the plane, links as wide as ``|w|``, orange for positive and blue for
negative weights), the decision map with the training points (filled) and the test points
(hollow), and the training and test loss per epoch. :class:`PlaygroundView` keeps its
artists and only gives them new data; maps are ``imshow`` images rather than ``contourf``
and tick positions are fixed. That keeps a redraw within the playground's latency budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure, FigureBase
from matplotlib.ticker import MaxNLocator

from ..viz.plotting import PALETTE
from ..viz.scrub import ScrubbableFigure, figure_to_png
from .engine import FEATURES, PlaygroundConfig, PlaygroundModel

#: Blue (class 0, negative) through white to orange (class 1, positive).
CMAP = LinearSegmentedColormap.from_list(
    "playground", [PALETTE[0], "#FFFFFF", PALETTE[1]]
)
PANELS = ("network", "boundary", "loss")


def _bounds(
    model: PlaygroundModel, pad: float = 0.3
) -> tuple[float, float, float, float]:
    lo, hi = model.points.min(axis=0) - pad, model.points.max(axis=0) + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def _grid(extent: tuple[float, float, float, float], n: int) -> np.ndarray:
    gx, gy = np.meshgrid(
        np.linspace(extent[0], extent[1], n), np.linspace(extent[2], extent[3], n)
    )
    return np.column_stack([gx.ravel(), gy.ravel()])


def _few_ticks(lo: float, hi: float, integer: bool = False) -> np.ndarray:
    ticks = MaxNLocator(4, integer=integer).tick_values(lo, hi)
    return ticks[(ticks >= lo) & (ticks <= hi)]


class PlaygroundView:
    """The panels of a playground on one figure, updated in place as the model trains.

    Artists are built once and then only given new data, and tick positions are fixed,
    which is what keeps a redraw fast; only a new architecture rebuilds the diagram.
    """

    def __init__(
        self,
        fig: FigureBase,
        panels: Sequence[str] = PANELS,
        *,
        resolution: int = 60,
        unit_resolution: int = 14,
    ) -> None:
        if not isinstance(fig, FigureBase):
            raise TypeError(
                f"fig must be a matplotlib Figure or SubFigure, got"
                f" {type(fig).__name__}"
            )
        unknown = [p for p in panels if p not in PANELS]
        if unknown or not panels or len(set(panels)) != len(panels):
            raise ValueError(
                f"panels must be distinct names from {PANELS}, got {list(panels)!r}"
            )
        self.fig, self.panels = fig, tuple(panels)
        self.resolution, self.unit_resolution = resolution, unit_resolution
        ratios = [1.25 if p == "network" else 1.0 for p in self.panels]
        if isinstance(fig, Figure):
            fig.set_layout_engine(
                "none"
            )  # fixed positions: no layout pass per redraw
        grid = fig.add_gridspec(
            1,
            len(self.panels),
            width_ratios=ratios,
            left=0.06,
            right=0.97,
            bottom=0.16,
            top=0.88,
            wspace=0.3,
        )
        self.axes = {
            name: fig.add_subplot(grid[0, i]) for i, name in enumerate(self.panels)
        }
        self._keys: dict[str, object] = {}
        self._artists: dict[str, object] = {}

    def update(self, model: PlaygroundModel) -> None:
        """Show ``model``'s current state in every panel."""
        if not isinstance(model, PlaygroundModel):
            raise TypeError(
                f"model must be a PlaygroundModel, got {type(model).__name__}"
            )
        s = model.settings
        for name, ax in self.axes.items():
            key = (s.features, s.hidden) if name == "network" else None
            fresh = name not in self._keys or self._keys[name] != key
            if fresh:
                ax.clear()
                self._keys[name] = key
            getattr(self, f"_{name}")(ax, model, fresh)

    def _boundary(self, ax: Axes, model: PlaygroundModel, fresh: bool) -> None:
        extent, n = _bounds(model), self.resolution
        p = model.predict_proba(_grid(extent, n)).reshape(n, n)
        if fresh:
            self._artists["map"] = ax.imshow(
                p,
                origin="lower",
                extent=extent,
                cmap=CMAP,
                vmin=0,
                vmax=1,
                aspect="auto",
                interpolation="bilinear",
                alpha=0.55,
            )
            self._artists["points"] = [
                ax.scatter(
                    [],
                    [],
                    s=16,
                    marker=marker,
                    c=color if filled else "none",
                    edgecolors="#222222" if filled else color,
                    linewidths=0.4 if filled else 0.9,
                    zorder=3,
                )
                for marker, color in (("o", PALETTE[0]), ("s", PALETTE[1]))
                for filled in (True, False)
            ]
            ax.grid(False)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        # Compare the points themselves, not id(): a freed array's id can be reused by a new
        # array, which made a new data set look like the old one.
        previous = self._keys.get("points")
        if (
            fresh
            or previous is None
            or previous.shape != model.points.shape
            or not np.array_equal(previous, model.points)
        ):
            # a new data set: move the points, the map and the limits (no new artists)
            self._keys["points"] = model.points.copy()
            dots = iter(self._artists["points"])
            for cls in (0, 1):
                for idx in (model.train_idx, model.test_idx):
                    next(dots).set_offsets(
                        model.points[idx][model.labels[idx] == cls]
                    )
            self._artists["map"].set_extent(extent)
            ax.set_xlim(extent[:2])
            ax.set_ylim(extent[2:])
            ax.set_xticks(_few_ticks(*extent[:2]))
            ax.set_yticks(_few_ticks(*extent[2:]))
        self._artists["map"].set_data(p)
        ax.set_title(
            f"epoch {model.epoch}: test accuracy {model.accuracy('test'):.0%}",
            fontsize=10,
        )

    def _loss(self, ax: Axes, model: PlaygroundModel, fresh: bool) -> None:
        train, test = model.history["train"], model.history["test"]
        epochs = np.arange(len(train))
        if fresh:
            (self._artists["train"],) = ax.plot(
                epochs, train, color=PALETTE[2], label="train", marker="o", ms=3
            )
            (self._artists["test"],) = ax.plot(
                epochs,
                test,
                color=PALETTE[3],
                ls="--",
                label="test",
                marker="o",
                ms=3,
            )
            self._artists["legend"] = ax.legend(loc="upper right")
            ax.set_title("loss (cross-entropy)", fontsize=10)
            ax.set_xlabel("epoch")
            ax.set_ylabel("loss")
        else:
            self._artists["train"].set_data(epochs, train)
            self._artists["test"].set_data(epochs, test)
        for line in (self._artists["train"], self._artists["test"]):
            line.set_markevery([len(train) - 1])  # a dot on the latest epoch
        for text, name, values in zip(
            self._artists["legend"].get_texts(),
            ("train", "test"),
            (train, test),
            strict=True,
        ):
            text.set_text(f"{name} {values[-1]:.3f}")
        right = max(10, len(train) - 1)
        top = min(max(train[0], test[0], 0.8) * 1.1, 3.0)
        ax.set_xlim(0, right)
        ax.set_ylim(0, top)
        ax.set_xticks(_few_ticks(0, right, integer=True))
        ax.set_yticks(_few_ticks(0, top))

    def _network(self, ax: Axes, model: PlaygroundModel, fresh: bool) -> None:
        n = self.unit_resolution
        outputs = model.neuron_outputs(_grid(_bounds(model), n))
        weights = model.diagram_weights()
        if fresh:
            self._build_network(ax, model, outputs)
        widths, colors = [], []
        for W in weights:
            scale = float(np.abs(W).max()) or 1.0
            widths.extend((0.3 + 3.5 * np.abs(W) / scale).T.ravel())
            colors.extend(np.where(W.T.ravel() > 0, PALETTE[1], PALETTE[0]))
        links = self._artists["links"]
        links.set_linewidths(widths)
        links.set_colors(colors)
        units = iter(self._artists["units"])
        for col, values in enumerate(outputs):
            for row in range(values.shape[1]):
                v = values[:, row].reshape(n, n)
                image = next(units)
                image.set_data(v)
                if col < len(outputs) - 1:
                    m = float(np.abs(v).max()) or 1.0
                    image.set_clim(-m, m)

    def _build_network(
        self, ax: Axes, model: PlaygroundModel, outputs: list[np.ndarray]
    ) -> None:
        columns = len(outputs)
        height = max(o.shape[1] for o in outputs)
        size = 0.7

        def position(col: int, row: int, width: int) -> tuple[float, float]:
            return float(col), (height - 1) / 2 - row + (width - 1) / 2

        segments = [
            [position(col, j, a.shape[1]), position(col + 1, i, b.shape[1])]
            for col, (a, b) in enumerate(
                zip(outputs[:-1], outputs[1:], strict=True)
            )
            for j in range(a.shape[1])
            for i in range(b.shape[1])
        ]
        self._artists["links"] = ax.add_collection(
            LineCollection(segments, alpha=0.7, zorder=1)
        )
        units = []
        blank = np.zeros((self.unit_resolution, self.unit_resolution))
        for col, values in enumerate(outputs):
            for row in range(values.shape[1]):
                x, y = position(col, row, values.shape[1])
                units.append(
                    ax.imshow(
                        blank,
                        origin="lower",
                        cmap=CMAP,
                        vmin=0,
                        vmax=1,
                        zorder=2,
                        extent=(
                            x - size / 2,
                            x + size / 2,
                            y - size / 2,
                            y + size / 2,
                        ),
                    )
                )
                if col == 0:
                    ax.text(
                        x - size / 2 - 0.08,
                        y,
                        FEATURES[model.settings.features[row]][0],
                        ha="right",
                        va="center",
                        fontsize=8,
                    )
        self._artists["units"] = units
        ax.set_xlim(-0.9, columns - 1 + 0.5)
        ax.set_ylim(-0.6, height - 0.4)
        ax.set_aspect("equal")
        ax.set_xticks(
            range(columns), ["in", *[f"h{k}" for k in range(1, columns - 1)], "out"]
        )
        ax.set_yticks([])
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_title("network: link width ∝ |w|", fontsize=10)
        ax.set_xlabel("layer")
        ax.set_ylabel("unit")


def draw_playground(
    fig: FigureBase, model: PlaygroundModel, panels: Sequence[str] = PANELS
) -> PlaygroundView:
    """Draw ``model`` on an empty ``fig`` (or a subfigure) in the chosen panels.

    Returns the :class:`PlaygroundView`, whose ``update`` shows a later state.
    """
    view = PlaygroundView(fig, panels)
    view.update(model)
    return view


def training_scrubber(
    config: PlaygroundConfig | str,
    checkpoints: Sequence[int],
    *,
    alt: str,
    panels: Sequence[str] = PANELS,
    figsize: tuple[float, float] | None = None,
    dpi: float = 150,
) -> tuple[ScrubbableFigure, PlaygroundModel]:
    """Train ``config`` from epoch 0 and render one frame at each of the ``checkpoints``.

    ``checkpoints`` are increasing epoch counts (0 shows the untrained network). Returns
    the scrubbable figure and the model, trained to the last checkpoint.
    """
    config = (
        PlaygroundConfig.from_string(config) if isinstance(config, str) else config
    )
    points = [int(c) for c in checkpoints]
    if not points or points[0] < 0 or np.any(np.diff(points) <= 0):
        raise ValueError(
            f"checkpoints must be increasing epoch counts >= 0, got {points}"
        )
    model = PlaygroundModel(config.replace(epochs=0))
    fig = Figure(figsize=figsize or (3.3 * len(panels) + 0.8, 3.2))
    FigureCanvasAgg(fig)
    view = PlaygroundView(fig, panels)
    frames, labels = [], []
    for epoch in points:
        model.train(epoch - model.epoch)
        view.update(model)
        frames.append(figure_to_png(fig, dpi=dpi))
        labels.append(
            f"epoch {epoch}: train loss {model.history['train'][-1]:.3f},"
            f" test loss {model.history['test'][-1]:.3f}"
        )
    return ScrubbableFigure(tuple(frames), tuple(labels), alt), model
