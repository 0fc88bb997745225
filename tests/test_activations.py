"""bookutils.foundations.activations and its self-check: sympy, NumPy and PyTorch must agree."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F

from bookutils.checks.activations import MISTAKES, check_activation_derivative
from bookutils.foundations.activations import (
    ACTIVATION_NAMES,
    Activation,
    Z,
    autograd_derivative,
    get_activation,
)

TORCH = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "softplus": lambda z: F.softplus(z, beta=1.0),
    "silu": F.silu,
}
POINTS = np.append(np.random.default_rng(0).uniform(-6, 6, 100), 0.0)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_formula_matches_torch_functional(name):
    act = get_activation(name)
    assert isinstance(act, Activation) and act.name == name
    # the reference is chosen here, not taken from the module's own torch_fn
    z = torch.tensor(POINTS, dtype=torch.float64)
    expected = TORCH[name](z).numpy()
    np.testing.assert_allclose(act.f(POINTS), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.torch_fn(z).numpy(), expected, rtol=0, atol=0)


# f(z) at z = -1, 0, 1 by hand: s = 1/(1 + e^-1) is sigmoid(1), Phi(1) = 0.841344746...
_S1, _PHI1 = 1 / (1 + math.exp(-1)), 0.5 * (1 + math.erf(1 / math.sqrt(2)))
BY_HAND = {
    "sigmoid": [1 - _S1, 0.5, _S1],
    "tanh": [-math.tanh(1), 0.0, math.tanh(1)],
    "relu": [0.0, 0.0, 1.0],
    "leaky_relu": [-0.01, 0.0, 1.0],
    "gelu": [-(1 - _PHI1), 0.0, _PHI1],
    "softplus": [math.log(1 + math.exp(-1)), math.log(2), math.log(1 + math.e)],
    "silu": [-(1 - _S1), 0.0, _S1],
}


def test_activation_values_by_hand():
    assert set(BY_HAND) == set(ACTIVATION_NAMES)
    for name, expected in BY_HAND.items():
        got = get_activation(name).f(np.array([-1.0, 0.0, 1.0]))
        assert np.allclose(got, expected, rtol=1e-12, atol=1e-15), (
            f"{name}.f(-1, 0, 1) = {got}, expected {expected}"
        )


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_sympy_derivative_matches_autograd(name):
    act = get_activation(name)
    np.testing.assert_allclose(
        act.df(POINTS), autograd_derivative(name, POINTS), rtol=1e-12, atol=1e-14
    )  # z = 0 included: same convention
    assert sp.simplify(act.derivative - sp.diff(act.expr, Z)) == 0


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_shapes_are_kept(name):
    act = get_activation(name)
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    assert act.f(z).shape == act.df(z).shape == (2, 3)
    assert act.df(0.5).shape == ()


def test_bad_names():
    with pytest.raises(ValueError, match="unknown activation"):
        get_activation("swish")
    with pytest.raises(TypeError, match="string"):
        get_activation(3)
    with pytest.raises(ValueError, match="unknown activation"):
        autograd_derivative("step", POINTS)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_check_passes_reference(name):
    assert check_activation_derivative(name, get_activation(name).df)


def test_check_every_activation_has_mistakes():
    assert set(MISTAKES) == set(ACTIVATION_NAMES)


def test_check_rejects_unknown_name():
    with pytest.raises(ValueError, match="name must be one of"):
        check_activation_derivative("step", lambda z: z)


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

CHAPTER_2_1 = (
    Path(__file__).parents[1] / "notebooks/02_concepts/2_1_neural_networks.ipynb"
)


def test_chapter_2_1_shows_the_lesson_code():
    from bookutils.foundations import activations

    assert_notebook_shows(CHAPTER_2_1, activations, {"get_activation"})
