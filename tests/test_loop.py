"""The one torch training loop, ``bookutils.training.loop.fit``, on hand-computed cases."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from bookutils.training.loop import fit


def _one_weight(w: float) -> nn.Linear:
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(w)
    return model


def _mse(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((model(x) - y) ** 2).mean()


def test_fit_one_sgd_step_by_hand():
    # loss(w) = (w*x - y)^2 with w=1, x=2, y=5: loss = 9, dloss/dw = 2*(2-5)*2 = -12,
    # so one SGD step with lr 0.1 gives w = 1 + 1.2 = 2.2
    model = _one_weight(1.0)
    x, y = torch.tensor([[2.0]]), torch.tensor([[5.0]])
    losses = fit(model, [(x, y)], _mse, torch.optim.SGD(model.parameters(), lr=0.1))
    assert losses == [9.0]
    assert model.weight.item() == pytest.approx(2.2)


def test_fit_two_full_batch_steps_and_hook():
    # step 2 from w=2.2: loss = (4.4-5)^2 = 0.36, grad = 2*(-0.6)*2 = -2.4, w = 2.44
    model = _one_weight(1.0)
    x, y = torch.tensor([[2.0]]), torch.tensor([[5.0]])
    seen = []
    losses = fit(
        model,
        itertools.repeat((x, y), 2),
        _mse,
        torch.optim.SGD(model.parameters(), lr=0.1),
        on_step=lambda step, loss: seen.append((step, loss)),
    )
    assert losses == pytest.approx([9.0, 0.36])
    assert [s for s, _ in seen] == [0, 1] and [v for _, v in seen] == losses
    assert model.weight.item() == pytest.approx(2.44)


def test_fit_clips_the_gradient_and_steps_the_scheduler():
    # the gradient -12 is clipped to norm 1 (-1); lr 0.1 gives w = 1.1; then the
    # scheduler halves the learning rate
    model = _one_weight(1.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(
        model,
        [(torch.tensor([[2.0]]), torch.tensor([[5.0]]))],
        _mse,
        opt,
        clip_norm=1.0,
        scheduler=sched,
    )
    assert model.weight.item() == pytest.approx(1.1)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


def test_fit_matches_a_hand_written_loop():
    torch.manual_seed(0)
    X, y = torch.randn(20, 3), torch.randn(20, 1)
    a = nn.Linear(3, 1)
    b = nn.Linear(3, 1)
    b.load_state_dict(a.state_dict())
    opt_a = torch.optim.Adam(a.parameters(), lr=0.01)
    expected = []
    for _ in range(5):
        opt_a.zero_grad()
        loss = _mse(a, X, y)
        loss.backward()
        opt_a.step()
        expected.append(loss.item())
    got = fit(
        b,
        itertools.repeat((X, y), 5),
        _mse,
        torch.optim.Adam(b.parameters(), lr=0.01),
    )
    assert got == expected
    assert all(
        torch.equal(p, q)
        for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def test_fit_rejects_bad_input_clearly():
    model = _one_weight(1.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.tensor([[2.0]]), torch.tensor([[5.0]])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        fit("model", [(x, y)], _mse, opt)
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        fit(model, [(x, y)], _mse, "sgd")
    with pytest.raises(TypeError, match="tuple"):
        fit(model, [x], _mse, opt)
    with pytest.raises(ValueError, match="scalar tensor"):
        fit(model, [(x, y)], lambda m, x, y: m(x) - y, opt)
    with pytest.raises(ValueError, match="clip_norm"):
        fit(model, [(x, y)], _mse, opt, clip_norm=0.0)
    assert fit(model, [], _mse, opt) == []
