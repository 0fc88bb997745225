"""bookutils.widgets.optimizer: the live widget and its static small multiples."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from bookutils.optim.optimizers import OPTIMIZERS, hyperparameters_for
from bookutils.widgets import optimizer as ow


def test_hyperparameters_for_build_every_optimizer():
    for name in OPTIMIZERS:
        path = ow.surface_path("quadratic", name, 0.05, 0.9, 5)
        assert path.shape == (6, 2)
    assert hyperparameters_for("Adam", 0.1, 0.8) == {
        "lr": 0.1,
        "betas": (0.8, 0.999),
    }
    assert hyperparameters_for("RMSProp", 0.1, 0.8) == {"lr": 0.1, "alpha": 0.8}
    assert hyperparameters_for("SGD", 0.1, 0.8) == {"lr": 0.1}
    with pytest.raises(ValueError, match="unknown optimizer"):
        hyperparameters_for("Lion", 0.1, 0.9)


def test_explorer_redraws_and_reports(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda: None)
    ex = ow.optimizer_explorer(
        surface="rosenbrock", optimizer="Adam", lr=0.05, beta=0.9, steps=20
    )
    assert np.allclose(
        ex.path(), ow.surface_path("rosenbrock", "Adam", 0.05, 0.9, 20)
    )
    ex.optimizer.value = "SGD"
    ex.lr.value = 3.0  # diverges on Rosenbrock
    assert "diverged" in ex.status.value
    ex.surface.value = "himmelblau"
    assert "loss after" in ex.status.value
    with pytest.raises(ValueError):
        ow.OptimizerExplorer(surface="bowl")
    with pytest.raises(ValueError):
        ow.OptimizerExplorer(optimizer="Lion")


def test_plot_paths():
    fig, paths = ow.plot_paths(
        "quadratic", [("SGD", 0.1, 0.0), ("Momentum", 0.1, 0.5)], steps=10, ncols=3
    )
    assert len(paths) == 2 and paths[1].shape == (11, 2)
    assert (
        fig.axes[0].get_title().startswith("SGD") and not fig.axes[2].get_visible()
    )
    plt.close(fig)
    with pytest.raises(ValueError, match="empty"):
        ow.plot_paths("quadratic", [], steps=5)
