"""Batch normalisation from scratch in NumPy: forward in training and evaluation mode, backward.

Follows ``torch.nn.BatchNorm1d`` on (n, d) inputs (Ioffe & Szegedy, 2015): in training mode
each feature is standardised with the batch's mean and biased variance, and the running
averages are updated with the *unbiased* variance; in evaluation mode the running averages
are used instead, so an example's output no longer depends on the rest of its batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatchNormState:
    """Learned scale and shift, and the running averages used in evaluation mode."""

    gamma: np.ndarray
    beta: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray

    @classmethod
    def fresh(cls, d: int) -> BatchNormState:
        """The state of a new layer of ``d`` features, as ``nn.BatchNorm1d(d)`` starts."""
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise ValueError(f"d must be a positive integer, got {d!r}")
        return cls(np.ones(d), np.zeros(d), np.zeros(d), np.ones(d))


def _check_batch(x: object, state: BatchNormState, training: bool) -> np.ndarray:
    """``x`` as a float array of shape (n, d), with n >= 2 in training mode."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(state.gamma):
        raise ValueError(
            f"x must have shape (n, {len(state.gamma)}), got {x.shape}"
        )
    if training and len(x) < 2:
        raise ValueError(
            "training mode needs a batch of at least 2 examples"
            " (the variance of one example is 0)"
        )
    return x


def batchnorm_forward(
    x: np.ndarray,
    state: BatchNormState,
    *,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return (y, cache) for a batch x of shape (n, d); training mode updates ``state``.

    The cache (x_hat, inv_std, gamma) is what :func:`batchnorm_backward` needs.
    """
    x = _check_batch(x, state, training)
    if training:
        n = len(x)
        mu = x.mean(axis=0)  # (d,) batch mean
        var = x.var(axis=0)  # (d,) biased: divides by n
        state.running_mean[:] = (1 - momentum) * state.running_mean + momentum * mu
        state.running_var[:] = (
            1 - momentum
        ) * state.running_var + momentum * var * n / (n - 1)
    else:
        mu, var = state.running_mean, state.running_var
    inv_std = 1.0 / np.sqrt(var + eps)  # (d,)
    x_hat = (x - mu) * inv_std  # (n, d) standardised
    return state.gamma * x_hat + state.beta, (x_hat, inv_std, state.gamma.copy())


def batchnorm_backward(
    dy: np.ndarray, cache: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dgamma, dbeta) of a training-mode forward pass, from dL/dy (n, d).

    The batch mean and variance depend on every x, which gives the two subtracted terms.
    """
    x_hat, inv_std, gamma = cache
    dbeta = dy.sum(axis=0)  # (d,)
    dgamma = (dy * x_hat).sum(axis=0)  # (d,)
    g = dy * gamma  # dL/dx_hat, (n, d)
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
