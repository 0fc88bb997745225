"""The article's Transformer encoder layer, in PyTorch and in Keras 3 (chapter 5.2).

:class:`EncoderLayer` is the post-norm layer of Vaswani et al.: multi-head self-attention
and a two-layer ReLU feed-forward network, each followed by dropout, a residual connection
and layer normalisation (ε = 1e-6). It reuses
:class:`bookutils.transformer.attention.MultiHeadAttention`,
so masks are boolean with **True where a query may attend to a key**.

The Keras form (:func:`keras_encoder_layer`) needs Keras 3 running on the PyTorch backend:
set ``os.environ["KERAS_BACKEND"] = "torch"`` before the first ``import keras``. Keras is
imported only when that function is called. Keras' attention mask also means "may attend";
PyTorch's ``src_key_padding_mask`` means the opposite ("ignore this key").
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .._validate import positive_int as _positive_int
from .attention import MultiHeadAttention, sinusoidal_positional_encoding

__all__ = [
    "EncoderClassifier",
    "EncoderLayer",
    "attend_mask_from_padding",
    "copy_to_keras",
    "keras_attention_mask",
    "keras_encoder_layer",
]


def _probability(name: str, p: object) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ValueError(f"{name} must be a probability in [0, 1), got {p!r}")
    return float(p)


class EncoderLayer(nn.Module):
    """One post-norm Transformer encoder layer, written as in the article.

    ``out1 = LayerNorm(x + Dropout(MHA(x, x, x)))`` and
    ``out2 = LayerNorm(out1 + Dropout(FFN(out1)))`` with ``FFN = Linear(d_model, dff),
    ReLU, Linear(dff, d_model)``. Inputs are batch first: ``(batch, seq, d_model)``.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        dff: int,
        rate: float = 0.1,
        *,
        eps: float = 1e-6,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _positive_int("dff", dff)
        _probability("rate", rate)
        factory = {"device": device, "dtype": dtype}
        self.mha = MultiHeadAttention(d_model, num_heads, **factory)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, dff, **factory),
            nn.ReLU(),
            nn.Linear(dff, d_model, **factory),
        )
        self.layernorm1 = nn.LayerNorm(d_model, eps=eps, **factory)
        self.layernorm2 = nn.LayerNorm(d_model, eps=eps, **factory)
        self.dropout1 = nn.Dropout(rate)
        self.dropout2 = nn.Dropout(rate)
        _init_attention_like_torch(self.mha)

    def forward(
        self,
        x: Tensor,
        mask: Tensor | None = None,
        *,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """The layer's output for ``x`` ``(batch, seq, d_model)``.

        ``mask`` (True = may attend) broadcasts to ``(batch, heads, seq, seq)``. With
        ``return_attention=True`` also returns the weights ``(batch, heads, seq, seq)``.
        """
        attn_output, weights = self.mha(x, x, x, mask)  # (B, T, d_model)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(x + attn_output)  # residual, then normalise
        ffn_output = self.dropout2(self.ffn(out1))  # (B, T, d_model)
        out2 = self.layernorm2(out1 + ffn_output)
        return (out2, weights) if return_attention else out2

    @torch.no_grad()
    def load_torch_weights(
        self, layer: nn.TransformerEncoderLayer
    ) -> "EncoderLayer":  # noqa: UP037 (the cell in 5.2 has no __future__ import)
        """Copy the weights of a post-norm, ReLU ``nn.TransformerEncoderLayer``; returns self."""
        _check_torch_encoder_layer(self, layer)
        self.mha.load_torch_weights(layer.self_attn)  # in_proj_weight, cut in three
        for ours, theirs in (
            (self.ffn[0], layer.linear1),
            (self.ffn[2], layer.linear2),
            (self.layernorm1, layer.norm1),
            (self.layernorm2, layer.norm2),
        ):
            ours.weight.copy_(theirs.weight)
            ours.bias.copy_(theirs.bias)
        return self


@torch.no_grad()
def _init_attention_like_torch(mha: MultiHeadAttention) -> None:
    # nn.MultiheadAttention draws its stacked (3·d, d) input projection from one
    # Xavier-uniform distribution and starts every attention bias at zero.
    stacked = torch.empty(3 * mha.d_model, mha.d_model)
    nn.init.xavier_uniform_(stacked)
    for proj, w in zip(
        (mha.q_proj, mha.k_proj, mha.v_proj), stacked.chunk(3), strict=True
    ):
        proj.weight.copy_(w)
    for proj in (mha.q_proj, mha.k_proj, mha.v_proj, mha.out_proj):
        proj.bias.zero_()


def _check_torch_encoder_layer(self: nn.Module, layer: nn.Module) -> None:
    if not isinstance(layer, nn.TransformerEncoderLayer):
        raise TypeError(
            f"expected torch.nn.TransformerEncoderLayer, got {type(layer).__name__}"
        )
    if layer.norm_first:
        raise ValueError(
            "the article's layer is post-norm: build the PyTorch layer with"
            " norm_first=False"
        )
    if getattr(layer, "activation_relu_or_gelu", 1) != 1:
        raise ValueError(
            "the article's feed-forward network uses ReLU: build the"
            " PyTorch layer with activation='relu'"
        )
    if layer.norm1.eps != self.layernorm1.eps:
        raise ValueError(
            f"layer-norm eps differ: theirs {layer.norm1.eps}, ours"
            f" {self.layernorm1.eps}; pass layer_norm_eps={self.layernorm1.eps}"
        )
    if (layer.linear1.in_features, layer.linear1.out_features) != (
        self.ffn[0].in_features,
        self.ffn[0].out_features,
    ):
        raise ValueError("sizes differ: d_model or dim_feedforward do not match")


class EncoderClassifier(nn.Module):
    """Token embedding + sinusoidal positions, a stack of :class:`EncoderLayer`, mean
    pooling over the positions and a linear classifier.

    ``positions=False`` leaves the positional encodings out (they are zero), which suits a
    task whose answer does not depend on the order of the tokens.
    """

    def __init__(
        self,
        vocab_size: int,
        max_len: int,
        num_classes: int,
        *,
        d_model: int = 32,
        num_heads: int = 4,
        dff: int = 64,
        num_layers: int = 2,
        rate: float = 0.1,
        positions: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        for name, n in (
            ("vocab_size", vocab_size),
            ("max_len", max_len),
            ("num_classes", num_classes),
            ("num_layers", num_layers),
        ):
            _positive_int(name, n)
        factory = {"device": device, "dtype": dtype}
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model, **factory)
        pe = sinusoidal_positional_encoding(
            max_len, d_model, dtype=dtype or torch.float32, device=device
        )
        if not positions:
            pe = torch.zeros_like(
                pe
            )  # an order-blind model: a function of the token set
        self.register_buffer("positions", pe)
        self.dropout = nn.Dropout(_probability("rate", rate))
        self.layers = nn.ModuleList(
            EncoderLayer(d_model, num_heads, dff, rate, **factory)
            for _ in range(num_layers)
        )
        self.head = nn.Linear(d_model, num_classes, **factory)

    def forward(
        self, tokens: Tensor, *, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """Logits ``(batch, num_classes)`` for integer ``tokens`` ``(batch, seq)``; with
        ``return_attention=True`` also every layer's weights ``(batch, heads, seq, seq)``."""
        if (
            not isinstance(tokens, Tensor)
            or tokens.ndim != 2
            or tokens.is_floating_point()
        ):
            raise ValueError(
                "tokens must be an integer tensor of shape (batch, seq)"
            )
        if tokens.shape[1] > self.positions.shape[0]:
            raise ValueError(
                f"sequences of length {tokens.shape[1]} exceed max_len"
                f" {self.positions.shape[0]}"
            )
        x = self.embedding(tokens) + self.positions[: tokens.shape[1]]
        x = self.dropout(x)
        maps = []
        for layer in self.layers:
            x, weights = layer(x, return_attention=True)
            maps.append(weights)
        logits = self.head(x.mean(dim=1))
        return (logits, maps) if return_attention else logits


def attend_mask_from_padding(key_padding_mask: Tensor) -> Tensor:
    """PyTorch's ``src_key_padding_mask`` (batch, seq), True = padding to *ignore*, as the
    book's mask (batch, 1, 1, seq), True = may attend."""
    if (
        not isinstance(key_padding_mask, Tensor)
        or key_padding_mask.dtype != torch.bool
        or key_padding_mask.ndim != 2
    ):
        raise ValueError(
            "key_padding_mask must be a boolean tensor of shape (batch, seq)"
        )
    return ~key_padding_mask[:, None, None, :]


def keras_attention_mask(key_padding_mask: Any, num_queries: int) -> np.ndarray:
    """PyTorch's ``src_key_padding_mask`` (batch, seq), True = *ignore*, as a Keras
    ``attention_mask`` (batch, num_queries, seq), True = may attend."""
    pad = np.asarray(
        key_padding_mask.cpu()
        if isinstance(key_padding_mask, Tensor)
        else key_padding_mask
    )
    if pad.dtype != np.bool_ or pad.ndim != 2:
        raise ValueError(
            "key_padding_mask must be a boolean array of shape (batch, seq)"
        )
    _positive_int("num_queries", num_queries)
    return np.broadcast_to(
        ~pad[:, None, :], (pad.shape[0], num_queries, pad.shape[1])
    ).copy()


@functools.cache
def _keras_layer_class() -> type:
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    if keras.backend.backend() != "torch":
        raise RuntimeError(
            f"Keras runs on the {keras.backend.backend()!r} backend; set"
            " os.environ['KERAS_BACKEND'] = 'torch' before the first"
            " `import keras` (restart the kernel if it was imported already)"
        )
    layers = keras.layers

    class KerasEncoderLayer(layers.Layer):
        """The article's encoder layer as a Keras layer (post-norm, ε = 1e-6)."""

        def __init__(
            self,
            d_model: int,
            num_heads: int,
            dff: int,
            rate: float = 0.1,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self.d_model = d_model
            self.mha = layers.MultiHeadAttention(
                num_heads=num_heads, key_dim=d_model // num_heads
            )
            self.ffn = keras.Sequential(
                [layers.Dense(dff, activation="relu"), layers.Dense(d_model)]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

            self.supports_masking = (
                True  # `mask` here is the attention mask, kept as is
            )

        def call(self, x, training=False, mask=None):
            attn_output = self.mha(x, x, x, attention_mask=mask, training=training)
            attn_output = self.dropout1(attn_output, training=training)
            out1 = self.layernorm1(x + attn_output)
            ffn_output = self.dropout2(self.ffn(out1), training=training)
            return self.layernorm2(out1 + ffn_output)

    return KerasEncoderLayer


def _check_keras_sizes(d_model: int, num_heads: int, dff: int, rate: float) -> None:
    for name, n in (("d_model", d_model), ("num_heads", num_heads), ("dff", dff)):
        _positive_int(name, n)
    if d_model % num_heads:
        raise ValueError(
            f"d_model={d_model} must be divisible by num_heads={num_heads}"
        )
    _probability("rate", rate)


def keras_encoder_layer(
    d_model: int, num_heads: int, dff: int, rate: float = 0.1
) -> Any:
    """A built Keras 3 version of :class:`EncoderLayer` (needs ``KERAS_BACKEND=torch``).

    The layer is called as ``layer(x, training=False, mask=None)`` with ``x`` of shape
    ``(batch, seq, d_model)`` and ``mask`` (batch, seq, seq), True = may attend.
    """
    _check_keras_sizes(d_model, num_heads, dff, rate)
    layer = _keras_layer_class()(d_model, num_heads, dff, rate)
    layer(np.zeros((1, 2, d_model), dtype="float32"))  # build the weights
    return layer


def _check_keras_target(keras_layer: Any, layer: nn.Module) -> None:
    # Any module built like EncoderLayer will do (chapter 5.2 defines the class again).
    if not isinstance(
        getattr(layer, "mha", None), MultiHeadAttention
    ) or not hasattr(layer, "ffn"):
        raise TypeError(
            f"expected a bookutils EncoderLayer, got {type(layer).__name__}"
        )
    if (
        not hasattr(keras_layer, "mha")
        or getattr(keras_layer, "d_model", None) != layer.mha.d_model
    ):
        raise ValueError(
            "keras_layer must come from keras_encoder_layer with the same d_model"
        )
    if keras_layer.mha.num_heads != layer.mha.num_heads:
        raise ValueError(
            f"heads differ: Keras {keras_layer.mha.num_heads},"
            f" ours {layer.mha.num_heads}"
        )


def copy_to_keras(keras_layer: Any, layer: EncoderLayer) -> Any:
    """Copy the weights of ``layer`` into a :func:`keras_encoder_layer` of the same sizes.

    Keras keeps a Dense kernel as (in, out), the transpose of ``nn.Linear.weight``, and
    the attention's query/key/value kernels as (d_model, heads, head_dim) and its output
    kernel as (heads, head_dim, d_model). Returns ``keras_layer``.
    """
    _check_keras_target(keras_layer, layer)
    d, h, hd = layer.mha.d_model, layer.mha.num_heads, layer.mha.d_k

    def np_(t: Tensor) -> np.ndarray:
        return t.detach().cpu().float().numpy()

    attention = []
    for proj in (layer.mha.q_proj, layer.mha.k_proj, layer.mha.v_proj):
        attention += [
            np_(proj.weight).T.reshape(d, h, hd),
            np_(proj.bias).reshape(h, hd),
        ]
    attention += [
        np_(layer.mha.out_proj.weight).T.reshape(h, hd, d),
        np_(layer.mha.out_proj.bias),
    ]
    keras_layer.mha.set_weights(attention)
    dense1, dense2 = keras_layer.ffn.layers
    dense1.set_weights([np_(layer.ffn[0].weight).T, np_(layer.ffn[0].bias)])
    dense2.set_weights([np_(layer.ffn[2].weight).T, np_(layer.ffn[2].bias)])
    for ours, theirs in (
        (keras_layer.layernorm1, layer.layernorm1),
        (keras_layer.layernorm2, layer.layernorm2),
    ):
        ours.set_weights([np_(theirs.weight), np_(theirs.bias)])
    return keras_layer
