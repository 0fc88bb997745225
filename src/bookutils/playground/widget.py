"""The live training playground: controls, play / pause / step / reset, and a shareable string.

How to use: ``pg = bookutils.playground.widget.playground()`` in a notebook cell shows it;
pass a string such as ``"pg1:data=xor&hidden=4"`` to start from an exact setting. Any
control change rebuilds the data and the network (epoch 0), but a control that reports the
value it already holds (Jupyter's sliders do when they render) keeps the trained network;
**step** trains one epoch, **play** keeps training, **reset** starts again. The *setting*
box always shows the string of the current state: copy it to share or hand out exactly this
state, or paste one in.

Jupyter and Colab both run it with nothing to install, since it uses only ipywidgets' core
widgets (no custom widget manager). In the HTML book there is no kernel: the widget shows
the picture it had when the book was built, and chapters pair it with scrubbable figures
(:func:`bookutils.playground.view.training_scrubber`). Under nbval nothing plays, so a
notebook never blocks and its output stays deterministic.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..foundations.mlp_numpy import ACTIVATIONS
from ..optim.optimizers import OPTIMIZERS
from ..widgets.display import show_widget
from .engine import (
    DATASETS,
    FEATURES,
    REGULARIZERS,
    PlaygroundConfig,
    PlaygroundModel,
)
from .view import PlaygroundView

REG_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
# Learning rates on the η slider. A selection slider keeps the value exact: a log slider
# snaps it to its grid in the browser (0.03 becomes 0.0316...), which rebuilt the model.
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def _rate_options(
    rates: tuple[float, ...], value: float
) -> list[tuple[str, float]]:
    """The η slider's (label, rate) options: ``rates`` plus ``value`` if it is not one."""
    return [(f"{r:g}", r) for r in sorted({*rates, float(value)})]


def parse_hidden(text: str) -> tuple[int, ...]:
    """The hidden layer widths typed in the box, e.g. ``"4, 2"`` → (4, 2); ``""`` → ()."""
    if not isinstance(text, str):
        raise TypeError(f"expected text such as '4, 2', got {type(text).__name__}")
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise ValueError(
            f"hidden layers: type widths separated by commas, e.g. '4, 2';"
            f" got {text!r}"
        )
    return tuple(int(p) for p in parts)


class Playground:
    """Controls for every :class:`~bookutils.playground.engine.PlaygroundConfig` setting,
    and a three-panel picture."""

    def __init__(
        self,
        config: PlaygroundConfig | str | None = None,
        *,
        figsize: tuple[float, float] = (11.0, 3.4),
        dpi: float = 72,
        epochs_per_tick: int = 2,
    ) -> None:
        self.model = PlaygroundModel(config)
        self.figsize, self.dpi, self.epochs_per_tick = (
            figsize,
            dpi,
            int(epochs_per_tick),
        )
        c = self.model.config
        dd, fs = widgets.Dropdown, widgets.FloatSlider
        self.controls: dict[str, widgets.Widget] = {
            "data": dd(options=list(DATASETS), value=c.data, description="data"),
            "noise": fs(
                value=c.noise, min=0, max=0.5, step=0.05, description="noise"
            ),
            "split": fs(
                value=c.split, min=0.1, max=0.9, step=0.1, description="train part"
            ),
            "features": widgets.SelectMultiple(
                options=[
                    (FEATURES[f][0].strip("$").replace("\\", ""), f)
                    for f in FEATURES
                ],
                value=c.features,
                rows=4,
                description="features",
            ),
            "hidden": widgets.Text(
                value=", ".join(map(str, c.hidden)),
                description="hidden",
                placeholder="e.g. 4, 2",
                continuous_update=False,
            ),
            "activation": dd(
                options=list(ACTIVATIONS),
                value=c.activation,
                description="activation",
            ),
            "optimizer": dd(
                options=list(OPTIMIZERS), value=c.optimizer, description="optimizer"
            ),
            "lr": widgets.SelectionSlider(
                options=_rate_options(LEARNING_RATES, c.lr),
                value=c.lr,
                description="η",
            ),
            "beta": fs(value=c.beta, min=0, max=0.99, step=0.01, description="β"),
            "reg": dd(
                options=list(REGULARIZERS), value=c.reg, description="regularizer"
            ),
            "reg_rate": dd(
                options=sorted({*REG_RATES, c.reg_rate}),
                value=c.reg_rate,
                description="reg. rate",
            ),
            "batch": widgets.IntSlider(
                value=c.batch, min=1, max=50, description="batch"
            ),
            "seed": widgets.BoundedIntText(
                value=c.seed, min=0, max=2**31, description="seed"
            ),
        }
        self._quiet = False
        for control in self.controls.values():
            control.observe(self._on_control, names="value")
        self.play = widgets.Play(
            value=0,
            min=0,
            max=10**6,
            interval=150,
            show_repeat=False,
            description="play",
        )
        self.play.observe(self._on_tick, names="value")
        self.step_button = widgets.Button(description="step", icon="step-forward")
        self.reset_button = widgets.Button(description="reset", icon="undo")
        self.step_button.on_click(lambda _b: self.step())
        self.reset_button.on_click(lambda _b: self.reset())
        self.setting = widgets.Text(
            description="setting",
            continuous_update=False,
            layout=widgets.Layout(width="95%"),
        )
        self.setting.observe(self._on_setting, names="value")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.view = PlaygroundView(self.figure)
        col = [list(self.controls.values())[i : i + 5] for i in (0, 5, 10)]
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [self.play, self.step_button, self.reset_button, self.status]
                ),
                widgets.HBox([widgets.VBox(c_) for c_ in col]),
                self.setting,
                self.image,
            ]
        )
        self.redraw()

    # ---------------------------------------------------------------- state changes

    @property
    def config(self) -> PlaygroundConfig:
        """The setting of the current state (what the *setting* box shows)."""
        return self.model.config

    def settings_from_controls(self) -> PlaygroundConfig:
        """Read the controls into a config at epoch 0 (raises ValueError if invalid)."""
        values: dict[str, Any] = {k: w.value for k, w in self.controls.items()}
        values["hidden"] = parse_hidden(values["hidden"])
        values["features"] = tuple(values["features"])
        for key in (
            "noise",
            "split",
            "beta",
        ):  # 0.9000000000000001 from the browser
            values[key] = round(values[key], 10)
        return PlaygroundConfig(points=self.model.settings.points, **values)

    def load(self, config: PlaygroundConfig | str) -> None:
        """Show ``config`` (a config or its string): set every control, then rebuild."""
        model = PlaygroundModel(config)
        self._quiet = True
        try:
            c = model.config
            for key, control in self.controls.items():
                value = getattr(c, key)
                if key == "hidden":
                    value = ", ".join(map(str, value))
                if key == "reg_rate" and value not in control.options:
                    control.options = sorted({*control.options, value})
                if key == "lr" and value not in control.options:
                    control.options = _rate_options(LEARNING_RATES, value)
                control.value = value
        finally:
            self._quiet = False
        self.model = model
        self.redraw()

    def _on_control(self, _change: dict) -> None:
        if self._quiet:
            return
        try:
            settings = self.settings_from_controls()
        except ValueError as err:
            self.status.value = f"<span style='color:#D55E00'>{err}</span>"
            return
        if settings != self.model.settings:  # not an echo of the same value
            self.model = PlaygroundModel(settings)
        self.redraw()

    def _on_setting(self, change: dict) -> None:
        if self._quiet or change["new"] == self.config.to_string():
            return
        try:
            self.load(change["new"])
        except (TypeError, ValueError) as err:
            self.status.value = f"<span style='color:#D55E00'>{err}</span>"

    def _on_tick(self, change: dict) -> None:
        if change["new"] > change["old"]:
            self.step(self.epochs_per_tick)

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` more epochs and redraw."""
        self.model.train(epochs)
        self.redraw()

    def reset(self) -> None:
        """Back to epoch 0 with the current settings (the same data and initial weights)."""
        self.play.playing = False
        self.model = PlaygroundModel(self.model.settings)
        self.redraw()

    # ---------------------------------------------------------------- drawing

    def render(self) -> bytes:
        """The current picture as PNG bytes."""
        self.view.update(self.model)
        self.figure.canvas.draw()
        rgba = np.asarray(self.figure.canvas.buffer_rgba())
        buf = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def redraw(self) -> None:
        """Redraw the picture and update the status line and the setting box."""
        self.image.value = self.render()
        m = self.model
        self.status.value = (
            f"epoch <b>{m.epoch}</b> · train loss {m.history['train'][-1]:.3f}"
            f" · test loss {m.history['test'][-1]:.3f}"
            f" · test accuracy {m.accuracy('test'):.0%}"
        )
        self._quiet = True
        try:
            self.setting.value = m.config.to_string()
        finally:
            self._quiet = False


def playground(
    config: PlaygroundConfig | str | None = None, **kwargs: Any
) -> Playground:
    """Build a :class:`Playground`, display it, and return it for inspection."""
    pg = Playground(config, **kwargs)
    show_widget(
        pg.widget,
        pg.figure,
        alt="The playground's network after training: its"
        " decision map over the data, its layers with links drawn by weight, and the"
        " training and test loss curves, for the settings listed below.",
    )
    return pg
