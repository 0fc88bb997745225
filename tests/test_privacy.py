"""Tests for bookutils.training.privacy: DP-SGD pieces and the membership-inference advantage."""

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows

from bookutils.checks.privacy import check_clip_per_example
from bookutils.training import privacy
from bookutils.training.privacy import (
    clip_per_example,
    dp_sgd_gradient,
    membership_advantage,
    per_example_gradients,
)


def _loss(params, x, y):
    return F.cross_entropy(
        (x @ params["W"].T + params["b"]).unsqueeze(0), y.unsqueeze(0)
    )


def test_per_example_gradients_match_a_loop_with_autograd():
    gen = torch.Generator().manual_seed(0)
    params = {
        "W": torch.randn(3, 4, generator=gen),
        "b": torch.randn(3, generator=gen),
    }
    x, y = torch.randn(6, 4, generator=gen), torch.randint(3, (6,), generator=gen)
    grads = per_example_gradients(_loss, params, x, y)
    for i in range(6):
        p = {k: v.clone().requires_grad_(True) for k, v in params.items()}
        _loss(p, x[i], y[i]).backward()
        assert torch.allclose(grads["W"][i], p["W"].grad, atol=1e-6)
        assert torch.allclose(grads["b"][i], p["b"].grad, atol=1e-6)


def test_clipping_bounds_each_example_and_keeps_short_ones():
    # scales 0.1 to 1 per example: norms from about 0.3 to 3, on both sides of 1.5
    g = torch.randn(20, 3, 3, generator=torch.Generator().manual_seed(1))
    g = g * torch.linspace(0.1, 1.0, 20).view(20, 1, 1)
    clipped = clip_per_example(g, 1.5)
    norms = g.flatten(1).norm(dim=1)
    short = norms <= 1.5
    assert 0 < int(short.sum()) < 20, (
        f"norms {norms}: some must exceed 1.5, some not"
    )
    assert torch.allclose(
        clipped.flatten(1).norm(dim=1)[~short], torch.tensor(1.5)
    ), f"clip_per_example norms {clipped.flatten(1).norm(dim=1)[~short]}, not 1.5"
    assert torch.allclose(clipped[short], g[short])
    direction = F.cosine_similarity(clipped.flatten(1), g.flatten(1), dim=1)
    assert torch.allclose(direction, torch.ones(20))


def test_dp_sgd_gradient_mean_without_noise_and_noise_scale():
    g = torch.randn(8, 5, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(dp_sgd_gradient(g, 1e9, 0.0), g.mean(0))
    noise = dp_sgd_gradient(
        torch.zeros(4, 20_000), 2.0, 1.5, generator=torch.Generator().manual_seed(3)
    )
    assert noise.std().item() == pytest.approx(
        1.5 * 2.0 / 4, rel=0.03
    )  # 20 000 samples


def test_membership_advantage():
    assert membership_advantage([0.1, 0.2], [1.0, 2.0]) == 1.0
    assert membership_advantage([1.0, 2.0], [1.0, 2.0]) == 0.0
    rng = np.random.default_rng(0)
    adv = membership_advantage(rng.exponential(0.5, 500), rng.exponential(1.0, 500))
    assert 0.1 < adv < 0.5


def test_bad_inputs_are_clear_errors():
    with pytest.raises(TypeError, match="batch"):
        clip_per_example(torch.ones(3), 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_per_example(torch.ones(2, 2), 0.0)
    with pytest.raises(ValueError, match="noise_multiplier"):
        dp_sgd_gradient(torch.ones(2, 2), 1.0, -1.0)
    with pytest.raises(TypeError, match="callable"):
        per_example_gradients(None, {}, torch.ones(2, 1), torch.ones(2))
    with pytest.raises(ValueError, match="same length"):
        per_example_gradients(_loss, {}, torch.ones(2, 1), torch.ones(3))
    with pytest.raises(ValueError, match="at least one"):
        membership_advantage([], [1.0])


def test_check_clip_per_example_accepts_the_reference(capsys):
    assert check_clip_per_example(clip_per_example)
    assert "✓" in capsys.readouterr().out


NOTEBOOK_8_2 = (
    Path(__file__).parents[1] / "notebooks/08_outlook/8_2_challenges.ipynb"
)


def test_chapter_8_2_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(
        NOTEBOOK_8_2,
        privacy,
        {
            "clip_per_example",
            "dp_sgd_gradient",
            "per_example_gradients",
            "membership_advantage",
        },
    )
