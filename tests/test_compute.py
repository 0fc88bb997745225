"""Tests for bookutils.sizing.compute: the compute, memory and energy calculator."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from bookutils.sizing.compute import (
    TrainingMemory,
    energy_kwh,
    estimate_training,
    mlp_activation_floats,
    optimizer_state_floats,
    training_days,
    training_memory,
)
from bookutils.sizing.param_count import count_parameters, mlp_training_flops


def _mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def test_memory_matches_a_real_adam_step_and_saved_activations():
    sizes, batch = [12, 20, 7, 3], 5
    model = _mlp(sizes)
    opt = torch.optim.Adam(model.parameters())
    x, y = torch.randn(batch, 12), torch.randint(3, (batch,))
    F.cross_entropy(model(x), y).backward()
    opt.step()
    ptrs = {p.data_ptr() for p in model.parameters()}
    saved = {}

    def pack(t):
        if t.data_ptr() not in ptrs:
            saved[t.data_ptr()] = t.numel()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    n = count_parameters(model)
    state = sum(
        v.numel() for s in opt.state.values() for k, v in s.items() if k != "step"
    )
    mem = training_memory(n, mlp_activation_floats(sizes, batch))
    assert isinstance(mem, TrainingMemory)
    assert mem.optimizer == 4 * state and mem.weights == mem.gradients == 4 * n
    assert mem.activations == 4 * sum(saved.values())
    assert mem.total == 16 * n + mem.activations


def test_flop_estimate_agrees_with_the_flop_counter():
    sizes, batch = [10, 16, 4], 8
    model = _mlp(sizes)
    with FlopCounterMode(display=False) as counter:
        model(torch.randn(batch, 10)).sum().backward()
    assert counter.get_total_flops() == mlp_training_flops(sizes, batch)


def test_optimizer_states_and_precision():
    assert [
        optimizer_state_floats(o) for o in ("sgd", "momentum", "adam", "adamw")
    ] == [0, 1, 2, 2]
    assert training_memory(10, optimizer="sgd", bytes_per_float=2).total == 40


def test_time_energy_and_estimate():
    assert training_days(86_400e12, 1, 1e12, utilization=1.0) == pytest.approx(1.0)
    assert energy_kwh(2.0, 10, 500.0, pue=1.0) == pytest.approx(240.0)
    est = estimate_training(1e9, 2e10, 100, 1e14, 400.0, utilization=0.5, pue=1.2)
    assert est["flops"] == pytest.approx(1.2e20)
    assert est["days"] == pytest.approx(1.2e20 / (100 * 1e14 * 0.5) / 86_400)
    assert est["kwh"] == pytest.approx(est["days"] * 24 * 100 * 400 * 1.2 / 1000)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="optimizer"):
        optimizer_state_floats("lion")
    with pytest.raises(ValueError, match="sizes"):
        mlp_activation_floats([5], 2)
    with pytest.raises(ValueError, match="positive"):
        training_memory(0)
    with pytest.raises(TypeError, match="number"):
        training_memory("7B")
    with pytest.raises(ValueError, match="utilization"):
        training_days(1e20, 1, 1e12, utilization=1.5)
    with pytest.raises(ValueError, match="pue"):
        energy_kwh(1.0, 1, 100.0, pue=0.9)
    with pytest.raises(ValueError, match="non-negative"):
        energy_kwh(-1.0, 1, 100.0)
