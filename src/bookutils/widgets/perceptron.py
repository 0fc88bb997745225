"""Live widgets: sliders and buttons that redraw a figure as the reader moves them.

In Jupyter or Colab they respond at once. In the HTML book there is no kernel, so the
widget shows the picture it had when the book was built; each chapter also draws a static
figure of the same idea for those readers.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..foundations.perceptron import (
    _check_labels,
    perceptron_predict,
    perceptron_update,
)
from ..viz.plotting import plot_decision_regions, plot_linear_boundary
from .display import show_widget


class PerceptronExplorer:
    """Sliders for w₁, w₂ and b move the perceptron's line; "Train step" applies the rule.

    "Train step" visits the examples in turn (cycling) and applies the learning rule to the
    next one, so the reader sees a point that was misclassified pull the line towards it.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        lr: float = 0.5,
        w: tuple[float, float] = (1.0, -1.0),
        b: float = 0.0,
        limit: float = 3.0,
    ) -> None:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"X must have shape (n, 2) (the explorer draws the plane),"
                f" got {X.shape}"
            )
        self.X, self.y = X, _check_labels(y, X.shape[0]).astype(int)
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self._start = (tuple(float(v) for v in w), float(b))
        self.next_index = 0
        self.updates = 0
        self._quiet = False

        def slider(label: str, value: float) -> widgets.FloatSlider:
            s = widgets.FloatSlider(
                value=value,
                min=-limit,
                max=limit,
                step=0.05,
                description=label,
                readout_format=".2f",
            )
            s.observe(lambda _change: self.redraw(), names="value")
            return s

        self.w1, self.w2 = (
            slider("w₁", self._start[0][0]),
            slider("w₂", self._start[0][1]),
        )
        self.b = slider("b", self._start[1])
        self.step_button = widgets.Button(
            description="Train step", icon="step-forward"
        )
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.step_button.on_click(lambda _button: self.step())
        self.reset_button.on_click(lambda _button: self.reset())
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.VBox([self.w1, self.w2, self.b]),
                        widgets.VBox([self.step_button, self.reset_button]),
                    ]
                ),
                self.status,
                self.output,
            ]
        )
        self.redraw()

    @property
    def weights(self) -> tuple[np.ndarray, float]:
        """The current (w, b) read off the sliders."""
        return np.array([self.w1.value, self.w2.value]), float(self.b.value)

    def _set(self, w: np.ndarray, b: float) -> None:
        self._quiet = True  # one redraw for three slider moves
        try:
            self.w1.value, self.w2.value, self.b.value = (
                float(w[0]),
                float(w[1]),
                float(b),
            )
        finally:
            self._quiet = False
        self.redraw()

    def step(self) -> None:
        """Apply the learning rule to the next example."""
        w, b = self.weights
        i = self.next_index
        new_w, new_b = perceptron_update(w, b, self.X[i], int(self.y[i]), self.lr)
        self.updates += int(new_b != b)
        self.next_index = (i + 1) % len(self.y)
        self._set(new_w, new_b)

    def reset(self) -> None:
        """Back to the starting weights and the first example."""
        self.next_index, self.updates = 0, 0
        self._set(np.array(self._start[0]), self._start[1])

    def errors(self) -> int:
        """How many examples the current (w, b) misclassifies."""
        w, b = self.weights
        return int(np.sum(perceptron_predict(w, b, self.X) != self.y))

    def draw(self, ax: plt.Axes) -> None:
        """Draw the regions, the line, its normal and the next example to visit."""
        w, b = self.weights
        plot_decision_regions(
            ax, lambda G: perceptron_predict(w, b, G), self.X, self.y
        )
        plot_linear_boundary(ax, w, b)
        nxt = self.X[self.next_index]
        ax.scatter(
            *nxt,
            s=180,
            facecolors="none",
            edgecolors="black",
            linewidths=1.5,
            label="next example",
            zorder=5,
        )
        ax.set_title(f"Perceptron: w = ({w[0]:.2f}, {w[1]:.2f}), b = {b:.2f}")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="upper right")

    def redraw(self) -> None:
        if self._quiet:
            return
        self.status.value = (
            f"misclassified: <b>{self.errors()}</b> of {len(self.y)}"
            f" &nbsp;·&nbsp; updates so far: {self.updates}"
        )
        with self.output:
            self.output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(5.5, 4.2))
            self.draw(ax)
            plt.show()
            plt.close(fig)


def perceptron_explorer(
    X: np.ndarray, y: np.ndarray, **kwargs
) -> PerceptronExplorer:
    """Build a :class:`PerceptronExplorer`, display it, and return it for inspection."""
    explorer = PerceptronExplorer(X, y, **kwargs)
    fig = Figure(figsize=(5.5, 4.2), layout="constrained")
    explorer.draw(fig.add_subplot())
    show_widget(
        explorer.widget,
        fig,
        alt="The perceptron's decision regions and line over the"
        " training points, with the next example to visit circled, for the weights"
        " listed below.",
    )
    return explorer
