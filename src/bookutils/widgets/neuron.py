"""One neuron with two inputs, a = f(w₁x₁ + w₂x₂ + b), drawn as a surface over the plane.

:func:`plot_neuron_surface` draws the picture (the HTML book's static figures use it), and
:func:`neuron_explorer` wraps it in sliders for the weights and bias and a menu of
activation functions, so a reader with a kernel sees the surface change as they move them.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure

from ..foundations.activations import ACTIVATION_NAMES, get_activation
from .display import show_widget


def _weights(w: np.ndarray, b: float, dim: int) -> tuple[np.ndarray, float]:
    w = np.asarray(w, dtype=float)
    if w.shape != (dim,):
        raise ValueError(f"w must have shape ({dim},), got {w.shape}")
    if not np.isscalar(b) or not np.isfinite(b):
        raise ValueError(f"b must be a finite number, got {b!r}")
    return w, float(b)


def neuron_output(name: str, w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """The activations f(X w + b) of one neuron for the rows of ``X`` (shape (n, d))."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array (n examples × d inputs), got shape {X.shape}"
        )
    w, b = _weights(w, b, X.shape[1])
    return get_activation(name).f(X @ w + b)


def plot_neuron_surface(
    ax: Axes,
    name: str,
    w: np.ndarray,
    b: float,
    *,
    limit: float = 3.0,
    resolution: int = 61,
) -> QuadContourSet:
    """Shade ``ax`` by the neuron's output over the square [-limit, limit]², with labels.

    The dashed line is where the pre-activation w·x + b is zero. Returns the filled contour
    set, for a colour bar.
    """
    w, b = _weights(w, b, 2)
    if not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or resolution < 2
    ):
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    g = np.linspace(-limit, limit, resolution)
    gx, gy = np.meshgrid(g, g)
    a = neuron_output(
        name, w, b, np.column_stack([gx.ravel(), gy.ravel()])
    ).reshape(gx.shape)
    filled = ax.contourf(gx, gy, a, levels=20, cmap="viridis")
    if np.any(w != 0):
        ax.contour(
            gx,
            gy,
            gx * w[0] + gy * w[1] + b,
            levels=[0.0],
            colors="white",
            linestyles="--",
            linewidths=1.2,
        )
    ax.set_title(f"{name}: w = ({w[0]:.1f}, {w[1]:.1f}), b = {b:.1f}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return filled


class NeuronExplorer:
    """A menu of activations and sliders for w₁, w₂, b that redraw the neuron's surface."""

    def __init__(
        self,
        name: str = "sigmoid",
        w: tuple[float, float] = (1.0, -1.0),
        b: float = 0.0,
        *,
        limit: float = 3.0,
    ) -> None:
        get_activation(name)  # fails early, with the list of names, on a bad one
        w0, b0 = _weights(np.asarray(w), b, 2)
        self.limit = float(limit)
        self.activation = widgets.Dropdown(
            options=ACTIVATION_NAMES, value=name, description="f"
        )
        self.w1, self.w2, self.b = (
            widgets.FloatSlider(value=v, min=-5, max=5, step=0.1, description=label)
            for label, v in (("w₁", w0[0]), ("w₂", w0[1]), ("b", b0))
        )
        self.output = widgets.Output()
        for control in (self.activation, self.w1, self.w2, self.b):
            control.observe(lambda _change: self.redraw(), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.activation, self.w1]),
                widgets.HBox([self.w2, self.b]),
                self.output,
            ]
        )
        self.redraw()

    def draw(self, ax: Axes) -> QuadContourSet:
        """Draw the current neuron's surface on ``ax``."""
        return plot_neuron_surface(
            ax,
            self.activation.value,
            np.array([self.w1.value, self.w2.value]),
            float(self.b.value),
            limit=self.limit,
            resolution=41,
        )

    def redraw(self) -> None:
        """Redraw the figure from the current controls."""
        with self.output:
            self.output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(4.8, 4.0))
            fig.colorbar(self.draw(ax), ax=ax, label="output $a$")
            plt.show()
            plt.close(fig)


def neuron_explorer(**kwargs) -> NeuronExplorer:
    """Build a :class:`NeuronExplorer`, display it, and return it."""
    explorer = NeuronExplorer(**kwargs)
    fig = Figure(figsize=(4.8, 4.0), layout="constrained")
    fig.colorbar(explorer.draw(fig.add_subplot()), label="output $a$")
    show_widget(
        explorer.widget,
        fig,
        alt=f"Filled contour map of a {explorer.activation.value}"
        " neuron's output a over the (x₁, x₂) plane, with its decision boundary, for"
        " the weights and bias listed below.",
    )
    return explorer
