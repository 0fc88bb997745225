"""One small network in PyTorch, TensorFlow and Keras 3, and the helpers that move its
weights between them (chapter 7.1).

The network is a multilayer perceptron with ``tanh`` hidden layers and a linear output.
Every framework stores a dense layer as a weight matrix and a bias, but not in the same
layout: ``torch.nn.Linear`` keeps ``weight`` as ``(out, in)`` and computes ``x Wᵀ + b``,
while TensorFlow and Keras keep a ``kernel`` ``(in, out)`` and compute ``x K + b``. The
*dense layout* used below is Keras's: ``[K₁, b₁, K₂, b₂, ...]``.

TensorFlow and Keras are imported only inside the functions that need them, so importing
this module costs nothing. Keras reads its backend once per process from the environment
variable ``KERAS_BACKEND``; the functions here work with any backend.

``linear_to_dense``, ``dense_weights_from_torch`` and ``numpy_mlp`` are shown in notebook 7.1
as code cells; a test keeps those cells identical to this file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "check_sizes",
    "torch_mlp",
    "linear_to_dense",
    "dense_weights_from_torch",
    "load_dense_weights_into_torch",
    "numpy_mlp",
    "TFMLP",
    "keras_mlp",
    "torch_graph_ops",
    "tf_graph_ops",
]


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """Validate layer widths ``[d_in, h_1, ..., d_out]`` (at least two positive ints)."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(
            f"sizes must be a sequence of layer widths, got {type(sizes).__name__}"
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs at least an input and an output width, got {sizes}"
        )
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"every width must be a positive integer, got {sizes}")
    return [int(s) for s in sizes]


def torch_mlp(
    sizes: Sequence[int], *, seed: int = 0, dtype: torch.dtype = torch.float32
) -> nn.Sequential:
    """``Linear → Tanh → ... → Linear`` with PyTorch's default initialisation, seeded."""
    sizes = check_sizes(sizes)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        layers: list[nn.Module] = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(d_in, d_out, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(nn.Tanh())
        return nn.Sequential(*layers)
    finally:
        torch.random.set_rng_state(
            generator_state
        )  # leave the caller's stream alone


def _check_linear(weight: Any, bias: Any) -> tuple[np.ndarray, np.ndarray]:
    weight, bias = np.asarray(weight), np.asarray(bias)
    if weight.ndim != 2 or bias.shape != (weight.shape[0],):
        raise ValueError(
            f"expected weight (out, in) and bias (out,), got {weight.shape} and"
            f" {bias.shape}"
        )
    return weight, bias


def linear_to_dense(
    weight: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A ``torch.nn.Linear``'s ``(weight (out, in), bias (out,))`` as a Keras/TF dense
    layer's ``(kernel (in, out), bias (out,))``: the kernel is the transpose."""
    weight, bias = _check_linear(weight, bias)
    return weight.T.copy(), bias.copy()  # copies: the result shares no memory


def _linears(model: nn.Module, *, with_bias: bool = False) -> list[nn.Linear]:
    """The model's ``nn.Linear`` layers, in order (``with_bias``: each must have a bias)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(model).__name__}")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError("the model has no nn.Linear layers")
    if with_bias and any(layer.bias is None for layer in linears):
        raise ValueError("every nn.Linear must have a bias")
    return linears


def dense_weights_from_torch(model: nn.Module) -> list[np.ndarray]:
    """The weights of every ``nn.Linear`` in ``model``, in the dense layout
    ``[K₁, b₁, K₂, b₂, ...]`` that ``keras.Model.set_weights`` and :class:`TFMLP` take."""
    weights: list[np.ndarray] = []
    for layer in _linears(model, with_bias=True):
        weights.extend(
            linear_to_dense(
                layer.weight.detach().cpu().numpy(),
                layer.bias.detach().cpu().numpy(),
            )
        )
    return weights


def _check_dense(weights: Sequence[Any]) -> list[np.ndarray]:
    weights = [np.asarray(w) for w in weights]
    if len(weights) < 2 or len(weights) % 2:
        raise ValueError(
            f"expected [kernel, bias, kernel, bias, ...], got {len(weights)} arrays"
        )
    for i in range(0, len(weights), 2):
        k, b = weights[i], weights[i + 1]
        if k.ndim != 2 or b.shape != (k.shape[1],):
            raise ValueError(
                f"layer {i // 2}: expected kernel (in, out) and bias (out,), got"
                f" {k.shape} and {b.shape}"
            )
        if i and k.shape[0] != weights[i - 2].shape[1]:
            raise ValueError(
                f"layer {i // 2} takes {k.shape[0]} inputs but the layer before"
                f" gives {weights[i - 2].shape[1]}"
            )
    return weights


@torch.no_grad()
def load_dense_weights_into_torch(
    model: nn.Module, weights: Sequence[Any]
) -> nn.Module:
    """Copy dense-layout weights ``[K₁, b₁, ...]`` into the ``nn.Linear`` layers of
    ``model`` (kernel transposed into ``weight``); returns ``model``."""
    weights = _check_dense(weights)
    linears = _linears(model)
    if len(linears) != len(weights) // 2:
        raise ValueError(
            f"the model has {len(linears)} linear layers, the weights describe"
            f" {len(weights) // 2}"
        )
    for layer, k, b in zip(linears, weights[::2], weights[1::2], strict=True):
        if layer.weight.shape != k.T.shape:
            raise ValueError(
                f"kernel {k.shape} does not fit nn.Linear weight"
                f" {tuple(layer.weight.shape)} (the kernel is its transpose)"
            )
        layer.weight.copy_(torch.as_tensor(k.T, dtype=layer.weight.dtype))
        layer.bias.copy_(torch.as_tensor(b, dtype=layer.bias.dtype))
    return model


def _check_mlp_input(x: Any, weights: Sequence[np.ndarray]) -> np.ndarray:
    h = np.asarray(x, dtype=np.float64)
    if h.ndim != 2 or h.shape[1] != weights[0].shape[0]:
        raise ValueError(
            f"x must have shape (n, {weights[0].shape[0]}), got {h.shape}"
        )
    return h


def numpy_mlp(weights: Sequence[Any], x: np.ndarray) -> np.ndarray:
    """The network's output computed with NumPy alone: the reference all three must match."""
    weights = _check_dense(weights)
    h = _check_mlp_input(x, weights)  # (n, d_in), float64
    n_layers = len(weights) // 2
    for i in range(n_layers):
        h = h @ weights[2 * i] + weights[2 * i + 1]  # X K + b: (n, out)
        if i < n_layers - 1:
            h = np.tanh(h)
    return h


def _tensorflow() -> Any:
    import tensorflow as tf  # noqa: PLC0415 (imported on first use: it is large)

    return tf


class TFMLP:
    """The network written in raw TensorFlow: one ``tf.Variable`` per kernel and bias.

    Calling it on a ``(n, d_in)`` array returns a ``tf.Tensor``; inside a
    ``tf.GradientTape`` the variables are watched, so gradients come for free.
    """

    def __init__(self, weights: Sequence[Any], dtype: str = "float32") -> None:
        tf = _tensorflow()
        weights = _check_dense(weights)
        self.variables = [
            tf.Variable(w.astype(dtype), name=f"{'kb'[i % 2]}{i // 2 + 1}")
            for i, w in enumerate(weights)
        ]

    def __call__(self, x: Any) -> Any:
        """Forward pass: ``tanh`` after every layer but the last."""
        tf = _tensorflow()
        h = tf.convert_to_tensor(x, dtype=self.variables[0].dtype)
        n_layers = len(self.variables) // 2
        for i in range(n_layers):
            h = tf.matmul(h, self.variables[2 * i]) + self.variables[2 * i + 1]
            if i < n_layers - 1:
                h = tf.tanh(h)
        return h

    def get_weights(self) -> list[np.ndarray]:
        """The current weights as NumPy arrays, in the dense layout."""
        return [v.numpy() for v in self.variables]


def keras_mlp(sizes: Sequence[int], weights: Sequence[Any] | None = None) -> Any:
    """The network as a ``keras.Sequential`` of ``Dense`` layers (``tanh`` hidden), built for
    inputs of width ``sizes[0]``; ``weights`` in the dense layout are loaded if given."""
    import keras  # noqa: PLC0415 (the backend is fixed by KERAS_BACKEND at first import)

    sizes = check_sizes(sizes)
    layers = [keras.Input(shape=(sizes[0],))]
    for i, width in enumerate(sizes[1:]):
        layers.append(
            keras.layers.Dense(
                width,
                activation="tanh" if i < len(sizes) - 2 else None,
                name=f"dense_{i + 1}",
            )
        )
    model = keras.Sequential(layers)
    if weights is not None:
        weights = _check_dense(weights)
        expected = [tuple(w.shape) for w in model.get_weights()]
        if [w.shape for w in weights] != expected:
            raise ValueError(
                f"weights of shapes {[w.shape for w in weights]} do not fit"
                f" the model's {expected}"
            )
        model.set_weights(weights)
    return model


def torch_graph_ops(output: torch.Tensor) -> list[str]:
    """The backward nodes PyTorch recorded for ``output``, each once, from the output back
    to the leaves (breadth first): e.g. ``['TanhBackward0', 'AddBackward0', ...]``."""
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError(
            "this tensor has no grad_fn: nothing was recorded (is requires_grad"
            " set on an input, and is grad mode on?)"
        )
    names, seen, queue = [], set(), [output.grad_fn]
    while queue:
        node = queue.pop(0)
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(type(node).__name__)
        queue.extend(child for child, _ in node.next_functions)
    return names


def tf_graph_ops(fn: Callable[..., Any], *args: Any) -> list[str]:
    """The TensorFlow operation types that tracing ``fn(*args)`` with ``tf.function``
    records, in order, without the placeholders for inputs and the identity of the output."""
    if not callable(fn):
        raise TypeError(f"expected a function, got {type(fn).__name__}")
    tf = _tensorflow()
    graph = tf.function(fn).get_concrete_function(*args).graph
    skip = {"Placeholder", "Identity", "NoOp", "ReadVariableOp"}
    return [op.type for op in graph.get_operations() if op.type not in skip]
