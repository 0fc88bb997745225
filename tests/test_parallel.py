"""Tests for bookutils.parallel.simulated and its self-checks: every helper against plain torch."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from bookutils.checks.parallel import check_gradient_average, check_row_split
from bookutils.parallel.simulated import (
    RingAllReduce,
    average_gradients,
    column_parallel_linear,
    ring_allreduce,
    row_parallel_linear,
    split_columns,
    tensor_parallel_mlp,
    worker_gradients,
    zero_memory_per_worker,
)

F64 = torch.float64


def _rand(*shape, seed=0):
    return torch.randn(
        *shape, generator=torch.Generator().manual_seed(seed), dtype=F64
    )


@pytest.mark.parametrize("n_workers", [1, 2, 3, 5])
def test_averaged_worker_gradients_equal_full_batch(n_workers):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(F64)
    X, y = _rand(11, 3, seed=1), _rand(11, 1, seed=2)  # 11 examples: unequal slices
    grads, sizes = worker_gradients(model, nn.functional.mse_loss, X, y, n_workers)
    assert sum(sizes) == 11 and len(grads) == n_workers
    model.zero_grad()
    nn.functional.mse_loss(model(X), y).backward()
    for g, p in zip(
        average_gradients(grads, sizes), model.parameters(), strict=True
    ):
        torch.testing.assert_close(g, p.grad, rtol=0, atol=1e-14)


def test_plain_mean_is_wrong_for_unequal_slices():
    torch.manual_seed(0)
    model = nn.Linear(2, 1).to(F64)
    X, y = _rand(5, 2, seed=3), _rand(5, 1, seed=4)
    grads, sizes = worker_gradients(model, nn.functional.mse_loss, X, y, 2)
    plain = [sum(g[i] for g in grads) / 2 for i in range(2)]
    weighted = average_gradients(grads, sizes)
    assert not torch.allclose(plain[0], weighted[0])


def test_worker_gradients_bad_input():
    model = nn.Linear(2, 1)
    X, y = torch.zeros(4, 2), torch.zeros(4, 1)
    with pytest.raises(ValueError, match="n_workers"):
        worker_gradients(model, nn.functional.mse_loss, X, y, 5)
    with pytest.raises(ValueError, match="n_workers"):
        worker_gradients(model, nn.functional.mse_loss, X, y, 0)
    with pytest.raises(ValueError, match="different numbers"):
        worker_gradients(model, nn.functional.mse_loss, X, torch.zeros(3, 1), 2)


def test_average_gradients_bad_input():
    with pytest.raises(ValueError, match="one size per worker"):
        average_gradients([[torch.ones(2)]], [1, 2])
    with pytest.raises(ValueError, match="one size per worker"):
        average_gradients([], [])
    with pytest.raises(ValueError, match="positive"):
        average_gradients([[torch.ones(2)], [torch.ones(2)]], [0, 2])


@pytest.mark.parametrize("n_parts", [1, 2, 3, 6])
@pytest.mark.parametrize("split", [column_parallel_linear, row_parallel_linear])
def test_split_linear_matches_nn_linear_output_and_gradients(split, n_parts):
    torch.manual_seed(0)
    layer = nn.Linear(6, 6).to(F64)
    x = _rand(4, 6, seed=5).requires_grad_()
    W = layer.weight.detach().T.clone().requires_grad_()
    b = layer.bias.detach().clone().requires_grad_()
    out = split(x, W, b, n_parts)
    expected = layer(x)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-14)
    upstream = _rand(4, 6, seed=6)
    gx, gW, gb = torch.autograd.grad(out, (x, W, b), upstream)
    ex, eW, eb = torch.autograd.grad(
        expected, (x, layer.weight, layer.bias), upstream
    )
    for got, want in ((gx, ex), (gW, eW.T), (gb, eb)):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-13)


def test_split_linear_without_bias_and_1d_input():
    W, x = _rand(4, 2, seed=7), _rand(4, seed=8)
    torch.testing.assert_close(row_parallel_linear(x, W, None, 2), x @ W)
    torch.testing.assert_close(column_parallel_linear(x, W, None, 2), x @ W)


def test_split_columns_shapes():
    parts = split_columns(_rand(3, 6), _rand(6), 3)
    assert [tuple(W.shape) for W, _ in parts] == [(3, 2)] * 3
    assert [tuple(b.shape) for _, b in parts] == [(2,)] * 3
    assert split_columns(_rand(3, 4), None, 2)[0][1] is None


def test_split_linear_bad_input():
    x, W, b = _rand(2, 4), _rand(4, 6), _rand(6)
    with pytest.raises(ValueError, match="does not split"):
        column_parallel_linear(x, W, b, 4)
    with pytest.raises(ValueError, match="does not split"):
        row_parallel_linear(x, W, b, 3)
    with pytest.raises(ValueError, match="positive int"):
        row_parallel_linear(x, W, b, 0)
    with pytest.raises(ValueError, match="do not fit"):
        row_parallel_linear(_rand(2, 3), W, b, 1)
    with pytest.raises(ValueError, match="b must have shape"):
        column_parallel_linear(x, W, _rand(4), 2)
    with pytest.raises(TypeError, match="torch.Tensor"):
        row_parallel_linear(np.ones((2, 4)), W, b, 2)


@pytest.mark.parametrize("n_parts", [1, 2, 4])
def test_tensor_parallel_mlp_matches_torch(n_parts):
    torch.manual_seed(1)
    mlp = nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 2)).to(F64)
    x = _rand(5, 3, seed=9)
    W1, b1 = mlp[0].weight.T, mlp[0].bias
    W2, b2 = mlp[2].weight.T, mlp[2].bias
    out = tensor_parallel_mlp(x, W1, b1, W2, b2, n_parts, nn.functional.gelu)
    torch.testing.assert_close(out, mlp(x), rtol=0, atol=1e-14)
    grads = torch.autograd.grad(out.sum(), list(mlp.parameters()))
    expected = torch.autograd.grad(mlp(x).sum(), list(mlp.parameters()))
    for g, e in zip(grads, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="hidden dimension"):
        tensor_parallel_mlp(x, W1, b1, W2, b2, 3)


@pytest.mark.parametrize(("n", "length"), [(1, 5), (2, 8), (3, 7), (4, 12), (5, 3)])
def test_ring_allreduce_sums_and_traffic(n, length):
    rng = np.random.default_rng(n)
    vectors = [rng.normal(size=length) for _ in range(n)]
    result = ring_allreduce(vectors)
    assert isinstance(result, RingAllReduce)
    for out in result.outputs:
        np.testing.assert_allclose(
            out, np.sum(vectors, axis=0), rtol=1e-12, atol=1e-12
        )
    assert result.steps == 2 * (n - 1)
    if length % n == 0:
        assert result.sent_per_worker == [2 * (n - 1) * length // n] * n


def test_ring_allreduce_does_not_change_inputs_and_bad_input():
    v = [np.ones(4), np.arange(4.0)]
    copies = [a.copy() for a in v]
    ring_allreduce(v)
    assert all(np.array_equal(a, c) for a, c in zip(v, copies, strict=True))
    with pytest.raises(ValueError, match="at least one"):
        ring_allreduce([])
    with pytest.raises(ValueError, match="same length"):
        ring_allreduce([np.ones(3), np.ones(4)])


def test_zero_memory_matches_the_papers_example():
    # ZeRO paper, Figure 1: 7.5B parameters, 64 GPUs, K = 12
    gb = [zero_memory_per_worker(7.5e9, 64, s) / 1e9 for s in range(4)]
    assert gb[0] == pytest.approx(120.0)
    assert gb[1] == pytest.approx(31.4, abs=0.05)
    assert gb[2] == pytest.approx(16.6, abs=0.05)
    assert gb[3] == pytest.approx(1.875)
    assert (
        zero_memory_per_worker(10, 1, 3) == zero_memory_per_worker(10, 1, 0) == 160
    )


def test_zero_memory_bad_input():
    with pytest.raises(ValueError, match="stage"):
        zero_memory_per_worker(10, 2, 4)
    with pytest.raises(ValueError, match="n_workers"):
        zero_memory_per_worker(10, 0, 1)
    with pytest.raises(ValueError, match="non-negative"):
        zero_memory_per_worker(-1, 2, 1)


# --- the self-checks --------------------------------------------------------------------------


def _good_average(grads, sizes):
    return sum(np.asarray(g) * s for g, s in zip(grads, sizes, strict=True)) / sum(
        sizes
    )


def test_checks_pass_correct_implementations(capsys):
    assert check_gradient_average(_good_average)
    assert check_row_split(row_parallel_linear)
    assert "✓" in capsys.readouterr().out


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

CHAPTER_2_3 = (
    Path(__file__).parents[1]
    / "notebooks/02_concepts/2_3_large_model_training.ipynb"
)


def test_chapter_2_3_shows_the_lesson_code():
    from bookutils.parallel import simulated

    assert_notebook_shows(
        CHAPTER_2_3,
        simulated,
        {"average_gradients", "ring_allreduce", "row_parallel_linear"},
    )
