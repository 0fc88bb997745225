"""Dynamic loss scaling from scratch (chapter 9.3), the idea behind ``torch.amp.GradScaler``.

In float16, gradients smaller than about 6e-8 round to zero. Multiplying the loss by a large
``scale`` S multiplies every gradient by S and lifts them into range; before the optimizer
step the gradients are divided by S again. If the scaled gradients overflowed (inf or NaN),
the step is skipped and S is halved; after ``growth_interval`` good steps in a row S doubles.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import torch

__all__ = ["DynamicLossScaler"]


def _factor(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not low < float(value) < high:
        raise ValueError(
            f"{name} must lie strictly between {low} and {high}, got {value}"
        )
    return float(value)


def _interval(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"growth_interval must be a positive int, got {value!r}")
    return int(value)


def _check_loss(loss: object) -> None:
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"loss must be a torch tensor, got {type(loss).__name__}")


def _check_optimizer(optimizer: object) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer)}"
        )


class DynamicLossScaler:
    """Scale the loss, unscale the gradients, skip overflowing steps, adapt the scale.

    Use it like ``GradScaler``: ``scaler.scale(loss).backward()``, then
    ``scaler.step(optimizer)`` (returns whether the step was taken), then ``scaler.update()``.
    The defaults are ``GradScaler``'s.
    """

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
    ) -> None:
        self.scale_value = _factor("init_scale", init_scale, 0.0, math.inf)
        self.growth_factor = _factor("growth_factor", growth_factor, 1.0, math.inf)
        self.backoff_factor = _factor("backoff_factor", backoff_factor, 0.0, 1.0)
        self.growth_interval = _interval(growth_interval)
        self.good_steps = 0
        self.found_inf = False

    def scale(self, loss: torch.Tensor) -> torch.Tensor:
        """The loss times the current scale."""
        _check_loss(loss)
        return loss * self.scale_value

    def step(self, optimizer: torch.optim.Optimizer) -> bool:
        """Unscale the gradients in place; take the step only if all of them are finite."""
        _check_optimizer(optimizer)
        inv = 1.0 / self.scale_value
        self.found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.mul_(inv)  # back to the true gradient
                    self.found_inf |= not bool(torch.isfinite(p.grad).all())
        if not self.found_inf:  # an overflow skips the step
            optimizer.step()
        return not self.found_inf

    def update(self) -> float:
        """Halve the scale after an overflow; grow it after ``growth_interval`` good steps."""
        if self.found_inf:  # too large: back off at once
            self.scale_value *= self.backoff_factor
            self.good_steps = 0
        else:
            self.good_steps += 1
            if self.good_steps == self.growth_interval:  # a run of good steps: grow
                self.scale_value *= self.growth_factor
                self.good_steps = 0
        return self.scale_value
