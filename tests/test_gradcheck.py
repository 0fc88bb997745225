"""Central differences (chapter 3.1) against torch.autograd."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bookutils.foundations import gradcheck
from bookutils.foundations.gradcheck import (
    gradient_check,
    numerical_gradient,
    relative_error,
)

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402


def test_numerical_gradient_matches_autograd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    A = rng.standard_normal((4, 4))

    def f():
        return float(np.sum(np.tanh(x @ A) ** 2))

    xt = torch.tensor(x, requires_grad=True)
    (torch.tanh(xt @ torch.tensor(A)) ** 2).sum().backward()
    before = x.copy()
    num = numerical_gradient(f, x)
    assert np.array_equal(x, before)  # restored exactly
    assert relative_error(num, xt.grad.numpy()) < 1e-8


def test_gradient_check_flags_a_wrong_gradient():
    w = np.array([1.0, -2.0, 3.0])
    params = {"w": w}
    good = gradient_check(lambda: float(w @ w), params, {"w": 2 * w})
    bad = gradient_check(lambda: float(w @ w), params, {"w": w})
    assert good["w"] < 1e-9 and bad["w"] == pytest.approx(1 / 3)


def test_relative_error_edge_cases():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.ones(2), -np.ones(2)) == pytest.approx(1.0)


def test_bad_inputs():
    with pytest.raises(TypeError, match="function"):
        numerical_gradient(3.0, np.zeros(2))
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, [0.0, 1.0])
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda: 0.0, np.zeros(2), eps=0.0)
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="same keys"):
        gradient_check(lambda: 0.0, {"a": np.zeros(1)}, {"b": np.zeros(1)})


def test_chapter_3_1_shows_the_lesson_code():
    notebook = (
        Path(__file__).parents[1]
        / "notebooks"
        / "03_algorithms"
        / "3_1_backprop_numpy.ipynb"
    )
    assert_notebook_shows(
        notebook,
        gradcheck,
        {"numerical_gradient", "relative_error", "gradient_check"},
    )
