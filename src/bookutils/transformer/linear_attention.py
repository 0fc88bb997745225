"""Kernelised linear attention and the cost of attention (chapter 8.3).

Softmax attention compares every query with every key: for a sequence of ``T`` positions
it builds a ``T × T`` matrix of weights. Linear attention (Katharopoulos et al., 2020)
replaces ``exp(q·k)`` by a product of feature maps ``φ(q)·φ(k)`` with ``φ(x) = elu(x) + 1``,
so that the matrix product can be re-associated: ``(φ(Q) φ(K)ᵀ) V = φ(Q) (φ(K)ᵀ V)``. The
right-hand side never forms the ``T × T`` matrix, and its cost grows linearly with ``T``.

Shapes follow :mod:`bookutils.transformer.attention`: ``q`` ``(..., n_q, d_k)``, ``k`` ``(...,
n_kv, d_k)``,
``v`` ``(..., n_kv, d_v)``. Costs count the FLOPs of matrix products only (one multiply-add is
2 FLOPs), which is what ``torch.utils.flop_counter.FlopCounterMode`` counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from .._validate import tensor

__all__ = [
    "AttentionCost",
    "elu_feature_map",
    "kernel_attention_weights",
    "linear_attention",
    "linear_attention_cost",
    "saved_tensor_elements",
    "softmax_attention_cost",
]

FeatureMap = Callable[[Tensor], Tensor]


def elu_feature_map(x: Tensor) -> Tensor:
    """``φ(x) = elu(x) + 1``: positive everywhere, so the normaliser never vanishes."""
    tensor("x", x)
    return F.elu(x) + 1


def _check_qkv(q: object, k: object, v: object, causal: bool = False) -> None:
    for name, x in (("q", q), ("k", k), ("v", v)):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(x).__name__}"
            )
        if x.ndim < 2:
            raise ValueError(
                f"{name} needs shape (..., length, features), got {tuple(x.shape)}"
            )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must have the same feature size d_k, got {tuple(q.shape)}"
            f" and {tuple(k.shape)}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same length S, got {tuple(k.shape)} and"
            f" {tuple(v.shape)}"
        )
    if causal and q.shape[-2] != k.shape[-2]:
        raise ValueError("causal attention needs as many queries as keys")


def kernel_attention_weights(
    q: Tensor,
    k: Tensor,
    *,
    causal: bool = False,
    feature_map: FeatureMap = elu_feature_map,
) -> Tensor:
    """The ``(..., n_q, n_kv)`` weights that linear attention applies, formed explicitly.

    Row ``i`` is ``φ(q_i)·φ(k_j) / Σ_j' φ(q_i)·φ(k_j')``: the quadratic way of computing the
    same model, for checking :func:`linear_attention` and for drawing its weights.
    """
    _check_qkv(q, k, k, causal)
    scores = feature_map(q) @ feature_map(k).transpose(-2, -1)  # (..., n_q, n_kv)
    if causal:  # query i sees keys 0..i only
        scores = scores * torch.ones_like(scores, dtype=torch.bool).tril()
    return scores / scores.sum(dim=-1, keepdim=True)  # rows sum to 1


def linear_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    *,
    causal: bool = False,
    feature_map: FeatureMap = elu_feature_map,
) -> Tensor:
    """Linear attention ``φ(Q)(φ(K)ᵀV) / φ(Q)(φ(K)ᵀ1)``, output ``(..., n_q, d_v)``.

    Non-causal: the ``d_k × d_v`` summary ``φ(K)ᵀV`` is computed once and shared by every
    query. Causal (``n_q = n_kv``): query ``i`` uses running sums over keys ``0..i`` only, which
    a recurrent network could carry from step to step.
    """
    _check_qkv(q, k, v, causal)
    phi_q = feature_map(q)  # (..., n_q, d_k)
    phi_k = feature_map(k)  # (..., n_kv, d_k)
    if not causal:
        summary = phi_k.transpose(-2, -1) @ v  # (..., d_k, d_v)
        normaliser = phi_k.sum(dim=-2).unsqueeze(-1)  # (..., d_k, 1)
        return (phi_q @ summary) / (phi_q @ normaliser)  # (..., n_q, d_v)
    # causal: running sums over keys 0..i, one summary per position
    outer = phi_k.unsqueeze(-1) * v.unsqueeze(-2)  # (..., T, d_k, d_v): φ(k_j) v_jᵀ
    summaries = torch.cumsum(outer, dim=-3)  # (..., T, d_k, d_v)
    normalisers = torch.cumsum(phi_k, dim=-2)  # (..., T, d_k)
    numerator = (phi_q.unsqueeze(-2) @ summaries).squeeze(-2)  # (..., T, d_v)
    return numerator / (phi_q * normalisers).sum(dim=-1, keepdim=True)


@dataclass(frozen=True)
class AttentionCost:
    """Matrix-product FLOPs of one attention call, and the number of entries of the largest
    intermediate array it builds (per batch element and head)."""

    flops: int
    largest_intermediate: int


def _sizes(**sizes: object) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be positive, got {value}")


def softmax_attention_cost(
    n_queries: int, n_keys: int, d_k: int, d_v: int
) -> AttentionCost:
    """Softmax attention: ``QKᵀ`` (2·n_q·n_kv·d_k FLOPs) and ``weights·V`` (2·n_q·n_kv·d_v);
    the weight matrix has ``n_q·n_kv`` entries."""
    _sizes(n_queries=n_queries, n_keys=n_keys, d_k=d_k, d_v=d_v)
    flops = 2 * n_queries * n_keys * d_k + 2 * n_queries * n_keys * d_v
    return AttentionCost(flops, n_queries * n_keys)


def linear_attention_cost(
    n_queries: int, n_keys: int, d_k: int, d_v: int
) -> AttentionCost:
    """Non-causal linear attention: ``φ(K)ᵀV`` (2·n_kv·d_k·d_v FLOPs), ``φ(Q)·summary``
    (2·n_q·d_k·d_v) and the normaliser ``φ(Q)·Σφ(K)`` (2·n_q·d_k); the largest intermediate
    is the larger of the ``d_k × d_v`` summary and the ``n_q × d_v`` output."""
    _sizes(n_queries=n_queries, n_keys=n_keys, d_k=d_k, d_v=d_v)
    flops = 2 * n_keys * d_k * d_v + 2 * n_queries * d_k * d_v + 2 * n_queries * d_k
    return AttentionCost(flops, max(d_k * d_v, n_queries * d_v))


def saved_tensor_elements(fn: Callable[..., Tensor], *inputs: Tensor) -> int:
    """How many tensor entries autograd stores for the backward pass of ``fn(*inputs)``.

    This is the activation memory a training step pays for ``fn``; it is counted exactly
    with ``torch.autograd.graph.saved_tensors_hooks``. Inputs that do not require gradients
    are given ``requires_grad=True`` copies, so that something is recorded.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    leaves = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"inputs must be torch.Tensors, got {type(x).__name__}")
        leaves.append(x.detach().clone().requires_grad_(x.is_floating_point()))
    seen: dict[tuple, int] = {}

    def pack(t: Tensor) -> Tensor:
        key = (t.data_ptr(), tuple(t.shape), t.stride())
        seen[key] = t.numel()  # the same array saved twice is stored once
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn(*leaves)  # kept alive, so no saved array is freed early
    del out
    return sum(seen.values())
