import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bookutils import (
    PerceptronRun,
    make_separable,
    margin_and_radius,
    novikoff_bound,
    perceptron_predict,
    perceptron_update,
    train_perceptron,
    xor_truth_table,
)
from bookutils.foundations import perceptron


def naive_training(X, y, lr, max_epochs=1000):
    """The textbook loop, one example at a time, to compare the fast one against."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, 0
    for epoch in range(1, max_epochs + 1):
        errors = 0
        for x_i, y_i in zip(X, y, strict=True):
            if y_i * (w @ x_i + b) <= 0:
                w, b, errors = w + lr * y_i * x_i, b + lr * y_i, errors + 1
        mistakes += errors
        if errors == 0:
            return w, b, mistakes, epoch
    return w, b, mistakes, max_epochs


def test_predict_by_hand():
    X = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 3.0]])
    assert perceptron_predict(np.array([2.0, -1.0]), -0.5, X).tolist() == [
        1,
        -1,
        -1,
    ]
    assert perceptron_predict(
        np.array([1.0, 1.0]), 0.0, np.array([1.0, -1.0])
    ).tolist() == [-1]


def test_update_by_hand_and_inputs_untouched():
    w = np.array([1.0, -1.0])
    new_w, new_b = perceptron_update(w, 0.5, np.array([-1.0, 2.0]), 1, lr=0.5)
    assert np.allclose(new_w, [0.5, 0.0]) and new_b == 1.0
    assert np.array_equal(w, [1.0, -1.0])
    same_w, same_b = perceptron_update(w, 0.5, np.array([2.0, 1.0]), 1)
    assert np.array_equal(same_w, w) and same_w is not w and same_b == 0.5


@pytest.mark.parametrize("seed", range(25))
def test_fast_training_equals_the_textbook_loop(seed):
    rng = np.random.default_rng(seed)
    X, y = make_separable(
        int(rng.integers(5, 150)),
        float(rng.uniform(0.01, 0.2)),
        dim=int(rng.integers(1, 8)),
        seed=seed,
    )
    lr = float(rng.choice([0.1, 1.0, 2.5]))
    run = train_perceptron(X, y, lr=lr, max_epochs=1000)
    assert isinstance(run, PerceptronRun)
    w, b, mistakes, epochs = naive_training(X, y, lr)
    assert run.converged and (run.mistakes, run.epochs) == (mistakes, epochs)
    assert np.allclose(run.w, w) and np.isclose(run.b, b)
    assert len(run.history) == mistakes + 1


@pytest.mark.parametrize("seed", range(40))
def test_novikoff_bound_holds(seed):
    X, y, u, b = make_separable(
        120, 0.03 + 0.004 * seed, dim=2 + seed % 6, seed=seed, return_separator=True
    )
    run = train_perceptron(X, y, seed=seed if seed % 2 else None, max_epochs=10_000)
    assert run.converged and run.mistakes <= novikoff_bound(X, y, u, b)


def test_shuffled_training_is_reproducible():
    X, y = make_separable(80, 0.05, seed=0)
    a, b = train_perceptron(X, y, seed=3), train_perceptron(X, y, seed=3)
    assert a.mistakes == b.mistakes and np.array_equal(a.w, b.w)


def test_xor_never_converges():
    X, y = xor_truth_table("pm1")
    run = train_perceptron(X, y, max_epochs=200)
    assert not run.converged and run.epochs == 200 and run.mistakes >= 200


def test_margin_and_radius_by_hand():
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    y = np.array([1, -1])
    gamma, radius = margin_and_radius(X, y, np.array([1.0, 0.0]), 0.0)
    assert np.isclose(gamma, 1.0) and np.isclose(radius, np.sqrt(2))
    assert np.isclose(novikoff_bound(X, y, np.array([2.0, 0.0]), 0.0), 2.0)


def test_torch_perceptron_criterion_reproduces_the_rule():
    """SGD on the perceptron criterion is the perceptron rule (the chapter's claim)."""
    X, y = make_separable(30, 0.1, seed=5)
    layer = torch.nn.Linear(2, 1, dtype=torch.float64)
    torch.nn.init.zeros_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.SGD(layer.parameters(), lr=0.7)
    Xt, yt = torch.tensor(X), torch.tensor(y, dtype=torch.float64)
    for _ in range(50):
        for x_i, y_i in zip(Xt, yt, strict=True):
            opt.zero_grad()
            margin = y_i * layer(x_i).squeeze()
            torch.where(margin <= 0, -margin, 0 * margin).backward()
            opt.step()
    run = train_perceptron(X, y, lr=0.7)
    assert np.allclose(layer.weight.detach().numpy().ravel(), run.w, atol=1e-12)


@pytest.mark.parametrize(
    "call,match",
    [
        (
            lambda: perceptron_predict(np.ones((2, 2)), 0.0, np.ones((3, 2))),
            "1-D weight",
        ),
        (
            lambda: perceptron_predict(np.ones(3), 0.0, np.ones((3, 2))),
            "3 weights but",
        ),
        (
            lambda: perceptron_predict(np.ones(2), np.ones(2), np.ones((3, 2))),
            "b must be a number",
        ),
        (
            lambda: perceptron_update(np.ones(2), 0.0, np.ones((1, 2)), 1),
            "one example",
        ),
        (
            lambda: perceptron_update(np.ones(2), 0.0, np.ones(2), 0),
            "y must be -1 or \\+1",
        ),
        (
            lambda: perceptron_update(np.ones(2), 0.0, np.ones(2), 1, lr=0),
            "lr must be a positive",
        ),
        (
            lambda: train_perceptron(np.ones((3, 2)), np.array([0, 1, 1])),
            "labels must be -1 or \\+1",
        ),
        (lambda: train_perceptron(np.ones((3, 2)), np.ones(2)), "shape \\(3,\\)"),
        (lambda: train_perceptron(np.ones(3), np.ones(3)), "shape \\(n, d\\)"),
        (
            lambda: train_perceptron(np.ones((3, 2)), np.ones(3), max_epochs=0),
            "max_epochs",
        ),
        (
            lambda: margin_and_radius(
                np.eye(2), np.array([1, 1]), np.array([1.0, -1.0]), 0.0
            ),
            "does not separate",
        ),
        (
            lambda: margin_and_radius(
                np.eye(2), np.array([1, -1]), np.zeros(2), 0.0
            ),
            "is zero",
        ),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK_4_1 = Path(__file__).parents[1] / "notebooks/04_math/4_1_perceptron.ipynb"


def test_chapter_4_1_shows_the_lesson_code():
    assert_notebook_shows(
        NOTEBOOK_4_1, perceptron, {"perceptron_predict", "perceptron_update"}
    )
