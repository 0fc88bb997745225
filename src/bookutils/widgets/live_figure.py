"""A figure redrawn from sliders while a kernel runs: the live twin of a scrubbable figure.

The chapter writes one drawing function ``draw(fig, **values)`` that fills an empty figure
for given control values. :func:`live_figure` puts ipywidgets controls in front of it (any
value, redrawn on every change, needs a kernel); :func:`bookutils.viz.scrub.scrub_figure` with
``lambda fig, i: draw(fig, **grid[i])`` renders the same function on a grid for the HTML
book. One drawing function, two ways to move it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display
from matplotlib.figure import Figure


class LiveFigure:
    """Controls (name -> ipywidgets control) that redraw ``draw(fig, **values)`` on change."""

    def __init__(
        self,
        draw: Callable[..., None],
        controls: Mapping[str, widgets.ValueWidget],
        *,
        figsize: tuple[float, float] = (6.0, 3.6),
    ) -> None:
        if not callable(draw):
            raise TypeError(
                "draw must be a function draw(fig, **values) that fills the figure"
            )
        if not controls or not all(
            hasattr(c, "value") and hasattr(c, "observe") for c in controls.values()
        ):
            raise ValueError(
                "controls must map each keyword of draw to an ipywidgets control"
                " with a value, e.g. {'gain': FloatSlider(...)}"
            )
        self.draw, self.controls, self.figsize = draw, dict(controls), figsize
        self.output = widgets.Output()
        self.redraws = 0
        for control in self.controls.values():
            control.observe(lambda _change: self.redraw(), names="value")
        self.widget = widgets.VBox(
            [widgets.HBox(list(self.controls.values())), self.output]
        )
        self.redraw()

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control, by keyword."""
        return {name: control.value for name, control in self.controls.items()}

    def render(self) -> Figure:
        """A new figure drawn for the current values (not shown)."""
        fig = plt.figure(figsize=self.figsize, layout="constrained")
        self.draw(fig, **self.values)
        return fig

    def redraw(self) -> None:
        """Redraw the figure from the current controls."""
        with self.output:
            self.output.clear_output(wait=True)
            fig = self.render()
            plt.show()
            plt.close(fig)
        self.redraws += 1


def live_figure(
    draw: Callable[..., None],
    figsize: tuple[float, float] = (6.0, 3.6),
    **controls: widgets.ValueWidget,
) -> LiveFigure:
    """Build a :class:`LiveFigure` from keyword controls, display it, and return it."""
    live = LiveFigure(draw, controls, figsize=figsize)
    display(live.widget)
    return live
