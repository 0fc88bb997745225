"""Counting parameters and training FLOPs by hand (chapter 1.3).

Conventions: a linear layer from d_in to d_out features holds d_in·d_out weights and d_out
biases; one multiply-add is 2 floating-point operations (FLOPs). The Transformer block is the
one of ``torch.nn.TransformerEncoderLayer``: multi-head self-attention (query, key, value and
output projections, each with a bias), a two-layer feed-forward network, and two layer norms.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from .._validate import positive_int


def _positive(**sizes: Any) -> None:
    for name, value in sizes.items():
        positive_int(name, value)


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs an input and at least one layer width, got {sizes}"
        )
    return sizes


def linear_params(d_in, d_out, bias=True):
    """Parameters of a linear layer: d_in·d_out weights, plus d_out biases if ``bias``."""
    _positive(d_in=d_in, d_out=d_out)
    return d_in * d_out + (d_out if bias else 0)


def mlp_params(sizes, bias=True):
    """Parameters of a multilayer perceptron with widths ``sizes`` = [d_0, d_1, …, d_{n_layers}].

    The network has n_layers = len(sizes) - 1 linear layers; activations have no parameters.
    """
    sizes = _check_sizes(sizes)
    return sum(linear_params(d_in, d_out, bias) for d_in, d_out in pairwise(sizes))


def attention_params(d_model: int) -> int:
    """Multi-head self-attention: four d×d projections (Q, K, V, output) with biases, 4d² + 4d.

    The number of heads does not change it: the heads split the d columns between them.
    """
    _positive(d_model=d_model)
    return 4 * linear_params(d_model, d_model)


def ffn_params(d_model: int, d_ff: int) -> int:
    """Position-wise feed-forward network d → d_ff → d: 2·d·d_ff + d_ff + d."""
    return linear_params(d_model, d_ff) + linear_params(d_ff, d_model)


def layer_norm_params(d_model: int) -> int:
    """A layer norm holds a gain and a shift per feature: 2d."""
    _positive(d_model=d_model)
    return 2 * d_model


def transformer_block_params(d_model: int, d_ff: int) -> int:
    """One Transformer encoder block: attention + feed-forward + two layer norms.

    Equals 4d² + 4d + 2·d·d_ff + d_ff + d + 4d; with d_ff = 4d that is 12d² + 13d.
    """
    return (
        attention_params(d_model)
        + ffn_params(d_model, d_ff)
        + 2 * layer_norm_params(d_model)
    )


def gpt_params(
    n_layers: int, d_model: int, vocab: int, n_ctx: int, d_ff: int | None = None
) -> int:
    """A GPT-2/GPT-3 style decoder: token and position embeddings, blocks, a final layer norm.

    The output layer shares the token-embedding matrix, so it adds nothing; ``d_ff``
    defaults to 4·d_model.
    """
    _positive(n_layers=n_layers, d_model=d_model, vocab=vocab, n_ctx=n_ctx)
    d_ff = 4 * d_model if d_ff is None else d_ff
    embeddings = vocab * d_model + n_ctx * d_model
    blocks = n_layers * transformer_block_params(d_model, d_ff)
    return embeddings + blocks + layer_norm_params(d_model)


def count_parameters(module: Any, trainable_only: bool = False) -> int:
    """``sum(p.numel())`` over a torch module's parameters (only those needing grads if asked)."""
    if not hasattr(module, "parameters") or not callable(module.parameters):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
    return sum(
        p.numel()
        for p in module.parameters()
        if p.requires_grad or not trainable_only
    )


def linear_flops(n_rows: int, d_in: int, d_out: int) -> int:
    """FLOPs of the matrix product of an (n_rows, d_in) input with a d_in×d_out weight."""
    _positive(n_rows=n_rows, d_in=d_in, d_out=d_out)
    return 2 * n_rows * d_in * d_out


def mlp_training_flops(
    sizes: Sequence[int], n_examples: int, input_grad: bool = False
) -> int:
    """Matrix-product FLOPs of one forward and backward pass of an MLP on ``n_examples``.

    Forward: 2·n·d_in·d_out per layer. Backward: the same again for the weight gradient and
    again for the gradient of the layer's input, except at the first layer, whose input
    gradient is needed only when ``input_grad`` is set. Biases and activations are ignored.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs an input and at least one layer width, got {sizes}"
        )
    total = 0
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        per = linear_flops(n_examples, a, b)
        total += 3 * per if (i > 0 or input_grad) else 2 * per
    return total


def training_flops(n_params: float, n_tokens: float) -> float:
    """The estimate C ≈ 6·N·D of the compute to train N parameters on D tokens."""
    for name, value in (("n_params", n_params), ("n_tokens", n_tokens)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    return 6.0 * n_params * n_tokens
