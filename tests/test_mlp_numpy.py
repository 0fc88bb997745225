"""The NumPy MLP (chapter 3.1) rebuilt in PyTorch: same outputs, same gradients, same steps."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bookutils.foundations import mlp_numpy as mn

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

TORCH_ACT = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def _data(n=7, d=5, k=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, size=n)


@pytest.mark.parametrize("activation", mn.ACTIVATIONS)
def test_loss_and_grads_match_torch(activation):
    X, y = _data()
    params = mn.init_params((5, 6, 3, 4), activation=activation, seed=3)
    loss, grads = mn.loss_and_grads(params, X, y, activation)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(X)
    for layer in (1, 2, 3):
        A = A @ tp[f"W{layer}"].T + tp[f"b{layer}"]
        if layer < 3:
            A = TORCH_ACT[activation](A)
    t_loss = torch.nn.functional.cross_entropy(A, torch.tensor(y))
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(
            grads[key], tp[key].grad.numpy(), rtol=1e-10, atol=1e-12
        )


def test_training_steps_match_torch_sgd():
    X, y = _data(n=20)
    params = mn.init_params((5, 8, 4), seed=0)
    net = mn.to_torch(params, "relu", dtype=torch.float64)
    opt = torch.optim.SGD(net.parameters(), lr=0.3)
    run = mn.train_mlp(params, X, y, lr=0.3, epochs=3, batch_size=6, seed=5)
    order_rng = np.random.default_rng(5)
    t_losses = []
    for _ in range(3):
        order = order_rng.permutation(len(X))
        for s in range(0, len(X), 6):
            idx = order[s : s + 6]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                net(torch.tensor(X[idx])), torch.tensor(y[idx])
            )
            loss.backward()
            opt.step()
            t_losses.append(loss.item())
    np.testing.assert_allclose(run.losses, t_losses, rtol=1e-10)
    np.testing.assert_allclose(
        params["W2"], net[2].weight.detach().numpy(), rtol=1e-10
    )


def test_train_mlp_records_accuracy_and_learns():
    X, y = _data(n=60, d=2, k=2, seed=4)
    y = (X[:, 0] > 0).astype(int)
    params = mn.init_params((2, 8, 2), seed=0)
    run = mn.train_mlp(
        params, X, y, lr=0.5, epochs=30, batch_size=10, X_test=X, y_test=y
    )
    assert isinstance(run, mn.TrainingRun)
    assert len(run.test_accuracy) == 30 and run.test_accuracy[-1] >= 0.95
    assert np.mean(run.losses[-6:]) < np.mean(run.losses[:6])


def test_softmax_and_helpers():
    z = np.array([[1000.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(mn.softmax(z), [[1, 0], [0.5, 0.5]])
    np.testing.assert_allclose(
        mn.softmax(z), torch.softmax(torch.tensor(z), 1).numpy()
    )
    np.testing.assert_allclose(
        mn.sigmoid(np.array([-800.0, 0.0, 800.0])), [0, 0.5, 1]
    )
    zz = np.linspace(-3, 3, 13)
    for name in mn.ACTIVATIONS:
        t = torch.tensor(zz, requires_grad=True)
        TORCH_ACT[name](t).sum().backward()
        a = mn.activate(name, zz)
        np.testing.assert_allclose(
            a, TORCH_ACT[name](torch.tensor(zz)).numpy(), atol=1e-15
        )
        np.testing.assert_allclose(
            mn.activation_grad(name, zz, a), t.grad.numpy(), atol=1e-15
        )


def test_float32_is_preserved_and_predict():
    params = mn.init_params((3, 4, 2), dtype=np.float32)
    X = np.ones((5, 3), dtype=np.float32)
    logits, _ = mn.forward(params, X)
    assert logits.dtype == np.float32
    _, grads = mn.loss_and_grads(params, X, np.zeros(5, dtype=int))
    assert all(g.dtype == np.float32 for g in grads.values())
    assert np.array_equal(mn.predict(params, X), logits.argmax(1))


def test_init_params_shapes_and_scale():
    params = mn.init_params((400, 300, 10), seed=0)
    assert params["W1"].shape == (300, 400) and params["b2"].shape == (10,)
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert mn.num_layers(params) == 2


def test_layer_backward_and_sgd_update():
    rng = np.random.default_rng(0)
    A, W, dZ = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((2, 4)),
        rng.standard_normal((3, 2)),
    )
    dW, db, dA = mn.layer_backward(A, W, dZ)
    assert dW.shape == W.shape and db.shape == (2,) and dA.shape == A.shape
    # by hand, Z = A W^T + b: one example A = [1, 2], W = [[3, 4], [0, -1]], dZ = [5, 6]
    dW1, db1, dA1 = mn.layer_backward(
        np.array([[1.0, 2.0]]),
        np.array([[3.0, 4.0], [0.0, -1.0]]),
        np.array([[5.0, 6]]),
    )
    assert np.array_equal(dW1, [[5.0, 10.0], [6.0, 12.0]]), (
        f"layer_backward dW {dW1}"
    )
    assert np.array_equal(db1, [5.0, 6.0]), f"layer_backward db {db1}"
    assert np.array_equal(dA1, [[15.0, 14.0]]), f"layer_backward dA {dA1}"
    # two examples: the bias gradient sums over the batch
    _, db2, _ = mn.layer_backward(
        np.ones((2, 1)), np.ones((1, 1)), np.array([[1.0], [2]])
    )
    assert np.array_equal(db2, [3.0]), f"layer_backward db over a batch {db2}"
    params = {"W1": W.copy(), "b1": np.zeros(2)}
    mn.sgd_update(params, {"W1": dW, "b1": db}, 0.5)
    np.testing.assert_allclose(params["W1"], W - 0.5 * dW)


def test_bad_inputs():
    params = mn.init_params((3, 2))
    with pytest.raises(ValueError, match="activation"):
        mn.activate("gelu", np.zeros(2))
    with pytest.raises(ValueError, match="activation"):
        mn.activation_grad("gelu", np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="activation"):
        mn.init_params((3, 2), activation="swish")
    with pytest.raises(ValueError, match="sizes"):
        mn.init_params((3,))
    with pytest.raises(ValueError, match="keys"):
        mn.num_layers({"W1": np.zeros((2, 3))})
    with pytest.raises(TypeError, match="dict"):
        mn.num_layers([np.zeros(2)])
    with pytest.raises(ValueError, match="shape"):
        mn.forward(params, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="integer class labels"):
        mn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="labels must lie"):
        mn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="logits"):
        mn.softmax_cross_entropy(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match="shapes do not fit"):
        mn.layer_backward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros((2, 5)))
    _, cache = mn.forward(params, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="cache"):
        mn.backward(mn.init_params((3, 2, 2)), cache, np.zeros((1, 2)))
    with pytest.raises(ValueError, match="keys"):
        mn.sgd_update(params, {"W1": params["W1"]}, 0.1)
    with pytest.raises(ValueError, match="lr"):
        mn.sgd_update(params, params, -1.0)
    with pytest.raises(ValueError, match="positive"):
        mn.train_mlp(params, np.zeros((2, 3)), np.zeros(2, dtype=int), epochs=0)
    with pytest.raises(ValueError, match="activation"):
        mn.to_torch(params, "gelu")


def test_log_softmax_is_stable_and_matches_torch():
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    expected = torch.log_softmax(torch.tensor(z), dim=-1).numpy()
    np.testing.assert_allclose(mn.log_softmax(z), expected, rtol=1e-12, atol=1e-12)


def test_forward_cache_holds_every_layer():
    X, _ = _data()
    params = mn.init_params((5, 6, 3, 4), activation="tanh", seed=2)
    logits, cache = mn.forward(params, X, "tanh")
    assert isinstance(cache, mn.Cache) and cache.activation == "tanh"
    assert [a.shape for a in cache.inputs] == [(7, 5), (7, 6), (7, 3)]
    assert [z.shape for z in cache.pre] == [(7, 6), (7, 3), (7, 4)]
    np.testing.assert_allclose(cache.pre[-1], logits)


NOTEBOOK_3_1 = (
    Path(__file__).parents[1]
    / "notebooks"
    / "03_algorithms"
    / "3_1_backprop_numpy.ipynb"
)
SHOWN_IN_3_1 = {
    "activate",
    "forward",
    "log_softmax",
    "softmax",
    "softmax_cross_entropy",
    "layer_backward",
    "activation_grad",
    "backward",
    "loss_and_grads",
    "sgd_update",
    "predict",
    "train_mlp",
}


def test_chapter_3_1_shows_the_lesson_code():
    assert_notebook_shows(NOTEBOOK_3_1, mn, SHOWN_IN_3_1)


def test_chapter_4_2_shows_the_lesson_code():
    notebook = (
        Path(__file__).parents[1]
        / "notebooks"
        / "04_math"
        / "4_2_backprop_derivation.ipynb"
    )
    assert_notebook_shows(notebook, mn, {"layer_backward"})
