import numpy as np
import pytest
import torch

from bookutils.checks.normalization import check_batchnorm_backward
from bookutils.training.normalization import (
    BatchNormState,
    batchnorm_backward,
    batchnorm_forward,
)


def _torch_bn(state):
    bn = torch.nn.BatchNorm1d(len(state.gamma), dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(state.gamma))
        bn.bias.copy_(torch.from_numpy(state.beta))
    return bn


def test_forward_matches_batchnorm1d_in_both_modes():
    rng = np.random.default_rng(0)
    state = BatchNormState.fresh(4)
    state.gamma, state.beta = rng.normal(size=4), rng.normal(size=4)
    bn = _torch_bn(state)
    for _ in range(3):  # three training batches
        x = 3 + 2 * rng.normal(size=(16, 4))
        y, _ = batchnorm_forward(x, state, training=True)
        bn.train()
        assert np.allclose(y, bn(torch.from_numpy(x)).detach().numpy(), atol=1e-12)
    assert np.allclose(state.running_mean, bn.running_mean.numpy(), atol=1e-12)
    assert np.allclose(state.running_var, bn.running_var.numpy(), atol=1e-12)
    x = rng.normal(size=(5, 4))
    bn.eval()
    y, _ = batchnorm_forward(x, state, training=False)
    assert np.allclose(y, bn(torch.from_numpy(x)).detach().numpy(), atol=1e-12)


def test_backward_matches_autograd():
    rng = np.random.default_rng(1)
    x, dy = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    state = BatchNormState.fresh(3)
    state.gamma = rng.normal(size=3)
    _, cache = batchnorm_forward(x, state, training=True)
    dx, dgamma, dbeta = batchnorm_backward(dy, cache)
    bn = _torch_bn(state)
    xt = torch.from_numpy(x).requires_grad_()
    bn(xt).backward(torch.from_numpy(dy))
    assert np.allclose(dx, xt.grad.numpy(), atol=1e-12)
    assert np.allclose(dgamma, bn.weight.grad.numpy(), atol=1e-12)
    assert np.allclose(dbeta, bn.bias.grad.numpy(), atol=1e-12)


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="shape"):
        batchnorm_forward(np.zeros((3, 2)), BatchNormState.fresh(4), training=True)
    with pytest.raises(ValueError, match="at least 2"):
        batchnorm_forward(np.zeros((1, 4)), BatchNormState.fresh(4), training=True)
    with pytest.raises(ValueError, match="positive integer"):
        BatchNormState.fresh(0)


def test_check_batchnorm_backward_names_a_frozen_mean(capsys):
    def frozen(dy, x, gamma):
        inv = 1 / np.sqrt(x.var(axis=0) + 1e-5)
        return dy * gamma * inv, (dy * (x - x.mean(0)) * inv).sum(0), dy.sum(0)

    assert not check_batchnorm_backward(frozen)
    assert "constants" in capsys.readouterr().out


def test_chapter_3_4_shows_batch_normalisation_as_lesson_code():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from lesson_code import assert_notebook_shows

    from bookutils.training import normalization

    notebook = (
        Path(__file__).parents[1]
        / "notebooks/03_algorithms/3_4_initialization_normalization.ipynb"
    )
    assert_notebook_shows(
        notebook, normalization, {"batchnorm_forward", "batchnorm_backward"}
    )
