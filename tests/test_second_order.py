"""bookutils.optim.second_order: Newton, BFGS and L-BFGS from scratch, checked against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bookutils.optim.loss_surfaces import (
    rosenbrock,
    rosenbrock_grad,
    rosenbrock_hessian,
)
from bookutils.optim.second_order import (
    MinimizeResult,
    backtracking,
    bfgs,
    bfgs_inverse_update,
    lbfgs,
    lbfgs_direction,
    newton,
    wolfe,
)

START = np.array([-1.2, 1.0])


def _quadratic(seed=0, d=5):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(d, d))
    A = M @ M.T + np.eye(d)
    b = rng.normal(size=d)
    return (
        (lambda x: 0.5 * x @ A @ x - b @ x),
        (lambda x: A @ x - b),
        (lambda x: A),
        A,
        b,
    )


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
def test_rosenbrock_minimum(method):
    if method == "newton":
        res = newton(rosenbrock, rosenbrock_grad, rosenbrock_hessian, START)
    else:
        res = {"bfgs": bfgs, "lbfgs": lbfgs}[method](
            rosenbrock, rosenbrock_grad, START
        )
    assert isinstance(res, MinimizeResult) and res.converged
    assert np.allclose(res.x, [1.0, 1.0], atol=1e-8)
    assert res.n_iter < 100 and len(res.path) == res.n_iter + 1 == len(res.losses)
    assert res.fun == res.losses[-1] and res.n_fev > res.n_iter
    assert res.grad_norms[-1] <= 1e-8


def test_newton_one_step_on_quadratic_and_without_line_search():
    f, g, h, A, b = _quadratic()
    for line_search in (True, False):
        res = newton(f, g, h, np.zeros(5), tol=1e-9, line_search=line_search)
        assert res.n_iter == 1 and np.allclose(res.x, np.linalg.solve(A, b))


def test_quasi_newton_matches_torch_lbfgs_on_a_logistic_regression():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(200, 4)), np.ones(200)])
    y = (X[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(float)
    lam = 0.1

    def f(w):
        z = X @ w
        return np.mean(np.logaddexp(0, z) - y * z) + lam / 2 * w @ w

    def g(w):
        return X.T @ (1 / (1 + np.exp(-X @ w)) - y) / len(y) + lam * w

    def h(w):
        s = 1 / (1 + np.exp(-X @ w))
        return (X.T * (s * (1 - s))) @ X / len(y) + lam * np.eye(5)

    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    o = torch.optim.LBFGS(
        [w],
        max_iter=200,
        tolerance_grad=1e-12,
        tolerance_change=0,
        line_search_fn="strong_wolfe",
    )

    def closure():
        o.zero_grad()
        z = Xt @ w
        loss = (
            torch.mean(torch.nn.functional.softplus(z) - yt * z) + lam / 2 * w @ w
        )
        loss.backward()
        return loss

    o.step(closure)
    for res in (
        newton(f, g, h, np.zeros(5)),
        bfgs(f, g, np.zeros(5)),
        lbfgs(f, g, np.zeros(5)),
    ):
        assert res.converged and np.allclose(res.x, w.detach().numpy(), atol=1e-7)


def test_bfgs_update_secant_and_two_loop():
    rng = np.random.default_rng(1)
    _, _, _, A, _ = _quadratic(1, 6)
    S = list(rng.normal(size=(3, 6)))
    Y = [A @ s for s in S]
    H = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) * np.eye(6)
    for s, y in zip(S, Y, strict=True):
        H = bfgs_inverse_update(H, s, y)
        assert np.allclose(H @ y, s) and np.allclose(H, H.T)
    g = rng.normal(size=6)
    assert np.allclose(lbfgs_direction(g, S, Y), -H @ g)
    assert np.array_equal(lbfgs_direction(g, [], []), -g)
    with pytest.raises(ValueError, match="curvature"):
        bfgs_inverse_update(np.eye(2), np.array([1.0, 0.0]), np.array([-1.0, 0.0]))
    with pytest.raises(ValueError, match="equally long"):
        lbfgs_direction(g, S, Y[:2])


def test_line_searches():
    f, g, _, _, _ = _quadratic(2)
    x = np.ones(5)
    d = -g(x)
    t, evals = backtracking(f, x, f(x), g(x), d)
    assert 0 < t <= 1 and evals >= 1
    assert f(x + t * d) <= f(x) + 1e-4 * t * g(x) @ d
    # here the full step overshoots (largest curvature 13.4): the search must halve, and
    # return the largest t of 1, 1/2, 1/4, ... that passes, after one try per halving
    assert t < 1, f"backtracking returned t = {t}: the case never backtracks"
    assert f(x + 2 * t * d) > f(x) + 1e-4 * 2 * t * g(x) @ d, (
        f"backtracking t = {t} is not the largest: {2 * t} passes too"
    )
    assert evals == 1 + round(np.log2(1 / t)), (
        f"backtracking t = {t}, evals {evals}"
    )
    t, _ = wolfe(f, g, x, f(x), g(x), d)
    assert f(x + t * d) <= f(x) + 1e-4 * t * g(x) @ d
    assert g(x + t * d) @ d >= 0.9 * g(x) @ d
    for search in (
        lambda: backtracking(f, x, f(x), g(x), -d),
        lambda: wolfe(f, g, x, f(x), g(x), -d),
    ):
        with pytest.raises(ValueError, match="descent"):
            search()


def test_bad_inputs():
    f, g, h, _, _ = _quadratic()
    with pytest.raises(TypeError, match="functions"):
        bfgs(1, g, np.zeros(5))
    with pytest.raises(TypeError, match="hess"):
        newton(f, g, None, np.zeros(5))
    with pytest.raises(ValueError, match="x0"):
        bfgs(f, g, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x0"):
        lbfgs(f, g, [np.nan] * 5)
    with pytest.raises(ValueError, match="tol"):
        newton(f, g, h, np.zeros(5), tol=0)
    with pytest.raises(ValueError, match="max_iter"):
        bfgs(f, g, np.zeros(5), max_iter=0)
    with pytest.raises(ValueError, match="memory"):
        lbfgs(f, g, np.zeros(5), memory=0)


def test_max_iter_reports_not_converged():
    res = bfgs(rosenbrock, rosenbrock_grad, START, max_iter=3)
    assert not res.converged and res.n_iter == 3
