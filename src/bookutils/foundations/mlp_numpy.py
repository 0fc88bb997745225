"""A multilayer perceptron in NumPy only: forward, loss, backward and update (chapter 3.1).

Conventions, shared with PyTorch's ``nn.Linear`` so that weights copy over unchanged:

- the rows of ``X`` (n × d) are examples;
- layer ``l`` (1-based) has a weight matrix ``params["W{l}"]`` of shape (out, in) and a
  bias ``params["b{l}"]`` of shape (out,), and computes ``Z = X_prev @ W.T + b``;
- every hidden layer applies the same activation; the last layer outputs logits, and the
  loss is the softmax cross-entropy averaged over the batch.

Gradients come back in a dict with the same keys as the parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")

Params = dict[str, np.ndarray]


def _check_activation(name: str) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), computed without overflow."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """The activation ``name`` ('relu', 'tanh' or 'sigmoid') applied elementwise to z."""
    _check_activation(name)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    return sigmoid(z)


def activation_grad(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The derivative f'(z) of activation ``name``, given z and a = f(z)."""
    _check_activation(name)
    if name == "relu":
        return (z > 0).astype(a.dtype)
    if name == "tanh":
        return 1 - a * a
    return a * (1 - a)


def init_params(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    seed: int = 0,
    dtype: type = np.float64,
) -> Params:
    """Random weights and zero biases for an MLP with layer widths ``sizes``.

    ``sizes = (64, 32, 10)`` means 64 inputs, one hidden layer of 32 and 10 outputs.
    Weights are drawn from N(0, s²/fan_in) with s² = 2 for ReLU (He et al.) and 1 otherwise.
    """
    _check_activation(activation)
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(
            f"sizes needs at least 2 positive layer widths, got {sizes}"
        )
    rng = np.random.default_rng(seed)
    gain = 2.0 if activation == "relu" else 1.0
    params: Params = {}
    for layer, (fan_in, fan_out) in enumerate(
        zip(sizes[:-1], sizes[1:], strict=True), 1
    ):
        std = np.sqrt(gain / fan_in)
        params[f"W{layer}"] = (std * rng.standard_normal((fan_out, fan_in))).astype(
            dtype
        )
        params[f"b{layer}"] = np.zeros(fan_out, dtype=dtype)
    return params


def num_layers(params: Params) -> int:
    """How many weight layers ``params`` holds (checks that the keys are W1, b1, W2, ...)."""
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of arrays, got {type(params).__name__}"
        )
    n = len(params) // 2
    expected = {f"{k}{i}" for i in range(1, n + 1) for k in "Wb"}
    if n == 0 or set(params) != expected:
        raise ValueError(
            f"params must have keys W1, b1, ..., W{n}, b{n}; got {sorted(params)}"
        )
    return n


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass: each layer's input and output."""

    activation: str
    inputs: list[np.ndarray] = field(default_factory=list)  # X_prev of every layer
    pre: list[np.ndarray] = field(default_factory=list)  # Z of every layer
    post: list[np.ndarray] = field(
        default_factory=list
    )  # f(Z) of every hidden layer


def _check_forward(params: Params, X: np.ndarray, activation: str) -> int:
    """The number of layers, after checking the activation and the shape of X."""
    n_layers = num_layers(params)
    _check_activation(activation)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != params["W1"].shape[1]:
        raise ValueError(
            f"X must have shape (n, {params['W1'].shape[1]}), got {X.shape}"
        )
    return n_layers


def forward(
    params: Params, X: np.ndarray, activation: str = "relu"
) -> tuple[np.ndarray, Cache]:
    """Logits (n × classes) for the rows of X, and the cache the backward pass needs."""
    n_layers = _check_forward(params, X, activation)
    cache = Cache(activation)
    A = np.asarray(X)  # (n, d)
    for layer in range(1, n_layers + 1):
        cache.inputs.append(A)
        Z = A @ params[f"W{layer}"].T + params[f"b{layer}"]  # (n, d_layer)
        cache.pre.append(Z)
        if layer < n_layers:  # hidden layer
            A = activate(activation, Z)
            cache.post.append(A)
    return Z, cache  # the last Z holds the logits


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax along the last axis, shifted by the row maximum so exp cannot overflow."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax along the last axis (rows sum to 1)."""
    return np.exp(log_softmax(logits))


def _check_targets(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    logits, y = np.asarray(logits), np.asarray(y)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (n, classes), got {logits.shape}")
    if y.shape != (logits.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"y must be {logits.shape[0]} integer class labels, got "
            f"{y.dtype} array of shape {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= logits.shape[1]):
        raise ValueError(f"labels must lie in 0..{logits.shape[1] - 1}")
    return y


def softmax_cross_entropy(
    logits: np.ndarray, y: np.ndarray
) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels y, and its gradient.

    The gradient with respect to the logits is (softmax(logits) - one_hot(y)) / n.
    """
    y = _check_targets(logits, y)
    n = logits.shape[0]
    logp = log_softmax(logits)  # (n, classes)
    loss = -logp[np.arange(n), y].mean()
    dlogits = np.exp(logp)  # the probabilities p
    dlogits[np.arange(n), y] -= 1  # p − one_hot(y)
    return float(loss), dlogits / n


def _check_layer_shapes(X_prev: np.ndarray, W: np.ndarray, dZ: np.ndarray) -> None:
    if dZ.shape != (X_prev.shape[0], W.shape[0]) or X_prev.shape[1] != W.shape[1]:
        raise ValueError(
            f"shapes do not fit: X_prev {X_prev.shape}, W {W.shape}, dZ {dZ.shape}"
        )


def layer_backward(
    X_prev: np.ndarray, W: np.ndarray, dZ: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of one linear layer Z = X_prev @ W.T + b, given dZ = ∂L/∂Z.

    Returns (dW, db, dX_prev) = (dZᵀ X_prev, column sums of dZ, dZ W).
    """
    _check_layer_shapes(X_prev, W, dZ)
    dW = dZ.T @ X_prev  # (out, n) @ (n, in) = (out, in), the shape of W
    db = dZ.sum(axis=0)  # (out,): summed over the examples
    dX_prev = dZ @ W  # (n, out) @ (out, in) = (n, in)
    return dW, db, dX_prev


def _check_cache(params: Params, cache: Cache) -> int:
    n_layers = num_layers(params)
    if len(cache.inputs) != n_layers:
        raise ValueError(
            "the cache does not come from a forward pass with these params"
        )
    return n_layers


def backward(params: Params, cache: Cache, dlogits: np.ndarray) -> Params:
    """Gradients of the loss for every parameter, given dlogits = ∂L/∂logits."""
    n_layers = _check_cache(params, cache)
    grads: Params = {}
    dZ = dlogits  # (n, classes)
    for layer in range(n_layers, 0, -1):
        W, X_prev = params[f"W{layer}"], cache.inputs[layer - 1]
        grads[f"W{layer}"], grads[f"b{layer}"], dA = layer_backward(X_prev, W, dZ)
        if layer > 1:  # through the activation of the layer below
            Z, A = cache.pre[layer - 2], cache.post[layer - 2]
            dZ = dA * activation_grad(cache.activation, Z, A)
    return {key: grads[key] for key in params}


def loss_and_grads(
    params: Params, X: np.ndarray, y: np.ndarray, activation: str = "relu"
) -> tuple[float, Params]:
    """Forward pass, loss and backward pass in one call: returns (loss, grads)."""
    logits, cache = forward(params, X, activation)
    loss, dlogits = softmax_cross_entropy(logits, y)
    return loss, backward(params, cache, dlogits)


def _check_update(params: Params, grads: Params, lr: float) -> None:
    if set(grads) != set(params):
        raise ValueError(
            f"grads has keys {sorted(grads)}, params has {sorted(params)}"
        )
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")


def sgd_update(params: Params, grads: Params, lr: float) -> None:
    """One gradient-descent step, in place: every parameter p ← p − lr · ∂L/∂p."""
    _check_update(params, grads, lr)
    for key, p in params.items():
        p -= lr * grads[key]


def predict(params: Params, X: np.ndarray, activation: str = "relu") -> np.ndarray:
    """The predicted class (the largest logit) for every row of X."""
    return forward(params, X, activation)[0].argmax(axis=1)


@dataclass
class TrainingRun:
    """Losses per mini-batch step and the accuracy on held-out data after every epoch."""

    losses: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


def _check_epochs(epochs: int, batch_size: int) -> None:
    if epochs < 1 or batch_size < 1:
        raise ValueError(
            f"epochs and batch_size must be positive, got {epochs}, {batch_size}"
        )


def train_mlp(
    params: Params,
    X: np.ndarray,
    y: np.ndarray,
    *,
    activation: str = "relu",
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 32,
    seed: int = 0,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
) -> TrainingRun:
    """Mini-batch SGD on the softmax cross-entropy; updates ``params`` in place.

    Each epoch visits the examples in a fresh random order drawn from ``seed``.
    """
    _check_epochs(epochs, batch_size)
    rng = np.random.default_rng(seed)
    run = TrainingRun()
    for _ in range(epochs):
        order = rng.permutation(len(X))  # a fresh random order every epoch
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]  # one mini-batch
            loss, grads = loss_and_grads(params, X[idx], y[idx], activation)
            sgd_update(params, grads, lr)
            run.losses.append(loss)
        if X_test is not None and y_test is not None:
            accuracy = np.mean(predict(params, X_test, activation) == y_test)
            run.test_accuracy.append(float(accuracy))
    return run


def to_torch(params: Params, activation: str = "relu", *, dtype=None, device=None):
    """The same network as a ``torch.nn.Sequential`` of Linear layers, weights copied."""
    import torch

    n_layers = num_layers(params)
    _check_activation(activation)
    act = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
    }
    modules: list[torch.nn.Module] = []
    for layer in range(1, n_layers + 1):
        W, b = params[f"W{layer}"], params[f"b{layer}"]
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype, device=device)
        with torch.no_grad():
            linear.weight.copy_(torch.as_tensor(W))
            linear.bias.copy_(torch.as_tensor(b))
        modules.append(linear)
        if layer < n_layers:
            modules.append(act[activation]())
    return torch.nn.Sequential(*modules)
