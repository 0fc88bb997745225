"""A live widget: pick a loss surface, an optimizer, a learning rate and β, see the path.

In the spirit of Goh's "Why Momentum Really Works" (Distill, 2017). The HTML book has no
kernel, so the chapter pairs it with a static grid of the same paths (:func:`plot_paths`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..optim.loss_surfaces import get_surface, plot_path, plot_surface
from ..optim.optimizers import OPTIMIZERS, hyperparameters_for, trajectory
from .display import show_widget


def surface_path(
    surface: str, name: str, lr: float, beta: float, steps: int
) -> np.ndarray:
    """The path of optimizer ``name`` with (lr, β) on ``surface`` from its start point."""
    s = get_surface(surface)
    return trajectory(
        name,
        lambda t: s.f(t),
        s.start,
        steps,
        **hyperparameters_for(name, lr, beta),
    )


# what the widget's β sets, in the book's notation (chapter 3.2), for the panel titles
_BETA_SYMBOL = {
    "Momentum": "μ",
    "Nesterov": "μ",
    "RMSProp": "β₂",
    "Adam": "β₁",
    "AdamW": "β₁",
}


def plot_paths(
    surface: str,
    runs: Sequence[tuple[str, float, float]],
    steps: int,
    *,
    ncols: int = 4,
    title: str = "",
) -> tuple[plt.Figure, list[np.ndarray]]:
    """Small multiples: one panel per (optimizer, lr, β) run on ``surface``.

    Returns the figure and the paths, in the order of ``runs``.
    """
    if not runs:
        raise ValueError(
            "runs is empty: give at least one (optimizer, lr, beta) triple"
        )
    nrows = -(-len(runs) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(2.6 * ncols, 2.6 * nrows),
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    s = get_surface(surface)
    paths = []
    for ax, (name, lr, beta) in zip(axes.flat, runs, strict=False):
        plot_surface(ax, s, n=100, levels=15)
        path = surface_path(surface, name, lr, beta, steps)
        paths.append(path)
        plot_path(ax, path, color="#D55E00")
        loss = float(s.f(path[-1]))
        symbol = _BETA_SYMBOL.get(name)
        ax.set_title(
            f"{name}, η={lr:g}"
            + (f", {symbol}={beta:g}" if symbol else "")
            + f"\nloss {loss:.2g}",
            fontsize=9,
        )
    for ax in axes.flat[len(runs) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("$\\theta_1$")
    for ax in axes[:, 0]:
        ax.set_ylabel("$\\theta_2$")
    fig.suptitle(
        title or f"Optimizer paths on the {s.name} surface ({steps} steps)"
    )
    return fig, paths


class OptimizerExplorer:
    """Dropdowns for the surface and the optimizer, sliders for η, β and the step count."""

    def __init__(
        self,
        surface: str = "quadratic",
        optimizer: str = "Momentum",
        lr: float = 0.1,
        beta: float = 0.9,
        steps: int = 100,
    ) -> None:
        get_surface(surface)
        hyperparameters_for(optimizer, lr, beta)
        self.surface = widgets.Dropdown(
            options=["quadratic", "rosenbrock", "himmelblau"],
            value=surface,
            description="surface",
        )
        self.optimizer = widgets.Dropdown(
            options=list(OPTIMIZERS), value=optimizer, description="optimizer"
        )
        self.lr = widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-4,
            max=0.5,
            step=0.05,
            description="η",
            readout_format=".4f",
        )
        self.beta = widgets.FloatSlider(
            value=beta, min=0.0, max=0.99, step=0.01, description="β"
        )
        self.steps = widgets.IntSlider(
            value=steps, min=5, max=500, step=5, description="steps"
        )
        for w in (self.surface, self.optimizer, self.lr, self.beta, self.steps):
            w.observe(lambda _change: self.redraw(), names="value")
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.VBox([self.surface, self.optimizer]),
                        widgets.VBox([self.lr, self.beta, self.steps]),
                    ]
                ),
                self.status,
                self.output,
            ]
        )
        self.redraw()

    def path(self) -> np.ndarray:
        """The path for the current settings."""
        return surface_path(
            self.surface.value,
            self.optimizer.value,
            self.lr.value,
            self.beta.value,
            self.steps.value,
        )

    def draw(self, ax: Axes) -> np.ndarray:
        """Draw the contours and the current path on ``ax``; return the path."""
        s = get_surface(self.surface.value)
        plot_surface(ax, s)
        path = self.path()
        plot_path(ax, path, label=self.optimizer.value, color="#D55E00")
        ax.set_title(f"{self.optimizer.value} on the {s.name} surface")
        ax.set_xlabel("$\\theta_1$")
        ax.set_ylabel("$\\theta_2$")
        return path

    def redraw(self) -> None:
        """Recompute the path and redraw the figure."""
        with self.output:
            self.output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(5.5, 4.2))
            path = self.draw(ax)
            plt.show()
            plt.close(fig)
        s = get_surface(self.surface.value)
        with np.errstate(over="ignore"):  # a diverging path may end far away
            loss = float(s.f(path[-1]))
        note = (
            ""
            if len(path) == self.steps.value + 1
            else " (diverged: stopped early)"
        )
        self.status.value = (
            f"loss after {len(path) - 1} steps: <b>{loss:.3g}</b>{note}"
        )


def optimizer_explorer(**kwargs: Any) -> OptimizerExplorer:
    """Build an :class:`OptimizerExplorer`, display it, and return it."""
    explorer = OptimizerExplorer(**kwargs)
    fig = Figure(figsize=(5.5, 4.2), layout="constrained")
    explorer.draw(fig.add_subplot())
    show_widget(
        explorer.widget,
        fig,
        alt=f"The path of {explorer.optimizer.value} over the"
        f" contour lines of the {explorer.surface.value} loss surface, for the"
        " settings listed below.",
    )
    return explorer
