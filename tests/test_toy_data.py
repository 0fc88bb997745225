import numpy as np
import pytest

from bookutils import (
    make_moons,
    make_separable,
    make_spirals,
    make_xor,
    xor_truth_table,
)

GENERATORS = [make_moons, make_xor, make_spirals]


@pytest.mark.parametrize("make", GENERATORS + [make_separable])
def test_shapes_labels_and_determinism(make):
    X, y = make(101, seed=1)[:2]
    assert X.shape == (101, 2) and y.shape == (101,)
    assert set(np.unique(y)) <= {-1, 0, 1} and len(np.unique(y)) == 2
    X2, y2 = make(101, seed=1)[:2]
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3 = make(101, seed=2)[0]
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("make", GENERATORS)
def test_label_conventions(make):
    _, y01 = make(40, seed=0)
    _, ypm = make(40, seed=0, labels="pm1")
    assert set(np.unique(y01)) == {0, 1}
    assert np.array_equal(ypm, 2 * y01 - 1)


@pytest.mark.parametrize("dim", [1, 2, 5, 12])
def test_separable_data_has_the_promised_margin(dim):
    X, y, u, b = make_separable(
        300, margin=0.1, dim=dim, radius=2.0, seed=dim, return_separator=True
    )
    assert X.shape == (300, dim)
    assert np.isclose(np.linalg.norm(u), 1.0)
    assert np.all(y * (X @ u + b) >= 0.1)
    assert np.all(np.linalg.norm(X, axis=1) <= 2.0 + 1e-12)
    assert np.sum(y == 1) == 150 and np.sum(y == -1) == 150


def test_xor_truth_table():
    X, y = xor_truth_table()
    assert np.array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))
    assert np.array_equal(xor_truth_table("pm1")[1], 2 * y - 1)


def test_noisy_xor_labels_follow_the_quadrant():
    X, y = make_xor(400, noise=0.05, seed=0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_moons_without_noise_lie_on_half_circles():
    X, y = make_moons(50, noise=0.0, seed=0)
    upper = X[y == 0]
    assert np.allclose(np.linalg.norm(upper, axis=1), 1.0)


@pytest.mark.parametrize(
    "make,kwargs,match",
    [
        (make_moons, {"n": 1}, "n must be an int >= 2"),
        (make_moons, {"n": 10.0}, "n must be an int"),
        (make_xor, {"n": 3}, "n must be an int >= 4"),
        (make_spirals, {"noise": -0.1}, "noise"),
        (make_spirals, {"turns": 0}, "turns"),
        (make_moons, {"labels": "yes/no"}, "labels"),
        (make_separable, {"margin": 0.6}, "margin"),
        (make_separable, {"margin": 0.1, "radius": -1}, "radius"),
        (make_separable, {"dim": 0}, "dim"),
    ],
)
def test_bad_arguments(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_bad_labels_for_truth_table():
    with pytest.raises(ValueError, match="labels"):
        xor_truth_table("bool")
