import math

import numpy as np
import pytest
import torch

from bookutils.training.initialization import (
    LayerStats,
    init_std,
    init_weight,
    layer_stats,
)


def test_init_std_matches_torch_formulas():
    w = torch.empty(300, 500)
    torch.manual_seed(0)
    torch.nn.init.xavier_normal_(w)
    assert init_std("xavier", 500, 300) == pytest.approx(math.sqrt(2 / 800))
    assert w.std().item() == pytest.approx(init_std("xavier", 500, 300), rel=0.01)
    torch.nn.init.kaiming_normal_(w, nonlinearity="relu")  # fan_in = 500
    assert w.std().item() == pytest.approx(init_std("he", 500, 300), rel=0.01)
    assert init_std("small", 5, 5) == 0.01


def test_init_weight_shape_and_spread():
    W = init_weight("he", 200, 400, np.random.default_rng(0), gain=0.5)
    assert W.shape == (200, 400)
    assert W.std() == pytest.approx(0.5 * math.sqrt(2 / 400), rel=0.02)


@pytest.mark.parametrize(
    "bad", [dict(scheme="lecun"), dict(n_in=0), dict(n_out=2.5)]
)
def test_init_std_rejects_bad_input(bad):
    args = dict(scheme="he", n_in=3, n_out=4) | bad
    with pytest.raises(ValueError, match="must be"):
        init_std(args["scheme"], args["n_in"], args["n_out"])


def test_layer_stats_he_keeps_relu_activations_and_small_init_kills_them():
    he = layer_stats(30, 256, "relu", "he")
    small = layer_stats(30, 256, "relu", "small")
    assert isinstance(he, LayerStats) and he.activation_rms.shape == (30,)
    assert 0.5 < he.activation_rms[-1] / he.activation_rms[0] < 2
    assert 0.5 < he.gradient_rms[0] / he.gradient_rms[-1] < 2
    assert small.activation_rms[-1] < 1e-20 and small.gradient_rms[0] < 1e-20
    xav = layer_stats(30, 256, "relu", "xavier")  # halves the variance per layer
    ratio = xav.activation_rms[-1] / xav.activation_rms[0]
    assert ratio == pytest.approx(0.5 ** (29 / 2), rel=0.5)


def test_layer_stats_xavier_tanh_is_stable_and_gain_scales():
    stable = layer_stats(20, 128, "tanh", "xavier")
    assert 0.1 < stable.activation_rms[-1] < 1
    big = layer_stats(20, 128, "tanh", "xavier", gain=3.0)
    assert big.activation_rms[-1] > 0.8  # saturated near ±1
    assert (
        big.gradient_rms[0] > 100 * big.gradient_rms[-1]
    )  # and the gradients explode


@pytest.mark.parametrize(
    "bad", [dict(activation="gelu"), dict(depth=0), dict(gain=-1.0)]
)
def test_layer_stats_rejects_bad_input(bad):
    args = dict(depth=3, width=8, activation="relu", scheme="he", gain=1.0) | bad
    with pytest.raises(ValueError, match="must be"):
        layer_stats(
            args["depth"],
            args["width"],
            args["activation"],
            args["scheme"],
            gain=args["gain"],
        )


def test_chapter_3_4_shows_the_initialisation_as_lesson_code():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from lesson_code import assert_notebook_shows

    from bookutils.training import initialization

    notebook = (
        Path(__file__).parents[1]
        / "notebooks/03_algorithms/3_4_initialization_normalization.ipynb"
    )
    assert_notebook_shows(notebook, initialization, {"init_std", "layer_stats"})
