"""Watching a training run (chapter 9.3): divergence, early stopping, gradient alarms.

Three small tools that look only at numbers a training loop already has: the training loss
after every step, the validation loss after every epoch, and the gradient norm of every
parameter after a backward pass.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import torch

from .._validate import positive_int as _positive_int

__all__ = [
    "DivergenceMonitor",
    "EarlyStopping",
    "early_stopping_epochs",
    "gradient_alarm",
    "gradient_norms",
]


def _real(name: str, value: object, low: float, *, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not (x > low if strict else x >= low) or math.isnan(x):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low}, got {x}")
    return x


def _loss(value: object) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(
                f"a loss must be a single number, got a tensor of shape"
                f" {tuple(value.shape)}"
            )
        return float(value.detach())
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"a loss must be a real number, got {type(value).__name__}")
    return float(value)


class DivergenceMonitor:
    """Flags a run whose training loss blows up.

    A run has diverged when its loss is not finite, or when it stays above ``factor`` times
    the lowest loss seen so far for ``patience`` steps in a row (one noisy spike is allowed).
    Call :meth:`update` with each step's loss; it returns True from the step of divergence on.
    """

    def __init__(self, factor: float = 4.0, patience: int = 3) -> None:
        self.factor = _real("factor", factor, 1.0, strict=True)
        self.patience = _positive_int("patience", patience)
        self.best = math.inf
        self.steps = 0
        self.bad_steps = 0
        self.diverged_at: int | None = None

    @property
    def diverged(self) -> bool:
        """Whether the run has been flagged."""
        return self.diverged_at is not None

    def update(self, loss: float | torch.Tensor) -> bool:
        """Record one step's loss; return whether the run has diverged."""
        value = _loss(loss)
        step, self.steps = self.steps, self.steps + 1
        if self.diverged:
            return True
        if not math.isfinite(value):
            self.diverged_at = step
            return True
        if value > self.factor * self.best:
            self.bad_steps += 1
            if self.bad_steps >= self.patience:
                self.diverged_at = step
                return True
        else:
            self.bad_steps = 0
        self.best = min(self.best, value)
        return False


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs in a row.

    An epoch improves when its loss is below ``best - min_delta``. :meth:`update` returns True
    at the epoch where training should stop; ``best_epoch`` and ``best_loss`` say which
    epoch to go back to, and ``best_state`` holds a copy of the state passed in that epoch.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience = _positive_int("patience", patience)
        self.min_delta = _real("min_delta", min_delta, 0.0)
        self.best_loss = math.inf
        self.best_epoch = -1
        self.best_state: Any = None
        self.epochs = 0
        self.waited = 0
        self.stopped_epoch: int | None = None

    def update(self, val_loss: float | torch.Tensor, state: Any = None) -> bool:
        """Record one epoch's validation loss (and optionally the model's state_dict)."""
        value = _loss(val_loss)
        epoch, self.epochs = self.epochs, self.epochs + 1
        if self.stopped_epoch is not None:
            return True
        if value < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.waited = value, epoch, 0
            self.best_state = copy.deepcopy(state)
            return False
        self.waited += 1
        if self.waited >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False


def early_stopping_epochs(
    val_losses: Sequence[float], patience: int, min_delta: float = 0.0
) -> tuple[int, int]:
    """``(best_epoch, stop_epoch)`` of early stopping on a whole validation curve.

    Epochs count from 0. ``stop_epoch`` is the last epoch that is run: the one where the
    patience runs out, or the final epoch if it never does.
    """
    if isinstance(val_losses, (str, bytes)) or not isinstance(val_losses, Sequence):
        raise TypeError("val_losses must be a list or tuple of numbers")
    if len(val_losses) == 0:
        raise ValueError("val_losses is empty: give at least one epoch's loss")
    stopper = EarlyStopping(patience, min_delta)
    for loss in val_losses:
        if stopper.update(loss):
            return stopper.best_epoch, stopper.stopped_epoch
    return stopper.best_epoch, len(val_losses) - 1


def gradient_norms(model: torch.nn.Module) -> dict[str, float]:
    """The L2 norm of the gradient of every parameter that has one, by name, in order."""
    _check_model(model)
    return {
        name: float(p.grad.detach().norm())
        for name, p in model.named_parameters()
        if p.grad is not None
    }


def _check_norms(norms: object) -> None:
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError(
            "norms must be a non-empty mapping name -> gradient norm,"
            " e.g. gradient_norms(model)"
        )


def _check_model(model: object) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )


def gradient_alarm(
    norms: Mapping[str, float],
    *,
    explode_above: float = 1e3,
    vanish_ratio: float = 1e-4,
) -> str | None:
    """``"exploding"``, ``"vanishing"`` or None for one step's gradient norms.

    Exploding: some norm is not finite or exceeds ``explode_above``. Vanishing: the smallest
    norm is below ``vanish_ratio`` times the largest, so some layers barely learn while
    others do (a relative test, which does not depend on the scale of the loss).
    """
    _check_norms(norms)
    explode_above = _real("explode_above", explode_above, 0.0, strict=True)
    vanish_ratio = _real("vanish_ratio", vanish_ratio, 0.0, strict=True)
    values = [_loss(v) for v in norms.values()]  # one norm per parameter
    if any(not math.isfinite(v) or v > explode_above for v in values):
        return "exploding"
    if min(values) < vanish_ratio * max(values):  # relative: any loss scale
        return "vanishing"
    return None
