"""Weight initialisation: the Xavier/Glorot and He rules, and what they do to a deep network.

A layer z = W x with independent zero-mean weights of variance s² and inputs with mean
square q has Var(z_j) = n_in s² q. Keeping that variance (and the gradients' variance on
the way back) the same in every layer gives the rules of Glorot & Bengio (2010) for tanh
and of He et al. (2015) for ReLU. The functions below are plain NumPy, so that the
notebook, the interactive figure and the tests share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SCHEMES = ("xavier", "he", "small")
ACTIVATIONS = ("tanh", "relu")


def _check_init(scheme: object, n_in: object, n_out: object) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")


def init_std(scheme: str, n_in: int, n_out: int, *, small: float = 0.01) -> float:
    """Standard deviation of a normal weight for ``scheme``: 'xavier', 'he' or 'small'.

    xavier: sqrt(2 / (n_in + n_out)); he: sqrt(2 / n_in); small: the constant ``small``.
    """
    _check_init(scheme, n_in, n_out)
    if scheme == "xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    if scheme == "he":
        return math.sqrt(2.0 / n_in)
    return float(small)


def init_weight(
    scheme: str,
    n_out: int,
    n_in: int,
    rng: np.random.Generator,
    *,
    gain: float = 1.0,
) -> np.ndarray:
    """An (n_out, n_in) weight matrix drawn from N(0, (gain * init_std)²)."""
    return rng.normal(0.0, gain * init_std(scheme, n_in, n_out), size=(n_out, n_in))


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(a * a)))


@dataclass
class LayerStats:
    """Per-layer root mean squares of a deep MLP's activations and back-propagated gradients.

    The root mean square sqrt(mean(x²)) is what the variance argument keeps constant (for
    ReLU outputs, whose mean is not 0, it is not the standard deviation).
    """

    activation_rms: np.ndarray  # RMS of each hidden layer's output, layer 1..depth
    gradient_rms: (
        np.ndarray
    )  # RMS of dL/dz at each layer's pre-activation, 1..depth


def _check_layer_stats(depth: object, activation: object, gain: object) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {ACTIVATIONS}, got {activation!r}"
        )
    if (
        isinstance(depth, bool)
        or not isinstance(depth, (int, np.integer))
        or depth < 1
    ):
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    if not (isinstance(gain, (int, float)) and gain > 0):
        raise ValueError(f"gain must be a positive number, got {gain!r}")


def layer_stats(
    depth: int,
    width: int,
    activation: str,
    scheme: str,
    *,
    gain: float = 1.0,
    n_samples: int = 512,
    seed: int = 0,
) -> LayerStats:
    """Push standard-normal inputs through ``depth`` random layers of ``width`` units.

    The backward pass starts from a standard-normal gradient at the last layer's output
    and multiplies by Wᵀ and the activation's derivative, as back-propagation does.
    """
    _check_layer_stats(depth, activation, gain)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, width))
    weights, pre, act_rms = [], [], []
    for _ in range(depth):
        std = gain * init_std(scheme, width, width)
        W = rng.normal(0.0, std, size=(width, width))  # (out, in)
        z = x @ W.T  # (n, width)
        x = np.tanh(z) if activation == "tanh" else np.maximum(z, 0.0)
        weights.append(W)
        pre.append(z)
        act_rms.append(_rms(x))
    delta = rng.normal(size=(n_samples, width))  # dL/d(last output)
    grad_rms = np.zeros(depth)
    for layer in range(depth - 1, -1, -1):
        z = pre[layer]
        delta = delta * (1 - np.tanh(z) ** 2 if activation == "tanh" else (z > 0))
        grad_rms[layer] = _rms(delta)  # dL/dz of this layer
        delta = delta @ weights[layer]  # dL/d(its input)
    return LayerStats(np.array(act_rms), grad_rms)
