"""Tests for bookutils.training.interpretability: gradient saliency."""

from pathlib import Path

import pytest
import torch
from lesson_code import assert_notebook_shows
from torch import nn

from bookutils.training import interpretability
from bookutils.training.interpretability import gradient_saliency


def test_saliency_of_a_linear_model_is_the_weight_row():
    layer = nn.Linear(5, 3)
    x = torch.randn(4, 5)
    target = torch.tensor([0, 2, 1, 2])
    assert torch.allclose(
        gradient_saliency(layer, x, target), layer.weight[target].abs()
    )


def test_saliency_matches_torch_func_jacrev():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    x = torch.randn(2, 6, dtype=torch.float64)
    target = torch.tensor([1, 0])
    sal = gradient_saliency(model, x, target)
    for i in range(2):
        jac = torch.func.jacrev(model)(x[i])
        assert torch.allclose(sal[i], jac[target[i]].abs(), atol=1e-12)
    assert not x.requires_grad


def test_bad_inputs_are_clear_errors():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="callable"):
        gradient_saliency("model", torch.ones(1, 2), torch.tensor([0]))
    with pytest.raises(TypeError, match="floating-point"):
        gradient_saliency(
            layer, torch.ones(1, 2, dtype=torch.long), torch.tensor([0])
        )
    with pytest.raises(ValueError, match="one target"):
        gradient_saliency(layer, torch.ones(3, 2), torch.tensor([0]))


NOTEBOOK_8_2 = (
    Path(__file__).parents[1] / "notebooks/08_outlook/8_2_challenges.ipynb"
)


def test_chapter_8_2_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(NOTEBOOK_8_2, interpretability, {"gradient_saliency"})
