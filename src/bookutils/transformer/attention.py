"""The Transformer's mathematics from scratch: attention, multi-head attention, layer
normalisation (with its hand-derived backward pass) and sinusoidal positional encodings.

Every function works on torch tensors, batch first, with these shapes:

- queries ``q``: ``(..., n_q, d_k)``, keys ``k``: ``(..., n_kv, d_k)``, values ``v``:
  ``(..., n_kv, d_v)``, where ``...`` is any number of batch dimensions, typically
  ``(batch, heads)``;
- attention weights: ``(..., n_q, n_kv)``, one row of weights over the ``n_kv`` keys per query;
- a mask is boolean with **True where a query may attend to a key** (the convention of
  ``torch.nn.functional.scaled_dot_product_attention``; ``nn.MultiheadAttention`` uses the
  opposite one), or a float tensor added to the scores; it must broadcast to ``(..., n_q, n_kv)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .._validate import positive_int as _require_positive_int
from .._validate import tensor as _require_tensor

__all__ = [
    "LayerNorm",
    "LayerNormFunction",
    "MultiHeadAttention",
    "attention_weights",
    "causal_mask",
    "layer_norm",
    "layer_norm_backward",
    "merge_heads",
    "positional_frequencies",
    "positional_shift_matrix",
    "scaled_dot_product_attention",
    "sinusoidal_positional_encoding",
    "masked_softmax",
    "split_heads",
]


# --------------------------------------------------------------------------- attention
#
# The lesson code of chapter 4.3 (masked_softmax ... LayerNorm) is shown in the notebook's
# cells, identical to what is here (tests/test_attention.py keeps the two the same). Its
# argument checks are the one-line calls to the private _check_* helpers below.


def _check_attention_args(q: Tensor, k: Tensor, scale: float | None) -> float:
    """Validate ``q`` and ``k``; return the scale (``1/sqrt(d_k)`` when None)."""
    _require_tensor("q", q)
    _require_tensor("k", k)
    if q.ndim < 2 or k.ndim < 2:
        raise ValueError(
            f"q and k need shapes (..., n_q, d_k) and (..., n_kv, d_k), got"
            f" {tuple(q.shape)} and {tuple(k.shape)}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"queries and keys must have the same size d_k in their last"
            f" dimension, got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    try:
        torch.broadcast_shapes(q.shape[:-2], k.shape[:-2])
    except RuntimeError:
        raise ValueError(
            f"the batch dimensions of q {tuple(q.shape)} and k {tuple(k.shape)}"
            " do not broadcast"
        ) from None
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not scale > 0
    ):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    return scale


def _check_mask(mask: Tensor, scores_shape: torch.Size) -> None:
    _require_tensor("mask", mask)
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(
            f"mask must be boolean (True = may attend) or floating point"
            f" (added to the scores), got dtype {mask.dtype}"
        )
    try:
        shape = torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        shape = None
    if shape != scores_shape:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the"
            f" scores' shape (..., n_q, n_kv) = {tuple(scores_shape)}"
        )


def _check_values(k: Tensor, v: Tensor) -> None:
    _require_tensor("v", v)
    _require_tensor("k", k)
    if v.ndim < 2 or k.ndim < 2 or v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"keys and values must come in pairs: k (..., n_kv, d_k) and"
            f" v (..., n_kv, d_v) with the same n_kv, got {tuple(k.shape)} and"
            f" {tuple(v.shape)}"
        )


def masked_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim``: ``exp(x - max) / sum(exp(x - max))``.

    Subtracting the maximum changes nothing mathematically and keeps ``exp`` from
    overflowing. Entries equal to ``-inf`` get weight 0; a slice that is ``-inf``
    everywhere (nothing to attend to) gets all zeros, as in PyTorch's attention.
    """
    _require_tensor("x", x)
    shift = x.amax(dim=dim, keepdim=True).detach()  # each row's maximum
    shift = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
    e = torch.exp(x - shift)
    total = e.sum(dim=dim, keepdim=True)
    return torch.where(total > 0, e / torch.where(total > 0, total, 1.0), 0.0)


def causal_mask(
    num_queries: int,
    num_keys: int | None = None,
    *,
    device: torch.device | str | None = None,
) -> Tensor:
    """Boolean ``(n_q, n_kv)`` mask, True on and below the diagonal: query i sees keys 0..i."""
    _require_positive_int("num_queries", num_queries)
    num_keys = num_queries if num_keys is None else num_keys
    _require_positive_int("num_keys", num_keys)
    return torch.ones(num_queries, num_keys, dtype=torch.bool, device=device).tril()


def attention_weights(
    q: Tensor,
    k: Tensor,
    mask: Tensor | None = None,
    *,
    causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """The attention weights ``softmax(q kᵀ · scale)``, shape ``(..., n_q, n_kv)``.

    ``q``: ``(..., n_q, d_k)``, ``k``: ``(..., n_kv, d_k)``; ``scale`` defaults to ``1/sqrt(d_k)``.
    ``mask`` (boolean, True = may attend; or float, added to the scores) broadcasts to
    ``(..., n_q, n_kv)``; ``causal=True`` also hides every key after the query's position.
    Each row sums to 1, except a row with no key left to attend to, which is all zeros.
    """
    scale = _check_attention_args(q, k, scale)
    scores = q @ k.transpose(-2, -1) * scale  # (..., n_q, n_kv)
    if mask is not None:
        _check_mask(mask, scores.shape)
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))  # hidden: weight 0
        else:
            scores = scores + mask
    if causal:
        allowed = causal_mask(q.shape[-2], k.shape[-2], device=scores.device)
        scores = scores.masked_fill(~allowed, float("-inf"))
    return masked_softmax(scores, dim=-1)  # each row: weights over the keys


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    *,
    causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """``softmax(q kᵀ / sqrt(d_k)) v``: the output ``(..., n_q, d_v)`` of attention.

    ``q``: ``(..., n_q, d_k)``, ``k``: ``(..., n_kv, d_k)``, ``v``: ``(..., n_kv, d_v)``. ``mask``,
    ``causal`` and ``scale`` are as in :func:`attention_weights`, and the arguments mean
    what they mean for ``torch.nn.functional.scaled_dot_product_attention``.
    """
    _check_values(k, v)
    weights = attention_weights(q, k, mask, causal=causal, scale=scale)
    return weights @ v  # (..., n_q, d_v)


# ----------------------------------------------------------------- multi-head attention


def _check_split(x: Tensor, num_heads: int) -> None:
    _require_tensor("x", x)
    _require_positive_int("num_heads", num_heads)
    if x.ndim != 3 or x.shape[-1] % num_heads:
        raise ValueError(
            f"expected (batch, seq, d_model) with d_model divisible by"
            f" num_heads={num_heads}, got {tuple(x.shape)}"
        )


def _check_merge(x: Tensor) -> None:
    _require_tensor("x", x)
    if x.ndim != 4:
        raise ValueError(f"expected (batch, heads, seq, d_k), got {tuple(x.shape)}")


def _check_heads(d_model: int, num_heads: int, dropout: float) -> None:
    _require_positive_int("d_model", d_model)
    _require_positive_int("num_heads", num_heads)
    if d_model % num_heads:
        raise ValueError(
            f"d_model={d_model} must be divisible by num_heads={num_heads}"
            " so that every head gets d_k = d_model / num_heads dimensions"
        )
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, (int, float))
        or not 0 <= dropout < 1
    ):
        raise ValueError(
            f"dropout must be a probability in [0, 1), got {dropout!r}"
        )


def _check_qkv(query: Tensor, key: Tensor, value: Tensor, d_model: int) -> None:
    for name, x in (("query", query), ("key", key), ("value", value)):
        _require_tensor(name, x)
        if x.ndim != 3 or x.shape[-1] != d_model:
            raise ValueError(
                f"{name} must have shape (batch, seq, d_model={d_model}),"
                f" got {tuple(x.shape)}"
            )
    if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
        raise ValueError(
            f"query, key and value must share the batch size, and key and"
            f" value the length: got {tuple(query.shape)},"
            f" {tuple(key.shape)}, {tuple(value.shape)}"
        )


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """``(batch, seq, d_model)`` → ``(batch, heads, seq, d_model // heads)``."""
    _check_split(x, num_heads)
    batch, seq, d_model = x.shape
    x = x.reshape(batch, seq, num_heads, d_model // num_heads)  # (B, T, h, d_k)
    return x.transpose(1, 2)  # (B, h, T, d_k)


def merge_heads(x: Tensor) -> Tensor:
    """``(batch, heads, seq, d_k)`` → ``(batch, seq, heads · d_k)``: the heads side by side."""
    _check_merge(x)
    batch, heads, seq, d_k = x.shape
    return x.transpose(1, 2).reshape(batch, seq, heads * d_k)  # (B, T, h·d_k)


class MultiHeadAttention(nn.Module):
    """Multi-head attention: ``h`` attentions of size ``d_k = d_model / h`` side by side.

    ``head_i = attention(query W_Qᵢ, key W_Kᵢ, value W_Vᵢ)`` and the output is
    ``concat(head_1, ..., head_h) W_O``. The four projections are ``nn.Linear`` layers
    ``q_proj``, ``k_proj``, ``v_proj`` and ``out_proj`` (``d_model → d_model``); the columns
    of ``q_proj``'s output that belong to head ``i`` are ``i·d_k .. (i+1)·d_k``.
    ``dropout`` is applied to the attention weights in training mode only.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        *,
        bias: bool = True,
        dropout: float = 0.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _check_heads(d_model, num_heads, dropout)
        self.d_model, self.num_heads = d_model, num_heads
        self.d_k = d_model // num_heads
        factory = {"device": device, "dtype": dtype}
        self.q_proj = nn.Linear(d_model, d_model, bias=bias, **factory)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias, **factory)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias, **factory)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias, **factory)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        query: Tensor,
        key: Tensor | None = None,
        value: Tensor | None = None,
        mask: Tensor | None = None,
        *,
        causal: bool = False,
    ) -> tuple[Tensor, Tensor]:
        """Attend from ``query`` ``(batch, n_q, d_model)`` to ``key``/``value``
        ``(batch, n_kv, d_model)`` (both default to ``query``: self-attention).

        ``mask`` (True = may attend) broadcasts to ``(batch, heads, n_q, n_kv)``: an ``(n_q, n_kv)``
        mask is shared by every sequence, a ``(batch, 1, 1, n_kv)`` one hides padded keys.
        Returns the output ``(batch, n_q, d_model)`` and the weights ``(batch, heads, n_q, n_kv)``.
        """
        key = query if key is None else key
        value = key if value is None else value
        _check_qkv(query, key, value, self.d_model)
        q = split_heads(self.q_proj(query), self.num_heads)  # (B, h, n_q, d_k)
        k = split_heads(self.k_proj(key), self.num_heads)  # (B, h, n_kv, d_k)
        v = split_heads(self.v_proj(value), self.num_heads)  # (B, h, n_kv, d_k)
        weights = attention_weights(q, k, mask, causal=causal)  # (B, h, n_q, n_kv)
        heads = self.dropout(weights) @ v  # (B, h, n_q, d_k)
        return self.out_proj(merge_heads(heads)), weights  # (B, n_q, d_model)

    def load_torch_weights(
        self, mha: nn.MultiheadAttention
    ) -> "MultiHeadAttention":  # noqa: UP037 (the cell in 4.3 has no __future__ import)
        """Copy the weights of a ``torch.nn.MultiheadAttention`` of the same size; returns self.

        PyTorch stacks the three input projections in ``in_proj_weight`` ``(3·d_model,
        d_model)`` in the order query, key, value.
        """
        return _load_torch_mha(self, mha)


@torch.no_grad()
def _load_torch_mha(
    self: MultiHeadAttention, mha: nn.MultiheadAttention
) -> MultiHeadAttention:
    if not isinstance(mha, nn.MultiheadAttention):
        raise TypeError(
            f"expected torch.nn.MultiheadAttention, got {type(mha).__name__}"
        )
    if (mha.embed_dim, mha.num_heads) != (self.d_model, self.num_heads):
        raise ValueError(
            f"sizes differ: theirs d_model={mha.embed_dim},"
            f" heads={mha.num_heads}; ours d_model={self.d_model},"
            f" heads={self.num_heads}"
        )
    if mha.in_proj_weight is None or mha.bias_k is not None:
        raise ValueError(
            "only the plain form is supported: kdim = vdim = embed_dim and"
            " add_bias_kv=False"
        )
    if (mha.in_proj_bias is None) != (self.q_proj.bias is None):
        raise ValueError("one module has biases and the other does not")
    projections = (self.q_proj, self.k_proj, self.v_proj)
    for ours, weight in zip(projections, mha.in_proj_weight.chunk(3), strict=True):
        ours.weight.copy_(weight)
    self.out_proj.weight.copy_(mha.out_proj.weight)
    if mha.in_proj_bias is not None:
        for ours, b in zip(projections, mha.in_proj_bias.chunk(3), strict=True):
            ours.bias.copy_(b)
        self.out_proj.bias.copy_(mha.out_proj.bias)
    return self


# ------------------------------------------------------------------- layer normalisation


def _check_eps(eps: float) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ValueError(f"eps must be a non-negative number, got {eps!r}")


def _check_layer_norm_args(
    x: Tensor,
    weight: Tensor | None,
    eps: float,
    bias: Tensor | None = None,
) -> None:
    _require_tensor("x", x)
    if x.ndim < 1:
        raise ValueError("x must have at least one dimension (the features)")
    if weight is not None:
        _require_tensor("weight", weight)
        if weight.shape != x.shape[-1:]:
            raise ValueError(
                f"weight must have shape ({x.shape[-1]},) to match the last"
                f" dimension of x {tuple(x.shape)}, got {tuple(weight.shape)}"
            )
    _check_eps(eps)
    if bias is not None and _require_tensor("bias", bias).shape != x.shape[-1:]:
        raise ValueError(
            f"bias must have shape ({x.shape[-1]},), got {tuple(bias.shape)}"
        )


def _check_grad_output(grad_output: Tensor, x: Tensor) -> None:
    _require_tensor("grad_output", grad_output)
    if grad_output.shape != x.shape:
        raise ValueError(
            f"grad_output must have the shape of x {tuple(x.shape)},"
            f" got {tuple(grad_output.shape)}"
        )


def _check_features(x: Tensor, d_model: int) -> None:
    _require_tensor("x", x)
    if x.ndim < 1 or x.shape[-1] != d_model:
        raise ValueError(
            f"x must have shape (..., {d_model}), got {tuple(x.shape)}"
        )


def layer_norm(
    x: Tensor,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each feature vector (the last dimension, size ``d``) to mean 0, variance 1,
    then scale by ``weight`` (γ) and shift by ``bias`` (β), both of shape ``(d,)``.

    ``y = γ ⊙ (x - μ) / sqrt(σ² + eps) + β`` with the mean μ and the *biased* variance σ²
    of the ``d`` features, as ``torch.nn.LayerNorm`` does. ``eps = 0`` is allowed, but then
    a constant feature vector divides 0 by 0.
    """
    _check_layer_norm_args(x, weight, eps, bias)
    mu = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)  # biased: divided by d
    y = (x - mu) / torch.sqrt(var + eps)  # (..., d)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def layer_norm_backward(
    grad_output: Tensor, x: Tensor, weight: Tensor | None = None, eps: float = 1e-5
) -> tuple[Tensor, Tensor, Tensor]:
    """The gradients ``(dL/dx, dL/dγ, dL/dβ)`` of :func:`layer_norm`, derived by hand.

    With ``x̂ = (x - μ)/σ``, ``σ = sqrt(var + eps)`` and ``g = grad_output ⊙ γ``:
    ``dL/dx = (g - mean(g) - x̂ · mean(g ⊙ x̂)) / σ`` (means over the features),
    ``dL/dγ = Σ grad_output ⊙ x̂`` and ``dL/dβ = Σ grad_output`` (sums over all positions).
    ``weight=None`` means γ = 1; the returned γ and β gradients have shape ``(d,)``.
    """
    _check_layer_norm_args(x, weight, eps)
    _check_grad_output(grad_output, x)
    mu = x.mean(dim=-1, keepdim=True)
    sigma = torch.sqrt(((x - mu) ** 2).mean(dim=-1, keepdim=True) + eps)  # (..., 1)
    x_hat = (x - mu) / sigma  # (..., d)
    g = grad_output if weight is None else grad_output * weight
    dx = (
        g
        - g.mean(dim=-1, keepdim=True)
        - x_hat * (g * x_hat).mean(dim=-1, keepdim=True)
    ) / sigma
    positions = tuple(range(x.ndim - 1))  # every dimension but the features
    return (
        dx,
        (grad_output * x_hat).sum(dim=positions),
        grad_output.sum(dim=positions),
    )


class LayerNormFunction(torch.autograd.Function):
    """Layer norm as an autograd function whose backward is :func:`layer_norm_backward`.

    ``LayerNormFunction.apply(x, weight, bias, eps)``; ``weight`` and ``bias`` are tensors
    of shape ``(d,)``.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor, eps: float) -> Tensor:
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        return layer_norm(x, weight, bias, eps)

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, Tensor, Tensor, None]:
        x, weight = ctx.saved_tensors
        dx, dweight, dbias = layer_norm_backward(grad_output, x, weight, ctx.eps)
        return dx, dweight, dbias, None


class LayerNorm(nn.Module):
    """A drop-in for ``nn.LayerNorm(d_model)`` built on :class:`LayerNormFunction`.

    Normalises the last dimension of ``(..., d_model)`` inputs; ``weight`` (γ) starts at 1
    and ``bias`` (β) at 0.
    """

    def __init__(
        self,
        d_model: int,
        eps: float = 1e-5,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _require_positive_int("d_model", d_model)
        _check_eps(eps)
        self.d_model, self.eps = d_model, float(eps)
        self.weight = nn.Parameter(torch.ones(d_model, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(d_model, device=device, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        """Layer-normalise ``x`` ``(..., d_model)``; the output has the same shape."""
        _check_features(x, self.d_model)
        return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)


# ----------------------------------------------------------------- positional encodings


def _check_d_model_even(d_model: int, base: float) -> None:
    _require_positive_int("d_model", d_model)
    if d_model % 2:
        raise ValueError(
            f"d_model must be even (sines and cosines come in pairs), got {d_model}"
        )
    if isinstance(base, bool) or not isinstance(base, (int, float)) or not base > 1:
        raise ValueError(f"base must be a number greater than 1, got {base!r}")


def positional_frequencies(
    d_model: int,
    *,
    base: float = 10000.0,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """The ``d_model/2`` angular frequencies ``ω_i = base^(-2i/d_model)``, from 1 downwards."""
    _check_d_model_even(d_model, base)
    i = torch.arange(d_model // 2, dtype=torch.float64, device=device)
    return (float(base) ** (-2.0 * i / d_model)).to(dtype)


def sinusoidal_positional_encoding(
    num_positions: int,
    d_model: int,
    *,
    base: float = 10000.0,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """The sinusoidal encodings of Vaswani et al., shape ``(num_positions, d_model)``.

    Row ``p`` holds ``sin(p·ω_i)`` in column ``2i`` and ``cos(p·ω_i)`` in column ``2i+1``.
    Computed in float64 and then cast, so large positions stay accurate.
    """
    _require_positive_int("num_positions", num_positions)
    omega = positional_frequencies(
        d_model, base=base, dtype=torch.float64, device=device
    )
    angles = (
        torch.arange(num_positions, dtype=torch.float64, device=device)[:, None]
        * omega
    )
    return (
        torch.stack([angles.sin(), angles.cos()], dim=-1)
        .reshape(num_positions, d_model)
        .to(dtype)
    )


def positional_shift_matrix(
    offset: int,
    d_model: int,
    *,
    base: float = 10000.0,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """The ``(d_model, d_model)`` matrix ``M`` with ``PE[p + offset] = M @ PE[p]`` for every p.

    It is block diagonal: each (sin, cos) pair is turned by the angle ``offset·ω_i`` by the
    block ``[[cos, sin], [-sin, cos]]``, so ``M`` is a rotation that does not depend on p.
    """
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(
            f"offset must be an integer number of positions, got {offset!r}"
        )
    omega = positional_frequencies(
        d_model, base=base, dtype=torch.float64, device=device
    )
    c, s = torch.cos(offset * omega), torch.sin(offset * omega)
    blocks = torch.stack([torch.stack([c, s], -1), torch.stack([-s, c], -1)], -2)
    return torch.block_diag(*blocks).to(dtype)
