"""Self-check for chapter 3.4: the backward pass of batch normalisation (training mode)."""

from __future__ import annotations

import numpy as np

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..training.normalization import (
    BatchNormState,
    batchnorm_backward,
    batchnorm_forward,
)

__all__ = ["check_batchnorm_backward"]

EPS = 1e-5


def _randn(*shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


BN_CASES = (
    Case(
        (_randn(4, 3, seed=1), _randn(4, 3, seed=2), np.ones(3)),
        "a batch of 4 examples with 3 features, γ = 1",
    ),
    Case(
        (_randn(8, 5, seed=3), 2 + 3 * _randn(8, 5, seed=4), _randn(5, seed=5)),
        "8 examples of 5 features, shifted and scaled inputs, a random γ",
    ),
    Case(
        (_randn(6, 2, seed=6), 0.001 * _randn(6, 2, seed=7), np.array([1.5, -0.5])),
        "tiny inputs (variance about 1e-6, where eps = 1e-5 matters)",
    ),
)


def _bn_backward(
    dy,
    x,
    gamma,
    *,
    drop_mean=False,
    drop_proj=False,
    unbiased=False,
    no_gamma=False,
    eps=EPS,
):
    n = len(x)
    var = x.var(axis=0) * (n / (n - 1) if unbiased else 1)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    g = dy if no_gamma else dy * gamma
    dx = g.copy()
    if not drop_mean:
        dx = dx - g.mean(axis=0)
    if not drop_proj:
        dx = dx - x_hat * (g * x_hat).mean(axis=0)
    return dx * inv_std, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def _bn_mistake(**kw):
    return lambda dy, x, gamma: _bn_backward(dy, x, gamma, **kw)


BN_MISTAKES = (
    Mistake(
        _bn_mistake(drop_mean=True, drop_proj=True),
        "dL/dx treats the batch mean and variance as constants: both depend on every"
        " example of the batch, which adds -mean(g) and -x̂·mean(g ⊙ x̂), means over the"
        " batch (axis 0).",
    ),
    Mistake(
        _bn_mistake(drop_proj=True),
        "the term from the variance is missing: -x̂·mean(g ⊙ x̂) over the batch.",
    ),
    Mistake(
        _bn_mistake(drop_mean=True),
        "the term from the mean is missing: -mean(g) over the batch.",
    ),
    Mistake(
        _bn_mistake(no_gamma=True),
        "γ is missing from dL/dx: the gradient reaching x̂ is grad_output ⊙ γ.",
    ),
    Mistake(
        _bn_mistake(unbiased=True),
        "the forward pass in training mode divides the variance by n (biased); only the"
        " running average uses n / (n - 1).",
    ),
    Mistake(
        _bn_mistake(eps=0.0),
        "eps is missing: the standard deviation is sqrt(variance + eps), eps = 1e-5.",
    ),
)


def _bn_reference(dy, x, gamma):
    state = BatchNormState.fresh(x.shape[1])
    state.gamma = np.asarray(gamma, dtype=float).copy()
    _, cache = batchnorm_forward(x, state, training=True, eps=EPS)
    return batchnorm_backward(dy, cache)


def check_batchnorm_backward(fn) -> CheckResult:
    """Check ``fn(grad_output, x, gamma)`` returns ``(dL/dx, dL/dγ, dL/dβ)`` of batch norm in
    training mode over a (n, d) batch, with eps = 1e-5 and the biased batch variance."""
    return run_check(
        "check_batchnorm_backward",
        fn,
        _bn_reference,
        BN_CASES,
        BN_MISTAKES,
        signature="(grad_output, x, gamma)",
    )
