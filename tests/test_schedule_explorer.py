import numpy as np
import pytest
import torch

from bookutils.optim.schedule_explorer import (
    SCHEDULE_KINDS,
    expected_losses,
    quadratic_curvatures,
    schedule_rates,
)


def test_expected_losses_match_a_monte_carlo_sgd_run_with_torch():
    h = quadratic_curvatures(5, 0.1, 1.0)
    rates = schedule_rates("warm-up + cosine", 0.8, 40)
    exact = expected_losses(rates, h, noise=0.3)
    gen = torch.Generator().manual_seed(0)
    w = torch.ones(20000, 5, dtype=torch.float64)  # 20000 independent runs
    ht = torch.from_numpy(h)
    sampled = [0.5 * (ht * w**2).sum(1).mean().item()]
    for eta in rates:
        grad = ht * w + 0.3 * torch.randn(
            w.shape, generator=gen, dtype=torch.float64
        )
        w = w - eta * grad
        sampled.append(0.5 * (ht * w**2).sum(1).mean().item())
    assert np.allclose(sampled, exact, rtol=0.03)


def test_rates_follow_the_schedule_functions():
    assert np.all(schedule_rates("constant", 0.3, 8) == 0.3)
    step = schedule_rates("step", 0.4, 8)
    assert list(step) == [0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
    cos = schedule_rates("warm-up + cosine", 1.0, 100)
    assert cos[0] == 0 and cos[10] == 1.0 and cos[-1] < 1e-3
    assert set(SCHEDULE_KINDS) == {"constant", "step", "warm-up + cosine"}


def test_decay_lowers_the_noise_floor_and_too_large_a_rate_diverges():
    h = quadratic_curvatures()
    const = expected_losses(schedule_rates("constant", 0.5, 400), h)
    cosine = expected_losses(schedule_rates("warm-up + cosine", 0.5, 400), h)
    assert cosine[-1] < const[-1] / 2
    # stationary E[w²] = η noise² / (h (2 - η h)), so the floor is ½ η noise² Σ 1 / (2 - η h)
    floor = 0.5 * 0.5 * 0.1**2 * np.sum(1 / (2 - 0.5 * h))
    long_run = expected_losses(schedule_rates("constant", 0.5, 4000), h)
    assert long_run[-1] == pytest.approx(floor, rel=1e-6)
    assert expected_losses(schedule_rates("constant", 2.5, 50), h)[-1] > 1e3


@pytest.mark.parametrize(
    "call",
    [
        lambda: schedule_rates("linear", 0.1, 10),
        lambda: schedule_rates("step", -1, 10),
        lambda: schedule_rates("step", 0.1, 2),
        lambda: quadratic_curvatures(0),
        lambda: quadratic_curvatures(3, 1.0, 0.1),
    ],
)
def test_bad_input_is_explained(call):
    with pytest.raises(ValueError, match="must|need"):
        call()
