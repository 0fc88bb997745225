"""The package's one torch training loop (chapters 5, 8, 9 and the parallel jobs).

One step is always the same four moves: clear the gradients, compute the loss of one batch,
back-propagate, let the optimizer step. :func:`fit` repeats them over whatever batches it is
given, so one function serves full-batch training (the same batch ``steps`` times, e.g.
``itertools.repeat((X, y), steps)``), shuffled mini-batches over epochs and freshly sampled
language-model windows. Make ``batches`` a generator when the batches depend on a seeded
random generator: each batch is then drawn just before its step, in the same order as in a
hand-written loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor, nn

from .._validate import positive_number

__all__ = ["fit"]


def fit(
    model: nn.Module,
    batches: Iterable[tuple[Any, ...]],
    loss_fn: Callable[..., Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    clip_norm: float | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` with one optimizer step per batch; return the loss of every step.

    For each ``batch`` (a tuple) in ``batches``: zero the gradients, compute
    ``loss = loss_fn(model, *batch)`` (a scalar tensor), ``loss.backward()``, clip the
    gradient norm of ``model.parameters()`` to ``clip_norm`` if given, ``optimizer.step()``,
    then ``scheduler.step()`` if given, and finally ``on_step(step, loss)`` (``step`` counts
    from 0) if given, e.g. to evaluate every few steps. The model's train/eval mode is left
    as the caller set it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got "
            f"{type(optimizer).__name__}"
        )
    if not callable(loss_fn):
        raise TypeError(
            f"loss_fn must be callable as loss_fn(model, *batch), got "
            f"{type(loss_fn).__name__}"
        )
    if clip_norm is not None:
        positive_number("clip_norm", clip_norm)
    losses: list[float] = []
    for step, batch in enumerate(batches):
        if not isinstance(batch, tuple):
            raise TypeError(
                f"every batch must be a tuple of loss_fn's arguments after the "
                f"model, got {type(batch).__name__} at step {step}"
            )
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model, *batch)
        if not isinstance(loss, Tensor) or loss.ndim != 0:
            raise ValueError(
                f"loss_fn must return a scalar tensor, got "
                f"{getattr(loss, 'shape', type(loss).__name__)} at step {step}"
            )
        loss.backward()
        if clip_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, losses[-1])
    return losses
