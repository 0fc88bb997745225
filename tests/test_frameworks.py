"""Tests for bookutils.tasks.frameworks: one MLP in PyTorch, TensorFlow and Keras, weights moved
between them, and the operations each autograd records."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault(
    "KERAS_HOME", os.path.join(tempfile.gettempdir(), "keras-book")
)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from lesson_code import assert_notebook_shows  # noqa: E402

from bookutils.tasks import frameworks as fw  # noqa: E402

SIZES = [3, 5, 4, 2]


@pytest.fixture(scope="module")
def net():
    return fw.torch_mlp(SIZES, seed=1)


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)


def test_check_sizes():
    assert fw.check_sizes((2, 3)) == [2, 3]
    with pytest.raises(ValueError, match="at least"):
        fw.check_sizes([4])
    with pytest.raises(ValueError, match="positive"):
        fw.check_sizes([2, 0])
    with pytest.raises(TypeError):
        fw.check_sizes("23")


def test_torch_mlp_is_seeded_and_leaves_the_global_stream(net):
    before = torch.random.get_rng_state()
    again = fw.torch_mlp(SIZES, seed=1)
    assert torch.equal(torch.random.get_rng_state(), before)
    for p, q in zip(net.parameters(), again.parameters(), strict=True):
        assert torch.equal(p, q)
    assert [type(m).__name__ for m in net] == [
        "Linear",
        "Tanh",
        "Linear",
        "Tanh",
        "Linear",
    ]


def test_linear_to_dense_is_a_transpose():
    W, b = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0])
    k, b2 = fw.linear_to_dense(W, b)
    assert np.array_equal(k, W.T) and np.array_equal(b2, b) and b2 is not b
    with pytest.raises(ValueError, match="expected weight"):
        fw.linear_to_dense(W, np.zeros(3))


def test_numpy_mlp_matches_torch(net, x):
    weights = fw.dense_weights_from_torch(net)
    assert [w.shape for w in weights] == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    expected = net(torch.tensor(x)).detach().numpy()
    assert np.allclose(fw.numpy_mlp(weights, x), expected, atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        fw.numpy_mlp(weights, x[:, :2])
    with pytest.raises(ValueError, match="kernel, bias"):
        fw.numpy_mlp(weights[:3], x)
    with pytest.raises(ValueError, match="takes"):
        fw.numpy_mlp([weights[0], weights[1], weights[0], weights[1]], x)


def test_load_dense_weights_into_torch_round_trip(net):
    weights = fw.dense_weights_from_torch(net)
    other = fw.load_dense_weights_into_torch(fw.torch_mlp(SIZES, seed=2), weights)
    for p, q in zip(net.parameters(), other.parameters(), strict=True):
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="linear layers"):
        fw.load_dense_weights_into_torch(fw.torch_mlp([3, 2]), weights)
    with pytest.raises(ValueError, match="does not fit"):
        fw.load_dense_weights_into_torch(
            fw.torch_mlp([5, 3, 4, 2]),
            fw.dense_weights_from_torch(fw.torch_mlp([3, 5, 4, 2])),
        )
    with pytest.raises(TypeError):
        fw.dense_weights_from_torch("not a model")
    with pytest.raises(ValueError, match="no nn.Linear"):
        fw.dense_weights_from_torch(torch.nn.Tanh())
    with pytest.raises(ValueError, match="bias"):
        fw.dense_weights_from_torch(torch.nn.Linear(2, 2, bias=False))


def test_tfmlp_and_keras_match_torch_outputs_and_gradients(net, x):
    import keras
    import tensorflow as tf

    weights = fw.dense_weights_from_torch(net)
    expected = net(torch.tensor(x))
    tf_net = fw.TFMLP(weights)
    assert np.allclose(tf_net(x).numpy(), expected.detach().numpy(), atol=1e-6)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(tf_net.get_weights(), weights, strict=True)
    )
    k_net = fw.keras_mlp(SIZES, weights)
    assert np.allclose(
        keras.ops.convert_to_numpy(k_net(x)), expected.detach().numpy(), atol=1e-6
    )
    # gradients: tape on TF variables vs torch autograd (weights transposed)
    expected.pow(2).sum().backward()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf_net(x) ** 2)
    for p, g in zip(
        net.parameters(), tape.gradient(loss, tf_net.variables), strict=True
    ):
        p_grad = p.grad.numpy()
        assert np.allclose(
            p_grad.T if p_grad.ndim == 2 else p_grad, g.numpy(), atol=1e-5
        )
    net.zero_grad()
    with pytest.raises(ValueError, match="do not fit"):
        fw.keras_mlp([3, 2], weights)


def test_graph_ops():
    import tensorflow as tf

    w = torch.tensor(2.0, requires_grad=True)
    ops = fw.torch_graph_ops(torch.tanh(w * 3.0 + 1.0))
    assert ops == [
        "TanhBackward0",
        "AddBackward0",
        "MulBackward0",
        "AccumulateGrad",
    ]
    with pytest.raises(ValueError, match="grad_fn"):
        fw.torch_graph_ops(torch.tensor(1.0))
    with pytest.raises(TypeError):
        fw.torch_graph_ops(1.0)
    traced = fw.tf_graph_ops(
        lambda a, b: tf.tanh(a * b + 1.0), tf.constant(1.0), tf.constant(2.0)
    )
    assert traced[0] == "Mul" and traced[-1] == "Tanh" and "AddV2" in traced
    with pytest.raises(TypeError):
        fw.tf_graph_ops(3)


def test_check_linear_to_dense_accepts_the_reference():
    from bookutils.checks.frameworks import check_linear_to_dense

    assert check_linear_to_dense(fw.linear_to_dense)
    assert not check_linear_to_dense(lambda w, b: (w.copy(), b.copy()))


LESSON_NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "07_tools" / "7_1_frameworks.ipynb"
)


def test_chapter_7_1_shows_the_lesson_code():
    assert_notebook_shows(
        LESSON_NOTEBOOK,
        fw,
        {"linear_to_dense", "dense_weights_from_torch", "numpy_mlp"},
    )
