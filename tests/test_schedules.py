"""bookutils.optim.schedules against torch.optim.lr_scheduler, and the warm-up + cosine
self-check."""

from __future__ import annotations

import math

import pytest
import torch

from bookutils.checks.training import check_warmup_cosine
from bookutils.optim.schedules import (
    exponential_lr,
    one_cycle_lr,
    step_lr,
    warmup_cosine_lr,
)

# torch updates the rate recursively (lr ← lr·factor), so round-off grows by about one ulp
# per step; 1e-12 relative leaves room for thousands of steps and catches any formula error.
RTOL = 1e-12


def torch_rates(make_scheduler, steps: int, base_lr: float = 0.1) -> list[float]:
    """The rate the optimizer uses at steps 0..steps-1, stepping the scheduler after each."""
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=base_lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for t in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if t < steps - 1:
            scheduler.step()
    return rates


def assert_same(ours: list[float], theirs: list[float]) -> None:
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-15), (
            f"step {t}: {a} vs {b}"
        )


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (7, 0.1), (30, 0.9)])
def test_step_lr_matches_torch(step_size, gamma):
    sched = torch.optim.lr_scheduler
    theirs = torch_rates(lambda o: sched.StepLR(o, step_size, gamma), 100)
    assert_same([step_lr(t, 0.1, step_size, gamma) for t in range(100)], theirs)


@pytest.mark.parametrize("gamma", [0.5, 0.97, 1.0])
def test_exponential_lr_matches_torch(gamma):
    sched = torch.optim.lr_scheduler
    theirs = torch_rates(lambda o: sched.ExponentialLR(o, gamma), 200)
    assert_same([exponential_lr(t, 0.1, gamma) for t in range(200)], theirs)


@pytest.mark.parametrize(
    "warmup, total, min_lr, start",
    [(5, 40, 0.0, 0.1), (10, 100, 1e-3, 0.01), (1, 10, 0.05, 0.5)],
)
def test_warmup_cosine_matches_sequential_lr(warmup, total, min_lr, start):
    sched = torch.optim.lr_scheduler

    def make(o):
        return sched.SequentialLR(
            o,
            [
                sched.LinearLR(o, start, 1.0, warmup),
                sched.CosineAnnealingLR(o, total - warmup, min_lr),
            ],
            milestones=[warmup],
        )

    theirs = torch_rates(make, total + 1)
    ours = [
        warmup_cosine_lr(t, 0.1, warmup, total, min_lr, start)
        for t in range(total + 1)
    ]
    assert_same(ours, theirs)


def test_warmup_cosine_from_zero_matches_lambda_lr():
    sched = torch.optim.lr_scheduler

    def factor(t: int) -> float:  # a learner's formula, written independently
        if t < 8:
            return t / 8
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (t - 8) / 42)))

    theirs = torch_rates(lambda o: sched.LambdaLR(o, factor), 60)
    assert_same([warmup_cosine_lr(t, 0.1, 8, 50) for t in range(60)], theirs)


def test_warmup_cosine_edges():
    assert warmup_cosine_lr(0, 1.0, 4, 20) == 0.0
    assert warmup_cosine_lr(4, 1.0, 4, 20) == 1.0
    assert warmup_cosine_lr(0, 1.0, 0, 20) == 1.0  # no warm-up at all
    assert warmup_cosine_lr(20, 1.0, 4, 20, 0.1) == pytest.approx(0.1, abs=1e-15)
    assert warmup_cosine_lr(500, 1.0, 4, 20, 0.1) == pytest.approx(0.1, abs=1e-15)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0},
        {"anneal_strategy": "linear"},
        {"pct_start": 0.5},
    ],
)
@pytest.mark.parametrize("total", [10, 37, 100])
def test_one_cycle_matches_torch(kw, total):
    sched = torch.optim.lr_scheduler
    theirs = torch_rates(
        lambda o: sched.OneCycleLR(o, max_lr=1.0, total_steps=total, **kw), total
    )
    assert_same([one_cycle_lr(t, 1.0, total, **kw) for t in range(total)], theirs)


def test_one_cycle_shape():
    rates = [one_cycle_lr(t, 2.0, 100) for t in range(100)]
    assert rates[0] == pytest.approx(2.0 / 25)
    assert max(rates) == pytest.approx(2.0) and rates.index(max(rates)) == 29
    assert rates[-1] == pytest.approx(2.0 / 25 / 1e4)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: step_lr(-1, 0.1, 5), ValueError),
        (lambda: step_lr(1.5, 0.1, 5), TypeError),
        (lambda: step_lr(1, 0.1, 0), ValueError),
        (lambda: step_lr(1, "0.1", 5), TypeError),
        (lambda: exponential_lr(1, -0.1, 0.9), ValueError),
        (lambda: exponential_lr(True, 0.1, 0.9), TypeError),
        (lambda: warmup_cosine_lr(1, 0.1, 10, 10), ValueError),
        (lambda: warmup_cosine_lr(1, 0.1, 2, 10, min_lr=0.2), ValueError),
        (lambda: warmup_cosine_lr(1, 0.1, 2, 10, start_factor=1.5), ValueError),
        (lambda: one_cycle_lr(10, 1.0, 10), ValueError),
        (lambda: one_cycle_lr(0, 1.0, 10, pct_start=0.1), ValueError),
        (lambda: one_cycle_lr(0, 1.0, 10, div_factor=0.0), ValueError),
        (lambda: one_cycle_lr(0, 1.0, 10, anneal_strategy="step"), ValueError),
        (lambda: one_cycle_lr(0, 1.0, 1), ValueError),
    ],
)
def test_bad_input(call, error):
    with pytest.raises(error):
        call()


# --- the self-check ------------------------------------------------------------------------


def my_warmup_cosine(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return min_lr + (base_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))


def test_check_accepts_a_correct_implementation(capsys):
    assert check_warmup_cosine(my_warmup_cosine)
    assert "✓" in capsys.readouterr().out


def test_chapter_3_3_shows_the_schedules_as_lesson_code():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from lesson_code import assert_notebook_shows

    from bookutils.optim import schedules

    notebook = (
        Path(__file__).parents[1]
        / "notebooks/03_algorithms/3_3_training_techniques.ipynb"
    )
    assert_notebook_shows(
        notebook, schedules, {"warmup_cosine_lr", "_anneal", "one_cycle_lr"}
    )
