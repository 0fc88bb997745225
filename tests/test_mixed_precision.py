"""Tests for bookutils.training.mixed_precision: our loss scaler against torch.amp.GradScaler."""

from pathlib import Path

import pytest
import torch
from lesson_code import assert_notebook_shows
from torch import nn

from bookutils.training import mixed_precision
from bookutils.training.mixed_precision import DynamicLossScaler


def _run(make_scaler, bad=(1, 2, 6), steps=10):
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
    scaler, scales, taken = make_scaler(), [], []
    for t in range(steps):
        opt.zero_grad()
        scale_input = 1e38 if t in bad else 1.0  # gradients overflow float32
        scaler.scale(
            nn.functional.cross_entropy(model(x * scale_input), y)
        ).backward()
        before = model.weight.detach().clone()
        scaler.step(opt)
        taken.append(not torch.equal(before, model.weight))
        scaler.update()
        scales.append(
            scaler.get_scale()
            if hasattr(scaler, "get_scale")
            else scaler.scale_value
        )
    return scales, taken, [p.detach() for p in model.parameters()]


def test_dynamic_loss_scaler_matches_grad_scaler():
    ours = _run(lambda: DynamicLossScaler(2.0**10, growth_interval=2))
    theirs = _run(lambda: torch.amp.GradScaler("cpu", 2.0**10, growth_interval=2))
    assert ours[0] == theirs[0] and ours[1] == theirs[1]
    assert ours[1] == [t not in (1, 2, 6) for t in range(10)]
    for a, b in zip(ours[2], theirs[2], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_scale_step_update_by_hand():
    s = DynamicLossScaler(
        8.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=1
    )
    p = nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    s.scale((p * torch.tensor([1.0, 2.0])).sum()).backward()
    assert torch.equal(p.grad, torch.tensor([8.0, 16.0]))
    assert s.step(opt) and torch.equal(
        p.detach(), torch.tensor([-1.0, -2.0])
    )  # unscaled
    assert s.update() == 16.0
    p.grad = torch.tensor([float("inf"), 0.0])
    assert not s.step(opt) and s.found_inf and s.update() == 8.0


def test_bad_input():
    with pytest.raises(ValueError, match="init_scale"):
        DynamicLossScaler(0.0)
    with pytest.raises(ValueError, match="backoff_factor"):
        DynamicLossScaler(backoff_factor=1.5)
    with pytest.raises(TypeError, match="growth_factor"):
        DynamicLossScaler(growth_factor="2")
    with pytest.raises(ValueError, match="growth_interval"):
        DynamicLossScaler(growth_interval=0)
    with pytest.raises(TypeError, match="loss"):
        DynamicLossScaler().scale(1.0)
    with pytest.raises(TypeError, match="optimizer"):
        DynamicLossScaler().step("sgd")


NOTEBOOK_9_3 = (
    Path(__file__).parents[1] / "notebooks/09_faq/9_3_efficient_training.ipynb"
)


def test_chapter_9_3_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(NOTEBOOK_9_3, mixed_precision, {"DynamicLossScaler"})
