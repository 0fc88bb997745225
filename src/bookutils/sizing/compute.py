"""A compute, memory, time and energy calculator for training (chapter 8.2).

FLOPs come from :func:`bookutils.sizing.param_count.training_flops` (C ≈ 6·N·D). Memory for
mixed-free fp32 training with Adam is 4 bytes each for weights and gradients plus 8 bytes
for Adam's two moment estimates: 16 bytes per parameter, before activations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .._validate import positive_number as _positive
from .param_count import training_flops

BYTES_FP32 = 4


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes needed to train: weights, gradients, optimizer state and activations."""

    weights: int
    gradients: int
    optimizer: int
    activations: int

    @property
    def total(self) -> int:
        """The sum of the four parts."""
        return self.weights + self.gradients + self.optimizer + self.activations


def optimizer_state_floats(optimizer: str) -> int:
    """Floats of state per parameter: 0 for plain SGD, 1 for momentum, 2 for Adam/AdamW."""
    table = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
    if optimizer not in table:
        raise ValueError(
            f"optimizer must be one of {sorted(table)}, got {optimizer!r}"
        )
    return table[optimizer]


def mlp_activation_floats(sizes: Sequence[int], batch: int) -> int:
    """Floats an MLP (Linear, ReLU, …, Linear) saves for its backward pass.

    Each linear layer keeps its input, and each ReLU keeps its output, which is the next
    layer's input and is stored once: ``batch · (d_0 + d_1 + … + d_{L-1})``.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs an input and at least one layer width, got {sizes}"
        )
    _positive("batch", batch)
    return int(batch) * sum(sizes[:-1])


def training_memory(
    n_params: int,
    activation_floats: int = 0,
    optimizer: str = "adam",
    bytes_per_float: int = BYTES_FP32,
) -> TrainingMemory:
    """Memory to train ``n_params`` parameters with ``optimizer``, all in one precision."""
    _positive("n_params", n_params)
    _positive("activation_floats", activation_floats, allow_zero=True)
    _positive("bytes_per_float", bytes_per_float)
    per = int(bytes_per_float)
    return TrainingMemory(
        weights=int(n_params) * per,
        gradients=int(n_params) * per,
        optimizer=optimizer_state_floats(optimizer) * int(n_params) * per,
        activations=int(activation_floats) * per,
    )


def training_days(
    flops: float,
    n_devices: int,
    peak_flops_per_device: float,
    utilization: float = 0.4,
) -> float:
    """Days to do ``flops`` on ``n_devices`` running at ``utilization`` of their peak."""
    _positive("flops", flops)
    _positive("n_devices", n_devices)
    _positive("peak_flops_per_device", peak_flops_per_device)
    if not 0 < utilization <= 1:
        raise ValueError(f"utilization must be in (0, 1], got {utilization}")
    return flops / (n_devices * peak_flops_per_device * utilization) / 86_400


def energy_kwh(
    days: float, n_devices: int, watts_per_device: float, pue: float = 1.1
) -> float:
    """Energy in kWh: devices × watts × hours, times the data centre's PUE overhead (≥ 1)."""
    _positive("days", days, allow_zero=True)
    _positive("n_devices", n_devices)
    _positive("watts_per_device", watts_per_device)
    if pue < 1:
        raise ValueError(
            f"pue (power usage effectiveness) is at least 1, got {pue}"
        )
    return days * 24 * n_devices * watts_per_device * pue / 1000


def estimate_training(
    n_params: float,
    n_tokens: float,
    n_devices: int,
    peak_flops_per_device: float,
    watts_per_device: float,
    utilization: float = 0.4,
    pue: float = 1.1,
) -> dict[str, float]:
    """FLOPs (6·N·D), days and kWh of a training run, in one dictionary."""
    flops = training_flops(n_params, n_tokens)
    days = training_days(flops, n_devices, peak_flops_per_device, utilization)
    return {
        "flops": flops,
        "days": days,
        "kwh": energy_kwh(days, n_devices, watts_per_device, pue),
    }
