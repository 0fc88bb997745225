"""Self-checks of chapters 3.1 and 4.2: right answers pass, every typical mistake is named."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from bookutils.checks.backprop import (
    MLP_BACKWARD_MISTAKES,
    SOFTMAX_CE_MISTAKES,
    TRAINING_TARGET,
    check_mlp_backward,
    check_mlp_gradients,
    check_softmax_ce_grad,
    check_training_loop,
)
from bookutils.foundations.mlp_numpy import sigmoid, softmax_cross_entropy

sys.path.insert(0, str(Path(__file__).parent))
from test_selfcheck_contract import _digits_split  # noqa: E402

NOTEBOOK = (
    Path(__file__).parents[1]
    / "notebooks"
    / "03_algorithms"
    / "3_1_backprop_numpy.ipynb"
)
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


# ---------------------------------------- the "Build it yourself" checks of chapter 3.1


def good_gradients(params, X, y):
    """The chapter's network, written from the four equations, as a learner would."""
    n_layers = len(params) // 2
    inputs, pre, A = [], [], X
    for layer in range(1, n_layers + 1):
        inputs.append(A)
        Z = A @ params[f"W{layer}"].T + params[f"b{layer}"]
        pre.append(Z)
        A = np.maximum(Z, 0)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    dZ = P / len(y)
    grads = {}
    for layer in range(n_layers, 0, -1):
        grads[f"W{layer}"] = dZ.T @ inputs[layer - 1]
        grads[f"b{layer}"] = dZ.sum(axis=0)
        if layer > 1:
            dZ = (dZ @ params[f"W{layer}"]) * (pre[layer - 2] > 0)
    return grads


def _forward_keep(params, X, *, bias=True, transpose=True, dtype=np.float64):
    n_layers = len(params) // 2
    inputs, pre, A = [], [], X.astype(dtype)
    for layer in range(1, n_layers + 1):
        W, b = params[f"W{layer}"].astype(dtype), params[f"b{layer}"].astype(dtype)
        inputs.append(A)
        Z = (A @ W.T if transpose else A @ W) + (b if bias else 0)
        pre.append(Z)
        A = np.maximum(Z, 0)
    return inputs, pre, Z


def _backward_from(params, inputs, pre, dZ):
    grads = {}
    for layer in range(len(params) // 2, 0, -1):
        W = params[f"W{layer}"].astype(dZ.dtype)
        grads[f"W{layer}"] = dZ.T @ inputs[layer - 1]
        grads[f"b{layer}"] = dZ.sum(axis=0)
        if layer > 1:
            dZ = (dZ @ W) * (pre[layer - 2] > 0)
    return grads


def _dlogits(Z, y, axis=1):
    P = np.exp(Z - Z.max(axis=axis, keepdims=True))
    P = P / P.sum(axis=axis, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return P / len(y)


def transposed_weight(params, X, y):
    inputs, pre, Z = _forward_keep(params, X, transpose=False)
    return _backward_from(params, inputs, pre, _dlogits(Z, y))


def missing_bias(params, X, y):
    inputs, pre, Z = _forward_keep(params, X, bias=False)
    return _backward_from(params, inputs, pre, _dlogits(Z, y))


def softmax_over_the_batch(params, X, y):
    inputs, pre, Z = _forward_keep(params, X)
    return _backward_from(params, inputs, pre, _dlogits(Z, y, axis=0))


def in_float32(params, X, y):
    inputs, pre, Z = _forward_keep(params, X, dtype=np.float32)
    return _backward_from(params, inputs, pre, _dlogits(Z, y))


def updates_params_in_place(params, X, y):
    grads = good_gradients(params, X, y)
    for key in params:
        params[key] -= 0.1 * grads[key]
    return grads


def returns_a_list(params, X, y):
    return list(good_gradients(params, X, y).values())


def never_returns(params, X, y):
    while True:
        pass


def one_hot_by_fancy_index(params, X, y):
    inputs, pre, Z = _forward_keep(params, X)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = P / P.sum(axis=1, keepdims=True)
    P[:, y] -= 1  # subtracts 1 in every row, in the columns of all labels
    return _backward_from(params, inputs, pre, P / len(y))


def last_layer_only(params, X, y):
    n_layers = len(params) // 2
    grads = good_gradients(params, X, y)
    return {k: g for k, g in grads.items() if k.endswith(str(n_layers))}


def loss_and_gradients(params, X, y):
    return 0.0, good_gradients(params, X, y)


GRADIENT_BATTERY = [
    (transposed_weight, "raised ValueError"),
    (missing_bias, "wrong answer on the case"),
    (softmax_over_the_batch, "wrong answer on the case"),
    (in_float32, "answer has dtype float32 for the gradient of W1"),
    (updates_params_in_place, "changed its inputs in place"),
    (returns_a_list, "answer is a list, not a dict"),
    (never_returns, "did not finish within the time limit"),
    (one_hot_by_fancy_index, "wrong answer on the case"),
    (last_layer_only, "answer has gradients for ['W2', 'b2']"),
    (loss_and_gradients, "answer is a tuple, not a dict"),
]


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.5")


@pytest.mark.parametrize(
    "wrong,said", GRADIENT_BATTERY, ids=[f.__name__ for f, _ in GRADIENT_BATTERY]
)
def test_wrong_backward_passes_get_a_cross_and_a_sentence(
    wrong, said, short_limit, capsys
):
    result = check_mlp_gradients(wrong)
    out = capsys.readouterr().out
    assert not result and out.startswith("✗") and "Traceback" not in out, out
    assert said in out, out
    assert "wrong point" not in out, (
        out
    )  # no mistake's hint for a different mistake


def test_the_learners_own_prints_are_kept(capsys):
    def chatty(params, X, y):
        print("shapes:", X.shape)
        return returns_a_list(params, X, y)

    assert not check_mlp_gradients(chatty)
    out = capsys.readouterr().out
    assert out.startswith("shapes: (5, 3)") and out.count("✗") == 1, out


def test_a_learner_backward_pass_passes(capsys):
    assert check_mlp_gradients(good_gradients)
    assert capsys.readouterr().out.startswith("✓ check_mlp_gradients")


DIGITS = _digits_split()


def train_loop(params, X, y, *, lr=0.1, epochs=20, gradients=good_gradients):
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            idx = order[start : start + 32]
            grads = gradients(params, X[idx], y[idx])
            params = {k: params[k] - lr * grads[k] for k in params}
    return params


def train_in_float32(params, X, y):
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    return train_loop(p32, X.astype(np.float32), y)


def train_returns_a_list(params, X, y):
    return list(train_loop(params, X, y).values())


def train_in_place_without_return(params, X, y):
    trained = train_loop(params, X, y)
    for key in params:
        params[key][...] = trained[key]


def train_forever(params, X, y):
    while True:
        params = train_loop(params, X, y, epochs=1)


def train_with_transposed_update(params, X, y):
    grads = good_gradients(params, X[:32], y[:32])
    return {k: params[k] - 0.1 * grads[k].T for k in params}


def train_weights_only(params, X, y):
    trained = train_loop(params, X, y)
    return {k: trained[k] if k.startswith("W") else params[k] for k in params}


def train_with_summed_gradients(params, X, y):
    def summed(p, Xb, yb):
        return {k: g * len(yb) for k, g in good_gradients(p, Xb, yb).items()}

    return train_loop(params, X, y, gradients=summed)


TRAINING_BATTERY = [
    (train_returns_a_list, "expected the trained parameters, a dict"),
    (train_in_place_without_return, "returned None (is a `return` missing?)"),
    (train_forever, "did not finish within the time limit"),
    (train_with_transposed_update, "raised ValueError"),
    (train_with_summed_gradients, "no better than guessing"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong,said", TRAINING_BATTERY, ids=[f.__name__ for f, _ in TRAINING_BATTERY]
)
def test_wrong_training_loops_get_a_cross_and_a_sentence(
    wrong, said, short_limit, capsys
):
    result = check_training_loop(wrong, **DIGITS)
    out = capsys.readouterr().out
    assert not result and out.startswith("✗") and "Traceback" not in out, out
    assert said in out, out


@pytest.mark.parametrize("fn", [train_loop, train_in_float32, train_weights_only])
def test_training_loops_that_learn_pass(fn, capsys):
    """float32 training and a forgotten bias update still learn the digits: both pass."""
    assert check_training_loop(fn, **DIGITS), capsys.readouterr().out


def test_training_target_is_the_chapters_and_bad_data_is_an_error():
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert f"{TRAINING_TARGET:.0%}".replace("%", " %") in text
    with pytest.raises(ValueError, match="integer labels"):
        check_training_loop(train_loop, DIGITS["X_train"], DIGITS["X_train"], 0, 0)
