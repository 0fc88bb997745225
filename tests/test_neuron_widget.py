"""bookutils.widgets.neuron: one neuron's output, its surface plot, and the live explorer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from bookutils.foundations.activations import ACTIVATION_NAMES, get_activation
from bookutils.widgets.neuron import (
    NeuronExplorer,
    neuron_explorer,
    neuron_output,
    plot_neuron_surface,
)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_neuron_output_matches_torch(name):
    rng = np.random.default_rng(1)
    X, w, b = rng.normal(size=(20, 3)), rng.normal(size=3), 0.3
    layer = torch.nn.Linear(3, 1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w)[None])
        layer.bias.fill_(b)
        expected = (
            get_activation(name).torch_fn(layer(torch.tensor(X))).squeeze(1).numpy()
        )
    np.testing.assert_allclose(
        neuron_output(name, w, b, X), expected, rtol=1e-12, atol=1e-14
    )


def test_neuron_output_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        neuron_output("relu", [1.0, 2.0], 0.0, np.zeros(2))
    with pytest.raises(ValueError, match="shape"):
        neuron_output("relu", [1.0, 2.0, 3.0], 0.0, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="finite"):
        neuron_output("relu", [1.0, 2.0], np.nan, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unknown activation"):
        neuron_output("step", [1.0, 2.0], 0.0, np.zeros((4, 2)))


def test_plot_neuron_surface_labels_and_values():
    fig, ax = plt.subplots()
    filled = plot_neuron_surface(
        ax, "sigmoid", np.array([1.0, -2.0]), 0.5, resolution=11
    )
    assert (
        ax.get_title() and ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    )
    assert 0.0 <= filled.levels.min() and filled.levels.max() <= 1.0 + 0.1
    plt.close(fig)


def test_plot_neuron_surface_bad_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="limit"):
        plot_neuron_surface(ax, "tanh", np.ones(2), 0.0, limit=-1)
    with pytest.raises(ValueError, match="resolution"):
        plot_neuron_surface(ax, "tanh", np.ones(2), 0.0, resolution=1)
    with pytest.raises(ValueError, match="shape"):
        plot_neuron_surface(ax, "tanh", np.ones(3), 0.0)
    plt.close(fig)


def test_explorer_redraws_on_change():
    explorer = NeuronExplorer("relu", (1.0, 1.0), 0.0)
    explorer.activation.value = "gelu"
    explorer.b.value = -1.0
    fig, ax = plt.subplots()
    explorer.draw(ax)
    assert ax.get_title().startswith("gelu") and "b = -1.0" in ax.get_title()
    plt.close("all")
    with pytest.raises(ValueError, match="unknown activation"):
        NeuronExplorer("step")


def test_display_helper_returns_the_explorer():
    explorer = neuron_explorer(name="tanh", w=(0.5, 2.0), b=0.25)
    assert isinstance(explorer, NeuronExplorer)
    plt.close("all")
