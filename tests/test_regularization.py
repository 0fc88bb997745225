"""bookutils.optim.regularization rebuilt in torch and compared, and the clipping self-check."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bookutils.checks.training import check_clip_grad_norm
from bookutils.optim.regularization import (
    accumulate_gradients,
    clip_grad_norm,
    dropout,
    l1_penalty,
    l2_penalty,
    soft_threshold,
)

DT = torch.float64


def small_net(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)
    ).to(DT)


def test_penalties_values_and_gradients():
    g = torch.Generator().manual_seed(1)
    params = [
        torch.randn(3, 4, generator=g, dtype=DT, requires_grad=True),
        torch.randn(5, generator=g, dtype=DT, requires_grad=True),
    ]
    l1 = l1_penalty(params, 0.3)
    l2 = l2_penalty(params, 0.3)
    flat = torch.cat([p.detach().flatten() for p in params])
    assert torch.isclose(l1, 0.3 * flat.abs().sum())
    assert torch.isclose(l2, 0.15 * (flat**2).sum())
    g1 = torch.autograd.grad(l1, params)
    g2 = torch.autograd.grad(l2, params)
    for p, a, b in zip(params, g1, g2, strict=True):
        assert torch.allclose(a, 0.3 * p.sign())  # d/dw λ|w| = λ·sign(w)
        assert torch.allclose(b, 0.3 * p)  # d/dw λ/2·w² = λ·w
    assert l2_penalty(params[1], 0.0).item() == 0.0  # a single tensor is accepted


def test_l2_penalty_equals_sgd_weight_decay():
    x = torch.randn(16, 4, dtype=DT, generator=torch.Generator().manual_seed(2))
    y = torch.randn(16, 3, dtype=DT, generator=torch.Generator().manual_seed(3))
    a, b = small_net(), small_net()
    opt_a = torch.optim.SGD(a.parameters(), lr=0.1)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.1, weight_decay=0.05)
    for _ in range(10):
        opt_a.zero_grad()
        (F.mse_loss(a(x), y) + l2_penalty(a.parameters(), 0.05)).backward()
        opt_a.step()
        opt_b.zero_grad()
        F.mse_loss(b(x), y).backward()
        opt_b.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(p, q, rtol=0, atol=1e-13)


def test_soft_threshold():
    w = np.array([-3.0, -0.5, 0.0, 0.2, 1.5])
    assert np.array_equal(soft_threshold(w, 1.0), [-2.0, 0.0, 0.0, 0.0, 0.5])
    t = torch.tensor(w)
    assert torch.equal(
        soft_threshold(t, 1.0), torch.tensor([-2.0, 0.0, 0.0, 0.0, 0.5], dtype=DT)
    )
    # the proximal step: argmin_v ½(v - w)² + t|v|, checked on a fine grid
    grid = np.linspace(-4, 4, 80_001)
    for wi in w:
        best = grid[np.argmin(0.5 * (grid - wi) ** 2 + np.abs(grid))]
        assert (
            abs(best - soft_threshold(np.array([wi]), 1.0)[0]) <= 1e-4
        )  # the grid step


def test_dropout_modes_and_scaling():
    x = torch.linspace(-2, 2, 1000, dtype=DT)
    assert dropout(x, 0.3, training=False) is x
    assert dropout(x, 0.0) is x
    assert torch.equal(dropout(x, 1.0), torch.zeros_like(x))
    out = dropout(x, 0.25, generator=torch.Generator().manual_seed(0))
    kept = out != 0
    assert torch.allclose(out[kept], x[kept] / 0.75)  # survivors scaled by 1/(1-p)
    # binomial: 1000 draws, p = 0.25, sd = sqrt(1000·0.25·0.75) ≈ 13.7; allow 5 sd
    assert abs(int((~kept).sum()) - 250) < 5 * math.sqrt(1000 * 0.25 * 0.75)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(dropout(x, 0.4, generator=g1), dropout(x, 0.4, generator=g2))


def test_dropout_is_unbiased_like_torch():
    p, m = 0.3, 4000
    x = torch.linspace(0.5, 2.0, 50, dtype=DT)
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)  # F.dropout draws from the global RNG
    ours = torch.stack([dropout(x, p, generator=gen) for _ in range(m)])
    theirs = torch.stack([F.dropout(x, p) for _ in range(m)])
    sd = x * math.sqrt(p / (1 - p) / m)  # sd of the mean of m samples
    for samples in (ours, theirs):
        z = (samples.mean(0) - x) / sd
        assert z.abs().max() < 5  # every entry within 5 sd
        assert abs(float((z**2).mean()) - 1) < 0.5  # chi-square/50: sd ≈ 0.2


def test_clip_grad_norm_matches_torch():
    x = torch.randn(8, 4, dtype=DT, generator=torch.Generator().manual_seed(7))
    for max_norm in (0.01, 0.5, 1e6):
        net = small_net()
        (100 * net(x).pow(2).sum()).backward()
        grads = [p.grad.clone() for p in net.parameters()]
        ours, total = clip_grad_norm(grads, max_norm)
        assert (total > max_norm) == (max_norm < 1e6), (
            f"norm {total}: clips except at 1e6"
        )
        theirs = torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm)
        assert math.isclose(total, float(theirs), rel_tol=1e-12)
        for a, p in zip(ours, net.parameters(), strict=True):
            assert torch.allclose(a, p.grad, rtol=1e-12, atol=0)
        assert (
            math.sqrt(sum(float((a * a).sum()) for a in ours)) <= max_norm + 1e-12
        )


def test_clip_grad_norm_numpy_and_zero():
    clipped, total = clip_grad_norm([np.array([3.0, 4.0]), np.array([12.0])], 1.0)
    assert total == 13.0
    assert np.allclose(clipped[0], [3 / (13 + 1e-6), 4 / (13 + 1e-6)])
    zeros, total = clip_grad_norm([np.zeros(3)], 1.0)
    assert total == 0.0 and np.array_equal(zeros[0], np.zeros(3))


@pytest.mark.parametrize("micro_sizes", [[8, 8, 8, 8], [5, 11, 16], [32]])
def test_accumulation_equals_one_big_batch(micro_sizes):
    gen = torch.Generator().manual_seed(11)
    x, y = (
        torch.randn(32, 4, dtype=DT, generator=gen),
        torch.randn(32, 3, dtype=DT, generator=gen),
    )
    big, acc = small_net(), small_net()
    big.zero_grad()
    loss = F.mse_loss(big(x), y)
    loss.backward()
    parts = list(
        zip(torch.split(x, micro_sizes), torch.split(y, micro_sizes), strict=True)
    )
    mean_loss = accumulate_gradients(acc, F.mse_loss, parts)
    assert math.isclose(mean_loss, loss.item(), rel_tol=1e-12)
    for p, q in zip(big.parameters(), acc.parameters(), strict=True):
        assert torch.allclose(p.grad, q.grad, rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: l1_penalty([], 0.1), TypeError),
        (lambda: l1_penalty([np.zeros(2)], 0.1), TypeError),
        (lambda: l2_penalty(torch.zeros(2), -1.0), ValueError),
        (lambda: l2_penalty(torch.zeros(2), "big"), TypeError),
        (lambda: soft_threshold([1.0, 2.0], 0.5), TypeError),
        (lambda: soft_threshold(np.zeros(2), -0.5), ValueError),
        (lambda: dropout(np.zeros(3), 0.5), TypeError),
        (lambda: dropout(torch.zeros(3), 1.5), ValueError),
        (lambda: dropout(torch.zeros(3), "half"), TypeError),
        (lambda: clip_grad_norm(np.zeros(3), 1.0), TypeError),
        (lambda: clip_grad_norm([], 1.0), TypeError),
        (lambda: clip_grad_norm([[1.0, 2.0]], 1.0), TypeError),
        (lambda: clip_grad_norm([np.zeros(3)], -1.0), ValueError),
        (lambda: accumulate_gradients("net", F.mse_loss, []), TypeError),
        (lambda: accumulate_gradients(small_net(), F.mse_loss, []), ValueError),
        (
            lambda: accumulate_gradients(
                small_net(),
                F.mse_loss,
                [(torch.zeros(0, 4, dtype=DT), torch.zeros(0, 3))],
            ),
            ValueError,
        ),
    ],
)
def test_bad_input(call, error):
    with pytest.raises(error):
        call()


# --- the self-check ------------------------------------------------------------------------


def my_clip(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


def test_check_accepts_a_correct_implementation(capsys):
    assert check_clip_grad_norm(my_clip)
    assert "✓" in capsys.readouterr().out


def test_check_accepts_torch_on_numpy_grads(capsys):
    def via_torch(grads, max_norm):
        tensors = [torch.tensor(g) for g in grads]
        for t in tensors:
            t.grad = t.clone()
        total = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
        return [t.grad.numpy() for t in tensors], float(total)

    assert check_clip_grad_norm(via_torch)


def test_check_catches_in_place_changes(capsys):
    def in_place(grads, max_norm):
        total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        for g in grads:
            g *= min(1.0, max_norm / (total + 1e-6))
        return grads, total

    result = check_clip_grad_norm(in_place)
    assert not result and "in place" in capsys.readouterr().out


def test_chapter_3_3_shows_the_regularisers_as_lesson_code():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from lesson_code import assert_notebook_shows

    from bookutils.optim import regularization

    notebook = (
        Path(__file__).parents[1]
        / "notebooks/03_algorithms/3_3_training_techniques.ipynb"
    )
    names = {
        "l1_penalty",
        "l2_penalty",
        "dropout",
        "clip_grad_norm",
        "accumulate_gradients",
    }
    assert_notebook_shows(notebook, regularization, names)
