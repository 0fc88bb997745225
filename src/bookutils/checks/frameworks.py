"""Self-check for chapter 7.1: moving a PyTorch linear layer's weights into Keras/TF layout."""

from __future__ import annotations

import numpy as np

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check
from ..tasks.frameworks import linear_to_dense

_rng = np.random.default_rng(71)

CASES = (
    Case(
        (np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0])),
        "a layer from 3 inputs to 2 outputs: weight (2, 3) must become a kernel (3, 2)",
    ),
    Case(
        (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5])),
        "a square 2×2 layer (transposing matters even when the shape does not change)",
    ),
    Case(
        (_rng.normal(size=(4, 5)), _rng.normal(size=4)),
        "a random layer from 5 inputs to 4",
    ),
)
GENERATED = resampled(CASES, 711)

MISTAKES = (
    Mistake(
        lambda W, b: (W.copy(), b.copy()),
        "the kernel is the transpose of torch's weight: Keras computes x @ kernel, torch"
        " computes x @ weight.T, so kernel = weight.T.",
    ),
    Mistake(
        lambda W, b: (W.reshape(W.shape[1], W.shape[0]), b.copy()),
        "reshape keeps the numbers in memory order and only relabels the shape; a"
        " transpose (weight.T) moves them. Use weight.T, not weight.reshape(in, out).",
    ),
    Mistake(
        lambda W, b: (b.copy(), W.T.copy()),
        "the order is (kernel, bias), as Keras's get_weights lists them.",
    ),
    Mistake(
        lambda W, b: W.T.copy(),
        "return both arrays, (kernel, bias): the bias is copied unchanged.",
    ),
    Mistake(
        lambda W, b: (W.T.copy(), -b),
        "the bias is copied as it is: both frameworks add it, neither subtracts it.",
    ),
)


def check_linear_to_dense(fn) -> CheckResult:
    """Check ``fn(weight, bias)`` turns a torch ``nn.Linear``'s arrays into the Keras/TF
    ``(kernel, bias)`` of the same layer."""
    return run_check(
        "check_linear_to_dense",
        fn,
        linear_to_dense,
        CASES + GENERATED,
        MISTAKES,
        signature="(weight, bias)",
    )
