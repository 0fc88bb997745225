import ipywidgets as widgets
import numpy as np
import pytest

from bookutils import (
    PerceptronExplorer,
    make_separable,
    perceptron_explorer,
    perceptron_predict,
    perceptron_update,
)


@pytest.fixture
def data():
    return make_separable(20, 0.1, seed=0)


def test_builds_a_widget_with_the_controls(data):
    explorer = PerceptronExplorer(*data)
    assert isinstance(explorer.widget, widgets.VBox)
    assert [s.description for s in (explorer.w1, explorer.w2, explorer.b)] == [
        "w₁",
        "w₂",
        "b",
    ]
    assert "misclassified" in explorer.status.value


def test_step_applies_the_learning_rule(data):
    X, y = data
    explorer = PerceptronExplorer(X, y, lr=0.5, w=(0.3, -0.2), b=0.1)
    for i in range(5):
        w, b = explorer.weights
        expected = perceptron_update(w, b, X[i], int(y[i]), 0.5)
        explorer.step_button.click()
        assert np.allclose(explorer.weights[0], expected[0], atol=1e-12)
        assert np.isclose(explorer.weights[1], expected[1])
    assert explorer.next_index == 5


def test_sliders_drive_the_weights_and_the_error_count(data):
    X, y = data
    explorer = PerceptronExplorer(X, y)
    explorer.w1.value, explorer.w2.value, explorer.b.value = 1.0, 2.0, -0.5
    w, b = explorer.weights
    assert np.array_equal(w, [1.0, 2.0]) and b == -0.5
    assert explorer.errors() == int(np.sum(perceptron_predict(w, b, X) != y))


def test_reset_restores_the_start(data):
    explorer = PerceptronExplorer(*data, w=(1.0, 1.0), b=0.5)
    for _ in range(7):
        explorer.step()
    explorer.reset_button.click()
    assert (
        np.array_equal(explorer.weights[0], [1.0, 1.0])
        and explorer.weights[1] == 0.5
    )
    assert explorer.next_index == 0 and explorer.updates == 0


def test_stepping_long_enough_separates_the_data(data):
    explorer = PerceptronExplorer(*data, lr=1.0, w=(0.0, 0.0), b=0.0)
    for _ in range(20 * len(data[1])):
        explorer.step()
        if explorer.errors() == 0:
            break
    assert explorer.errors() == 0


def test_display_helper_returns_the_explorer(data):
    assert isinstance(perceptron_explorer(*data), PerceptronExplorer)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"X": np.ones((4, 3)), "y": np.array([1, -1, 1, -1])}, "shape \\(n, 2\\)"),
        ({"X": np.ones((4, 2)), "y": np.array([1, 0, 1, 0])}, "-1 or \\+1"),
        ({"X": np.ones((4, 2)), "y": np.array([1, -1, 1, -1]), "lr": -1}, "lr"),
    ],
)
def test_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PerceptronExplorer(**kwargs)
