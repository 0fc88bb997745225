"""Self-checks for chapters 3.1 and 4.2: gradients of a sigmoid layer and of softmax + CE."""

from __future__ import annotations

import numpy as np

from ..foundations.mlp_numpy import (
    layer_backward,
    sigmoid,
    softmax,
    softmax_cross_entropy,
)
from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check

_rng = np.random.default_rng(42)


def _normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape)


# ---------------------------------------------------------------- softmax + cross-entropy


def _softmax_ce_reference(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    return softmax_cross_entropy(logits, y)[1]


def _one_hot(y: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[y]


def _unstable_softmax(logits: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


SOFTMAX_CE_CASES = (
    Case(
        (np.array([[1.0, 2.0, 0.5]]), np.array([1])), "one example, three classes"
    ),
    Case(
        (_normal(4, 5), np.array([0, 4, 2, 2])), "a batch of 4 examples, 5 classes"
    ),
    Case(
        (np.zeros((2, 4)), np.array([3, 0])),
        "all logits equal (softmax is uniform)",
    ),
    Case(
        (
            np.array([[1000.0, 0.0, -1000.0], [5.0, 1005.0, 1000.0]]),
            np.array([0, 2]),
        ),
        "huge logits (exp(1000) overflows unless you subtract the row maximum)",
    ),
)
# New values at other scales, and rows whose maxima differ by more than exp's range (~745),
# where one maximum for the whole batch instead of one per row underflows a row to 0/0.
SOFTMAX_CE_GENERATED = resampled(
    SOFTMAX_CE_CASES, 311, scales=(0.1, 3.0, 300.0)
) + (
    Case(
        (
            np.array(
                [[1000.0, 0.0, -5.0], [0.0, 1.0, 2.0], [-900.0, -901.0, -899.5]]
            ),
            np.array([0, 2, 1]),
        ),
        "rows whose maxima differ a lot (1000, 2 and -899.5)",
        teaching=False,
    ),
)

SOFTMAX_CE_MISTAKES = (
    Mistake(
        lambda z, y: softmax(z) - _one_hot(y, z.shape[1]),
        "the loss is the MEAN over the batch, so divide (p − y) by the number of"
        " examples n.",
    ),
    Mistake(
        lambda z, y: (_one_hot(y, z.shape[1]) - softmax(z)) / len(z),
        "sign error: the gradient is (p − y)/n, the predicted probabilities minus the"
        " one-hot labels.",
    ),
    Mistake(
        lambda z, y: softmax(z) / len(z),
        "subtract the one-hot label: the gradient is (p − y)/n, not p/n.",
    ),
    Mistake(
        lambda z, y: (
            np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)
            - _one_hot(y, z.shape[1])
        )
        / len(z),
        "softmax is taken over the classes of each example (axis=1, along a row),"
        " not over the batch (axis=0).",
    ),
    Mistake(
        lambda z, y: (_unstable_softmax(z) - _one_hot(y, z.shape[1])) / len(z),
        "exp overflows for large logits: subtract each row's maximum before exp"
        " (softmax does not change when a constant is added to a row).",
    ),
)


def check_softmax_ce_grad(fn) -> CheckResult:
    """Check ``fn(logits, y)`` returns ∂L/∂logits of the mean softmax cross-entropy.

    ``logits`` is an (n, K) array, ``y`` holds n integer labels in 0..K-1.
    """
    return run_check(
        "check_softmax_ce_grad",
        fn,
        _softmax_ce_reference,
        SOFTMAX_CE_CASES + SOFTMAX_CE_GENERATED,
        SOFTMAX_CE_MISTAKES,
        signature="(logits, y)",
    )


# ------------------------------------------------------ one sigmoid layer with the MSE loss


def _sigmoid_layer_grads(X, W, b, Y, *, dz=None, dw=None, db=None):
    """Gradients of L = (1/n)·Σ_j ½‖σ(W x_j + b) − y_j‖², with parts swappable for mistakes."""
    n = X.shape[0]
    A = sigmoid(X @ W.T + b)
    dZ = (A - Y) * A * (1 - A) / n if dz is None else dz(X, W, b, Y, A)
    dW, db_, _ = layer_backward(X, W, dZ)
    return (dW if dw is None else dw(X, dZ)), (db_ if db is None else db(dZ))


def _mlp_backward_reference(X, W, b, Y):
    return _sigmoid_layer_grads(X, W, b, Y)


def _wrong(**parts):
    return lambda X, W, b, Y: _sigmoid_layer_grads(X, W, b, Y, **parts)


MLP_BACKWARD_CASES = (
    Case(
        (
            np.array([[1.0, -2.0, 0.5]]),
            np.array([[0.3, -0.1, 0.2], [0.0, 0.5, -0.4]]),
            np.array([0.1, -0.2]),
            np.array([[1.0, 0.0]]),
        ),
        "one example, 3 inputs, 2 outputs",
    ),
    Case(
        (_normal(4, 3), _normal(2, 3), _normal(2), _rng.uniform(size=(4, 2))),
        "a batch of 4 examples, 3 inputs, 2 outputs",
    ),
    Case(
        (_normal(5, 2), _normal(3, 2), np.zeros(3), _rng.uniform(size=(5, 3))),
        "a batch of 5 examples, 2 inputs, 3 outputs, zero bias",
    ),
    Case(
        (_normal(6, 4), 0.1 * _normal(1, 4), np.array([2.0]), np.ones((6, 1))),
        "a batch of 6 examples and a single output unit",
    ),
)
MLP_BACKWARD_GENERATED = resampled(MLP_BACKWARD_CASES, 312)

MLP_BACKWARD_MISTAKES = (
    Mistake(
        _wrong(dw=lambda X, dZ: X.T @ dZ),
        "missing transpose: ∂L/∂W = Δᵀ X (with Δ = ∂L/∂Z) has the shape of W,"
        " (outputs, inputs); X.T @ Δ has the transposed shape.",
    ),
    Mistake(
        _wrong(dz=lambda X, W, b, Y, A: (A - Y) / len(X)),
        "you forgot the activation's derivative: multiply by σ'(z) = σ(z)(1 − σ(z))"
        " before passing the error through the linear layer.",
    ),
    Mistake(
        _wrong(dz=lambda X, W, b, Y, A: (A - Y) * A * (1 - A)),
        "summed instead of averaged over the batch: the loss is a mean over the"
        " n examples, so every gradient carries a factor 1/n.",
    ),
    Mistake(
        _wrong(db=lambda dZ: np.zeros(dZ.shape[1])),
        "you forgot the bias gradient: ∂L/∂b is the sum of δ over the batch, not zero.",
    ),
    Mistake(
        _wrong(db=lambda dZ: dZ),
        "the bias gradient must be summed over the examples (δ.sum(axis=0)), giving one"
        " number per output unit.",
    ),
    Mistake(
        _wrong(dz=lambda X, W, b, Y, A: (Y - A) * A * (1 - A) / len(X)),
        "sign error: ∂L/∂ŷ = ŷ − y for L = ½(y − ŷ)², not y − ŷ.",
    ),
    Mistake(
        _wrong(
            dz=lambda X, W, b, Y, A: (A - Y)
            * (X @ W.T + b)
            * (1 - (X @ W.T + b))
            / len(X)
        ),
        "σ'(z) = σ(z)(1 − σ(z)) uses the OUTPUT a = σ(z), not the pre-activation z.",
    ),
)


def check_mlp_backward(fn) -> CheckResult:
    """Check ``fn(X, W, b, Y)`` returns ``(dW, db)`` for one sigmoid layer with MSE.

    The layer computes A = σ(X Wᵀ + b) for the rows of X (n, d), with W (m, d) and b (m,);
    the loss is L = (1/n) Σ_j ½ ‖a_j − y_j‖² with targets Y (n, m).
    """
    return run_check(
        "check_mlp_backward",
        fn,
        _mlp_backward_reference,
        MLP_BACKWARD_CASES + MLP_BACKWARD_GENERATED,
        MLP_BACKWARD_MISTAKES,
        signature="(X, W, b, Y)",
    )
