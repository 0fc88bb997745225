"""bookutils.optim.loss_surfaces: the test functions, their derivatives against autograd,
drawing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from bookutils.optim import loss_surfaces as ls


@pytest.mark.parametrize("key", list(ls.SURFACES))
def test_minima_are_zero_and_numpy_equals_torch(key):
    s = ls.SURFACES[key]
    assert isinstance(s, ls.Surface)
    for m in s.minima:
        assert abs(s.f(np.array(m))) < 1e-9
        p = torch.tensor(m, requires_grad=True)
        (grad,) = torch.autograd.grad(s.f(p), p)
        assert grad.norm() < 1e-4
    pts = np.random.default_rng(0).uniform(-2, 2, size=(7, 2))
    assert np.allclose(s.f(pts), s.f(torch.tensor(pts)).numpy())
    X, Y, Z = s.grid(20)
    assert X.shape == Y.shape == Z.shape == (20, 20) and np.all(Z >= 0)


def test_rosenbrock_derivatives_match_autograd():
    for point in np.random.default_rng(1).uniform(-2, 2, size=(10, 2)):
        p = torch.tensor(point, requires_grad=True)
        (grad,) = torch.autograd.grad(ls.rosenbrock(p), p)
        assert np.allclose(ls.rosenbrock_grad(point), grad.numpy(), rtol=1e-12)
        hess = torch.autograd.functional.hessian(ls.rosenbrock, torch.tensor(point))
        assert np.allclose(ls.rosenbrock_hessian(point), hess.numpy(), rtol=1e-12)


def test_quadratic_hessian_matches_autograd():
    hess = torch.autograd.functional.hessian(
        ls.quadratic, torch.tensor([0.3, -0.7])
    )
    assert np.allclose(ls.quadratic_hessian(), hess.numpy())
    assert np.allclose(
        np.linalg.eigvalsh(ls.quadratic_hessian()), ls.QUADRATIC_EIGENVALUES
    )


def test_drawing():
    fig, ax = plt.subplots()
    for key in ls.SURFACES:
        ls.plot_surface(ax, key)
    ls.plot_path(ax, np.array([[0.0, 0.0], [1.0, 1.0]]), label="path")
    assert ax.get_xlim() == ls.SURFACES["himmelblau"].xlim
    plt.close(fig)


def test_bad_inputs():
    with pytest.raises(ValueError, match="last axis"):
        ls.rosenbrock(np.zeros(3))
    with pytest.raises(ValueError, match="last axis"):
        ls.quadratic(1.0)
    with pytest.raises(ValueError, match="one point"):
        ls.rosenbrock_grad(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="one point"):
        ls.rosenbrock_hessian(np.zeros(3))
    with pytest.raises(ValueError, match="unknown surface"):
        ls.get_surface("bowl")
    with pytest.raises(ValueError, match="n must"):
        ls.SURFACES["quadratic"].grid(1)
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="path"):
        ls.plot_path(ax, np.zeros((3, 3)))
    plt.close(fig)
    assert ls.get_surface(ls.SURFACES["quadratic"]) is ls.SURFACES["quadratic"]


def test_rosenbrock_by_hand():
    # (1 - x)^2 + 100 (y - x^2)^2: at (0, 0) 1; at (-1.2, 1) 2.2^2 + 100 * 0.44^2 = 24.2
    assert ls.rosenbrock(np.array([0.0, 0.0])) == 1.0
    value = ls.rosenbrock(np.array([-1.2, 1.0]))
    assert np.isclose(value, 24.2, rtol=1e-12), f"rosenbrock(-1.2, 1) = {value}"
    # gradient (-2(1 - x) - 400 x (y - x^2), 200 (y - x^2)) at (0, 0) is (-2, 0)
    grad = ls.rosenbrock_grad(np.array([0.0, 0.0]))
    assert np.allclose(grad, [-2.0, 0.0]), f"rosenbrock_grad(0, 0) = {grad}"
