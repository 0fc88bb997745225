"""Self-checks of chapters 3.1 and 4.2: right answers pass, every typical mistake is named."""

from __future__ import annotations

import numpy as np

from bookutils.checks.backprop import (
    MLP_BACKWARD_MISTAKES,
    SOFTMAX_CE_MISTAKES,
    check_mlp_backward,
    check_softmax_ce_grad,
)
from bookutils.foundations.mlp_numpy import sigmoid, softmax_cross_entropy

CHECKS = [
    (check_softmax_ce_grad, SOFTMAX_CE_MISTAKES),
    (check_mlp_backward, MLP_BACKWARD_MISTAKES),
]


def good_softmax_ce(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def good_layer(X, W, b, Y):
    A = sigmoid(X @ W.T + b)
    delta = (A - Y) * A * (1 - A) / len(X)
    return delta.T @ X, delta.sum(axis=0)


def test_correct_implementations_pass(capsys):
    assert check_softmax_ce_grad(good_softmax_ce)
    assert check_softmax_ce_grad(lambda z, y: softmax_cross_entropy(z, y)[1])
    assert check_mlp_backward(good_layer)
    assert capsys.readouterr().out.count("✓") == 3


def test_changing_inputs_in_place_is_reported():
    def in_place(logits, y):
        logits -= logits.max(axis=1, keepdims=True)
        return good_softmax_ce(logits, y)

    result = check_softmax_ce_grad(in_place)
    assert not result and "in place" in result.messages[0]
