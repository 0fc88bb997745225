"""bookutils.foundations.activations and its self-check: sympy, NumPy and PyTorch must agree."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from bookutils.checks.activations import MISTAKES, check_activation_derivative
from bookutils.foundations.activations import (
    ACTIVATION_NAMES,
    Activation,
    Z,
    autograd_derivative,
    get_activation,
)

POINTS = np.append(np.random.default_rng(0).uniform(-6, 6, 100), 0.0)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_formula_matches_torch_functional(name):
    act = get_activation(name)
    assert isinstance(act, Activation) and act.name == name
    expected = act.torch_fn(torch.tensor(POINTS, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(act.f(POINTS), expected, rtol=1e-12, atol=1e-14)


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
