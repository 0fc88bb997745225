"""Masked pre-training and fine-tuning helpers (chapters 8.3, 9.2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bookutils.metrics import accuracy
from bookutils.training.self_supervised import (
    PretrainRun,
    few_labels,
    fine_tune,
    mask_inputs,
    masked_reconstruction_loss,
    mlp_encoder,
    pretrain_masked,
)


def test_encoder_is_seeded_and_leaves_the_global_stream_alone():
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    a, b = mlp_encoder(4, [3, 2], seed=1), mlp_encoder(4, [3, 2], seed=1)
    assert torch.equal(torch.rand(1), before)
    assert all(
        torch.equal(p, q)
        for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )
    assert a(torch.ones(5, 4)).shape == (5, 2)
    assert sum(p.numel() for p in a.parameters()) == 4 * 3 + 3 + 3 * 2 + 2


def test_mask_and_loss_score_only_hidden_entries():
    X = torch.rand(200, 10, dtype=torch.float64)
    masked, hidden = mask_inputs(X, 0.3, torch.Generator().manual_seed(0))
    assert torch.all(masked[hidden] == 0) and torch.equal(
        masked[~hidden], X[~hidden]
    )
    assert 0.25 < hidden.float().mean().item() < 0.35
    prediction = X.clone()
    prediction[~hidden] += 100  # errors on visible entries cost nothing
    assert masked_reconstruction_loss(prediction, X, hidden).item() == 0.0
    manual = ((masked - X)[hidden] ** 2).mean()
    torch_mse = torch.nn.functional.mse_loss(masked[hidden], X[hidden])
    assert torch.isclose(masked_reconstruction_loss(masked, X, hidden), manual)
    assert torch.isclose(manual, torch_mse)


def test_pretraining_lowers_the_masked_loss_without_labels():
    g = torch.Generator().manual_seed(0)
    basis = torch.randn(3, 12, generator=g)
    X = torch.rand(256, 3, generator=g) @ basis  # 12 features, 3 degrees of freedom
    encoder = mlp_encoder(12, [16], seed=0)
    run = pretrain_masked(
        encoder, X, rate=0.3, epochs=40, batch_size=64, lr=1e-2, seed=0
    )
    assert isinstance(run, PretrainRun) and len(run.losses) == 40
    assert run.losses[-1] < 0.5 * run.losses[0]


def test_fine_tune_copies_the_encoder_and_learns():
    g = torch.Generator().manual_seed(1)
    X = torch.randn(120, 5, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    encoder = mlp_encoder(5, [8], seed=0)
    before = [p.clone() for p in encoder.parameters()]
    model = fine_tune(encoder, X, y, n_classes=2, epochs=200, lr=1e-2)
    assert all(
        torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True)
    )
    assert accuracy(model, X, y) > 0.9
    probe = fine_tune(encoder, X, y, n_classes=2, epochs=5, freeze=True)
    assert all(
        torch.equal(a, b)
        for a, b in zip(before, probe[0].parameters(), strict=True)
    )


def test_few_labels():
    y = np.repeat(np.arange(4), 10)
    idx = few_labels(y, 3, seed=0)
    assert np.array_equal(np.bincount(y[idx]), [3, 3, 3, 3])
    assert np.array_equal(idx, few_labels(y, 3, seed=0))


@pytest.mark.parametrize(
    "call",
    [
        lambda: mlp_encoder(4, []),
        lambda: mlp_encoder(4, [0]),
        lambda: mask_inputs(torch.ones(3, 2), 1.5, torch.Generator()),
        lambda: masked_reconstruction_loss(
            torch.ones(2, 2), torch.ones(2, 2), torch.zeros(2, 2, dtype=torch.bool)
        ),
        lambda: masked_reconstruction_loss(
            torch.ones(2, 2), torch.ones(2, 3), torch.ones(2, 2, dtype=torch.bool)
        ),
        lambda: pretrain_masked(mlp_encoder(2, [2]), torch.ones(4, 2), epochs=0),
        lambda: fine_tune(
            mlp_encoder(2, [2]),
            torch.ones(4, 2),
            torch.zeros(4, dtype=torch.long),
            n_classes=0,
        ),
        lambda: accuracy(torch.nn.Linear(2, 2), torch.ones(4, 2), torch.zeros(3)),
        lambda: few_labels(np.array([0.5, 1.0]), 1),
        lambda: few_labels(np.array([0, 1, 1]), 2),
        lambda: few_labels(np.array([0, 1]), 0),
    ],
)
def test_bad_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: mask_inputs(np.ones((3, 2)), 0.5, torch.Generator()),
        lambda: mask_inputs(
            torch.ones(3, 2, dtype=torch.long), 0.5, torch.Generator()
        ),
        lambda: fine_tune(
            mlp_encoder(2, [2]), torch.ones(4, 2), torch.zeros(4), n_classes=2
        ),
        lambda: pretrain_masked(
            torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())[1:],
            torch.ones(4, 2),
        ),
    ],
)
def test_bad_types_are_type_errors(call):
    with pytest.raises(TypeError):
        call()
