"""Attention weights at a temperature, with or without a causal mask, for chapter 4.3's slider.

The scores q·k are divided by τ·sqrt(d_k): τ = 1 is the Transformer's scaled attention,
τ = 1/sqrt(d_k) is attention without the scaling, large τ flattens the weights towards
uniform, small τ sharpens them towards one key. The entropy of each row measures how
spread out the weights are: log(n_kv) for uniform weights, 0 for a single key.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .attention import attention_weights


def tempered_attention_weights(
    q: Tensor, k: Tensor, temperature: float, *, causal: bool = False
) -> Tensor:
    """``softmax(q kᵀ / (temperature · sqrt(d_k)))``, optionally causally masked."""
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not temperature > 0
    ):
        raise ValueError(
            f"temperature must be a positive number, got {temperature!r}"
        )
    scale = 1.0 / (temperature * math.sqrt(q.shape[-1]))
    return attention_weights(q, k, causal=causal, scale=scale)


def row_entropy(weights: Tensor) -> Tensor:
    """Entropy in nats of each row of attention weights (0 · log 0 counts as 0)."""
    if not isinstance(weights, Tensor) or weights.ndim < 1:
        raise ValueError("weights must be a tensor whose last dimension sums to 1")
    logs = torch.where(weights > 0, torch.log(weights.clamp_min(1e-300)), 0.0)
    return -(weights * logs).sum(-1)
