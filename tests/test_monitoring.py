"""Tests for bookutils.training.monitoring: divergence, early stopping, gradient alarms."""

import math
from pathlib import Path

import pytest
import torch
from lesson_code import assert_notebook_shows
from torch import nn

from bookutils.training import monitoring
from bookutils.training.monitoring import (
    DivergenceMonitor,
    EarlyStopping,
    early_stopping_epochs,
    gradient_alarm,
    gradient_norms,
)


def test_divergence_monitor_flags_nan_and_sustained_growth():
    m = DivergenceMonitor(factor=4.0, patience=3)
    assert not any(m.update(x) for x in (2.0, 1.0, 0.5, 0.6))
    assert not m.update(2.1) and not m.update(2.2)  # two bad steps: not yet
    assert m.update(2.3) and m.diverged and m.diverged_at == 6
    assert m.update(0.1)  # stays flagged
    m = DivergenceMonitor()
    assert (
        not m.update(torch.tensor(1.0))
        and m.update(float("nan"))
        and m.diverged_at == 1
    )
    m = DivergenceMonitor(patience=2)
    assert not any(
        m.update(x) for x in (1.0, 5.0, 0.9, 5.0, 0.9)
    )  # single spikes pass
    assert not m.diverged


def test_divergence_monitor_on_a_real_run():
    torch.manual_seed(0)
    x, y = torch.randn(64, 5), torch.randn(64, 1)
    for lr, expect in ((3.0, True), (0.01, False)):
        model = nn.Linear(5, 1)
        opt = torch.optim.SGD(model.parameters(), lr=lr * 10 if expect else lr)
        m = DivergenceMonitor()
        for _ in range(100):
            loss = nn.functional.mse_loss(model(x * 3), y)
            if m.update(loss):
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert m.diverged is expect


def test_divergence_monitor_bad_input():
    with pytest.raises(ValueError, match="factor"):
        DivergenceMonitor(factor=1.0)
    with pytest.raises(TypeError, match="factor"):
        DivergenceMonitor(factor="2")
    with pytest.raises(ValueError, match="patience"):
        DivergenceMonitor(patience=0)
    with pytest.raises(TypeError, match="real number"):
        DivergenceMonitor().update("1.0")
    with pytest.raises(ValueError, match="single number"):
        DivergenceMonitor().update(torch.ones(2))


def test_early_stopping_keeps_best_state_and_stops():
    s = EarlyStopping(patience=2)
    curve = [1.0, 0.5, 0.7, 0.6, 0.4]
    stops = [s.update(v, {"epoch": e}) for e, v in enumerate(curve)]
    assert stops == [False, False, False, True, True]
    assert (s.best_epoch, s.stopped_epoch, s.best_loss, s.best_state) == (
        1,
        3,
        0.5,
        {"epoch": 1},
    )
    state = {"w": torch.zeros(2)}
    s = EarlyStopping(patience=1)
    s.update(1.0, state)
    state["w"] += 1  # a copy was kept, not a reference
    assert torch.equal(s.best_state["w"], torch.zeros(2))


def test_early_stopping_epochs_and_min_delta():
    assert early_stopping_epochs([3.0, 2.0, 1.0], patience=1) == (2, 2)
    assert early_stopping_epochs(
        [1.0, 0.95, 0.9, 0.85], patience=2, min_delta=0.1
    ) == (0, 2)
    assert early_stopping_epochs((1.0, 1.0, 1.0), patience=2) == (0, 2)


def test_early_stopping_bad_input():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-1.0)
    with pytest.raises(ValueError, match="empty"):
        early_stopping_epochs([], 2)
    with pytest.raises(TypeError, match="list or tuple"):
        early_stopping_epochs("1.0", 2)


def test_gradient_norms_match_torch():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    model(torch.randn(8, 3)).pow(2).mean().backward()
    norms = gradient_norms(model)
    assert list(norms) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf")).item()
    assert math.isclose(
        math.sqrt(sum(v * v for v in norms.values())), total, rel_tol=1e-6
    )
    assert gradient_norms(nn.Linear(2, 2)) == {}  # no backward yet: no gradients


def test_gradient_alarm_verdicts_and_bad_input():
    assert gradient_alarm({"a": 1.0, "b": 0.5}) is None
    assert gradient_alarm({"a": 1.0, "b": 1e-6}) == "vanishing"
    assert gradient_alarm({"a": 1e4, "b": 1.0}) == "exploding"
    assert gradient_alarm({"a": float("inf"), "b": 1.0}) == "exploding"
    assert gradient_alarm({"a": 5.0}, explode_above=2.0) == "exploding"
    with pytest.raises(TypeError, match="non-empty mapping"):
        gradient_alarm({})
    with pytest.raises(TypeError, match="non-empty mapping"):
        gradient_alarm([1.0])
    with pytest.raises(ValueError, match="vanish_ratio"):
        gradient_alarm({"a": 1.0}, vanish_ratio=0.0)
    with pytest.raises(TypeError, match="model"):
        gradient_norms("model")


def test_early_stopping_check_names_each_mistake(capsys):
    from bookutils.checks.monitoring import MISTAKES, check_early_stopping

    assert check_early_stopping(early_stopping_epochs)
    for mistake in MISTAKES:
        result = check_early_stopping(mistake.impl)
        assert not result and result.messages[-1] == f"  Hint: {mistake.hint}"


def test_early_stopping_epochs_plateau_shorter_than_patience_by_hand():
    # A plateau of one epoch (epoch 2) uses 1 of 3 patience, then epoch 3 improves and
    # resets the count; epochs 4, 5, 6 do not improve, so the run stops at 6, best 3.
    # (Without the reset it would stop at 5; comparing with the previous epoch, never.)
    curve = [1.0, 0.9, 0.9, 0.8, 0.85, 0.84, 0.83, 0.7]
    assert early_stopping_epochs(curve, patience=3) == (3, 6), (
        "early_stopping_epochs"
    )
    # Improve, worsen, improve less than the best: 0.6 < 0.8 but not < 0.5, no reset.
    assert early_stopping_epochs([1.0, 0.5, 0.8, 0.6, 0.7], patience=3) == (1, 4), (
        "early_stopping_epochs"
    )


NOTEBOOK_9_3 = (
    Path(__file__).parents[1] / "notebooks/09_faq/9_3_efficient_training.ipynb"
)


def test_chapter_9_3_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(
        NOTEBOOK_9_3,
        monitoring,
        {"DivergenceMonitor", "gradient_norms", "gradient_alarm"},
    )
