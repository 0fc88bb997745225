"""The playground's engine: settings, their string round trip, and training checked on torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bookutils.foundations import mlp_numpy as mn
from bookutils.optim.optimizers import (
    OPTIMIZERS,
    hyperparameters_for,
    make_torch_optimizer,
)
from bookutils.playground.engine import (
    DATASETS,
    FEATURES,
    REGULARIZERS,
    PlaygroundConfig,
    PlaygroundModel,
    feature_matrix,
    penalty,
)


def random_config(rng: np.random.Generator) -> PlaygroundConfig:
    optimizer = str(rng.choice(list(OPTIMIZERS)))
    features = tuple(f for f in FEATURES if rng.random() < 0.5) or ("x1",)
    return PlaygroundConfig(
        data=str(rng.choice(list(DATASETS))),
        noise=float(rng.uniform(0, 1)),
        points=int(rng.integers(20, 400)),
        split=float(rng.uniform(0.05, 0.95)),
        features=features,
        hidden=tuple(int(h) for h in rng.integers(1, 9, rng.integers(0, 4))),
        activation=str(rng.choice(mn.ACTIVATIONS)),
        optimizer=optimizer,
        lr=float(10 ** rng.uniform(-4, 0)),
        beta=float(rng.uniform(0.01, 0.99)),
        reg=str(rng.choice(REGULARIZERS)),
        reg_rate=float(rng.choice([0.0, 1e-3, 0.1 / 3])),
        batch=int(rng.integers(1, 60)),
        seed=int(rng.integers(0, 2**31)),
        epochs=int(rng.integers(0, 1000)),
    )


# ------------------------------------------------------------------- settings and strings


def test_default_config_is_the_bare_prefix():
    assert PlaygroundConfig().to_string() == "pg1:"
    assert PlaygroundConfig.from_string("pg1:") == PlaygroundConfig()


def test_round_trip_of_many_random_configs():
    rng = np.random.default_rng(0)
    for _ in range(300):
        config = random_config(rng)
        text = config.to_string()
        back = PlaygroundConfig.from_string(text)
        assert back == config, text
        assert back.to_string() == text  # the string is canonical
        assert len(text) < 300  # even with 17-digit floats everywhere


def test_round_trip_keeps_floats_exactly():
    config = PlaygroundConfig(lr=0.1 + 0.2, noise=1 / 3, reg="L2", reg_rate=1e-7)
    back = PlaygroundConfig.from_string(config.to_string())
    assert back.lr == 0.1 + 0.2 and back.noise == 1 / 3 and back.reg_rate == 1e-7


def test_only_changed_settings_are_written_in_a_fixed_order():
    config = PlaygroundConfig(
        epochs=200, data="xor", hidden=(), features=("x1x2", "x1")
    )
    assert config.to_string() == "pg1:data=xor&features=x1,x1x2&hidden=&epochs=200"
    assert config.features == ("x1", "x1x2")  # canonical order, whatever was given


def test_string_rebuilds_the_same_trained_network_exactly():
    text = (
        "pg1:data=spirals&hidden=5,3&optimizer=Momentum&beta=0.8&reg=L1&reg_rate=0.001"
        "&epochs=7"
    )
    a, b = (
        PlaygroundModel(text),
        PlaygroundModel(PlaygroundConfig.from_string(text)),
    )
    assert a.epoch == 7 and a.config.to_string() == text
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key])
    assert a.history == b.history


@pytest.mark.parametrize(
    "text, message",
    [
        ("data=xor", "starts with"),
        ("pg1:colour=red", "unknown setting"),
        ("pg1:lr", "unknown setting"),
        ("pg1:lr=0.1&lr=0.2", "twice"),
        ("pg1:lr=fast", "malformed"),
        ("pg1:hidden=4,two", "malformed"),
        ("pg1:points=2.5", "malformed"),
        ("pg1:data=circles", "data must be"),
    ],
)
def test_from_string_rejects_bad_strings(text, message):
    with pytest.raises(ValueError, match=message):
        PlaygroundConfig.from_string(text)


def test_from_string_needs_a_string():
    with pytest.raises(TypeError, match="playground string"):
        PlaygroundConfig.from_string(42)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"data": "circles"}, "data must be"),
        ({"noise": -0.1}, "noise must be"),
        ({"noise": float("nan")}, "noise must be"),
        ({"split": 1.0}, "split must be"),
        ({"beta": 0.999}, "beta must be"),
        ({"lr": 0.0}, "lr must be a positive"),
        ({"lr": "0.1"}, "lr must be"),
        ({"reg_rate": -1.0}, "reg_rate must be"),
        ({"points": 10}, "points must be"),
        ({"batch": 0}, "batch must be"),
        ({"batch": True}, "batch must be"),
        ({"seed": -1}, "seed must be"),
        ({"epochs": 1.5}, "epochs must be"),
        ({"features": ()}, "features must be"),
        ({"features": "x1"}, "features must be"),
        ({"features": ("x1", "x1")}, "features must be"),
        ({"features": ("x3",)}, "features must be"),
        ({"hidden": (4, 9)}, "hidden must be"),
        ({"hidden": (0,)}, "hidden must be"),
        ({"hidden": (1,) * 7}, "hidden must be"),
        ({"hidden": "4,2"}, "hidden must be"),
        ({"activation": "gelu"}, "activation must be"),
        ({"optimizer": "LBFGS"}, "optimizer must be"),
        ({"reg": "L3"}, "reg must be"),
        ({"optimizer": "Momentum", "beta": 0.0}, "Momentum needs momentum > 0"),
    ],
)
def test_config_rejects_bad_settings(changes, message):
    with pytest.raises(ValueError, match=message):
        PlaygroundConfig(**changes)


def test_replace_validates_and_hyper_comes_from_the_book_optimizers():
    config = PlaygroundConfig(optimizer="Nesterov", lr=0.1, beta=0.5)
    assert config.hyper == {
        "lr": 0.1,
        "momentum": 0.5,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": True,
    }
    assert config.replace(optimizer="Adam").hyper["betas"] == (0.5, 0.999)
    with pytest.raises(ValueError, match="lr"):
        config.replace(lr=-1.0)


# ------------------------------------------------------------------- pieces of the engine


def test_feature_matrix_and_its_errors():
    P = np.array([[1.0, 2.0], [-0.5, 0.0]])
    F = feature_matrix(P, tuple(FEATURES))
    expected = np.column_stack(
        [
            P[:, 0],
            P[:, 1],
            P[:, 0] ** 2,
            P[:, 1] ** 2,
            P[:, 0] * P[:, 1],
            np.sin(P[:, 0]),
            np.sin(P[:, 1]),
        ]
    )
    assert np.allclose(F, expected, rtol=0, atol=0)
    with pytest.raises(ValueError, match="shape"):
        feature_matrix(np.zeros(3), ("x1",))
    with pytest.raises(ValueError, match="features must be"):
        feature_matrix(P, ("x9",))
    with pytest.raises(ValueError, match="features must be"):
        feature_matrix(P, ())


@pytest.mark.parametrize("reg", ["L1", "L2"])
def test_penalty_matches_autograd(reg):
    params = mn.init_params((3, 4, 2), seed=1)
    params["W1"][0, 0] = 0.0  # |w| at 0: both give gradient 0
    value, grads = penalty(params, reg, 0.3)
    tensors = {k: torch.tensor(p, requires_grad=True) for k, p in params.items()}
    weights = [t for k, t in tensors.items() if k.startswith("W")]
    torch_value = 0.3 * sum(
        w.abs().sum() if reg == "L1" else 0.5 * (w * w).sum() for w in weights
    )
    torch_value.backward()
    assert np.isclose(value, torch_value.item(), rtol=1e-12)
    for key, t in tensors.items():
        expected = (
            t.grad.numpy() if t.grad is not None else np.zeros_like(params[key])
        )
        assert np.allclose(grads[key], expected, rtol=0, atol=1e-15), key
    assert not grads["b1"].any()  # biases are never penalised


def test_penalty_none_and_bad_name():
    params = mn.init_params((2, 2), seed=0)
    value, grads = penalty(params, "none", 5.0)
    assert value == 0.0 and all(not g.any() for g in grads.values())
    assert penalty(params, "L2", 0.0)[0] == 0.0
    with pytest.raises(ValueError, match="reg must be"):
        penalty(params, "L3", 1.0)


def test_datasets_give_two_classes():
    for name, make in DATASETS.items():
        X, y = make(60, 0.1, 3)
        assert X.shape == (60, 2) and set(np.unique(y)) == {0, 1}, name


# ------------------------------------------------------------------- the model, against torch


@pytest.mark.parametrize(
    "optimizer, reg",
    [
        ("SGD", "none"),
        ("Momentum", "L2"),
        ("Nesterov", "L1"),
        ("RMSProp", "L2"),
        ("Adam", "L1"),
        ("AdamW", "none"),
        ("AdaGrad", "L2"),
    ],
)
def test_training_matches_torch_step_for_step(optimizer, reg):
    config = PlaygroundConfig(
        data="xor",
        hidden=(5, 3),
        activation="tanh",
        features=("x1", "x2", "x1x2"),
        optimizer=optimizer,
        lr=0.05,
        beta=0.7,
        reg=reg,
        reg_rate=0.01,
        batch=8,
        points=60,
    )
    model = PlaygroundModel(config)
    net = mn.to_torch(model.params, config.activation, dtype=torch.float64)
    weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
    torch_opt = make_torch_optimizer(
        optimizer, net.parameters(), **hyperparameters_for(optimizer, 0.05, 0.7)
    )
    X = torch.tensor(model.inputs)
    y = torch.tensor(model.labels)
    rng = np.random.default_rng(5)
    for _ in range(6):
        idx = rng.choice(model.train_idx, 8, replace=False)
        ours = model.step(idx)
        torch_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
        if reg == "L1":
            loss = loss + 0.01 * sum(w.abs().sum() for w in weights)
        elif reg == "L2":
            loss = loss + 0.01 * sum(0.5 * (w * w).sum() for w in weights)
        loss.backward()
        torch_opt.step()
        assert np.isclose(ours, loss.item(), rtol=1e-10)
    layers = [m for m in net if isinstance(m, torch.nn.Linear)]
    for i, layer in enumerate(layers, 1):
        assert np.allclose(
            model.params[f"W{i}"], layer.weight.detach().numpy(), atol=1e-12
        )
        assert np.allclose(
            model.params[f"b{i}"], layer.bias.detach().numpy(), atol=1e-12
        )
    # the picture's probability is torch's softmax
    grid = np.random.default_rng(1).normal(size=(7, 2))
    feats = torch.tensor(feature_matrix(grid, config.features))
    assert np.allclose(
        model.predict_proba(grid),
        torch.softmax(net(feats), dim=1)[:, 1].detach().numpy(),
        atol=1e-12,
    )


def test_training_in_pieces_equals_training_at_once():
    a, b = PlaygroundModel(PlaygroundConfig(epochs=6)), PlaygroundModel()
    for _ in range(3):
        b.train(2)
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key])
    assert b.config == a.config and b.config.epochs == 6
    assert len(b.history["train"]) == len(b.history["test"]) == 7


def test_a_hidden_layer_or_a_product_feature_solves_xor_and_nothing_else_does():
    linear = PlaygroundModel("pg1:data=xor&hidden=&epochs=60")
    product = PlaygroundModel("pg1:data=xor&hidden=&features=x1,x2,x1x2&epochs=60")
    hidden = PlaygroundModel("pg1:data=xor&hidden=4&epochs=60")
    # A line gets at most three of the four clouds right (about 75 %, give or take the
    # sampling of 100 training points); the other two fit (nearly) every point.
    assert linear.accuracy("train") < 0.85
    assert product.accuracy("test") >= 0.95 and hidden.accuracy("test") >= 0.95


def test_losses_accuracy_and_the_pictures_data():
    model = PlaygroundModel(PlaygroundConfig(hidden=(3,), epochs=2))
    assert model.loss("train") == model.history["train"][-1]
    assert 0 <= model.accuracy("train") <= 1
    outs = model.neuron_outputs(np.zeros((5, 2)))
    assert [o.shape for o in outs] == [(5, 2), (5, 3), (5, 1)]
    assert np.allclose(outs[-1][:, 0], model.predict_proba(np.zeros((5, 2))))
    W = model.diagram_weights()
    assert np.array_equal(W[-1][0], model.params["W2"][1] - model.params["W2"][0])
    assert W[0] is model.params["W1"]
    with pytest.raises(ValueError, match="which"):
        model.loss("valid")
    with pytest.raises(ValueError, match="which"):
        model.accuracy("all")
    with pytest.raises(ValueError, match="epochs"):
        model.train(-1)
    with pytest.raises(TypeError, match="PlaygroundConfig"):
        PlaygroundModel(3)
    assert len(model.train_idx) == 100 and len(model.test_idx) == 100


def test_gradients_include_the_penalty():
    model = PlaygroundModel(PlaygroundConfig(reg="L2", reg_rate=0.5))
    idx = model.train_idx[:10]
    loss, grads = model.gradients(idx)
    data_loss, data_grads = mn.loss_and_grads(
        model.params, model.inputs[idx], model.labels[idx], "tanh"
    )
    extra, _ = penalty(model.params, "L2", 0.5)
    assert np.isclose(loss, data_loss + extra)
    assert np.allclose(grads["W1"], data_grads["W1"] + 0.5 * model.params["W1"])
    assert np.array_equal(grads["b1"], data_grads["b1"])
