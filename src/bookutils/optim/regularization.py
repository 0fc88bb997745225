"""Regularisation and gradient tools from scratch (chapter 3.3).

L1 and L2 penalties, the L1 proximal step (soft-thresholding), inverted dropout,
gradient clipping by the global norm, and gradient accumulation over micro-batches.
Each is small enough to read in one go and is checked against PyTorch in the book.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from typing import Any

import numpy as np
import torch

__all__ = [
    "accumulate_gradients",
    "clip_grad_norm",
    "dropout",
    "l1_penalty",
    "l2_penalty",
    "soft_threshold",
]


def _tensors(params: torch.Tensor | Iterable[torch.Tensor]) -> list[torch.Tensor]:
    items = [params] if isinstance(params, torch.Tensor) else list(params)
    if not items or not all(isinstance(p, torch.Tensor) for p in items):
        raise TypeError(
            "params must be a tensor or a non-empty iterable of tensors"
        )
    return items


def _strength(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not value >= 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return float(value)


def l1_penalty(
    params: torch.Tensor | Iterable[torch.Tensor], lam: float
) -> torch.Tensor:
    """``lam * Σ|w|`` over every entry of ``params``; add it to the loss."""
    lam = _strength("lam", lam)
    return lam * sum(p.abs().sum() for p in _tensors(params))


def l2_penalty(
    params: torch.Tensor | Iterable[torch.Tensor], lam: float
) -> torch.Tensor:
    """``lam / 2 * Σw²`` over every entry of ``params``; its gradient is ``lam * w``."""
    lam = _strength("lam", lam)
    return lam / 2 * sum((p * p).sum() for p in _tensors(params))


def soft_threshold(w: Any, threshold: float) -> Any:
    """The L1 proximal step ``sign(w) * max(|w| - threshold, 0)``, for arrays or tensors."""
    threshold = _strength("threshold", threshold)
    if isinstance(w, torch.Tensor):
        return w.sign() * (w.abs() - threshold).clamp(min=0.0)
    if isinstance(w, np.ndarray):
        return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
    raise TypeError(
        f"w must be a NumPy array or a torch tensor, got {type(w).__name__}"
    )


def _check_dropout(x: object, p: object) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch tensor, got {type(x).__name__}")
    if isinstance(p, bool) or not isinstance(p, Real):
        raise TypeError(f"p must be a real number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")


def dropout(
    x: torch.Tensor,
    p: float,
    training: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Inverted dropout: zero each entry with probability ``p``, scale the rest by 1/(1-p).

    In evaluation mode (``training=False``) or with ``p = 0`` it returns ``x`` itself, so
    the expected output equals the input in both modes.
    """
    _check_dropout(x, p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return torch.zeros_like(x)
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep.to(x.dtype) / (1.0 - p)


def _check_clip(grads: object, max_norm: object, eps: object) -> None:
    if isinstance(grads, (np.ndarray, torch.Tensor)) or not isinstance(
        grads, Sequence
    ):
        raise TypeError("grads must be a list or tuple of arrays or tensors")
    if not grads or not all(
        isinstance(g, (np.ndarray, torch.Tensor)) for g in grads
    ):
        raise TypeError(
            "grads must be a non-empty list of NumPy arrays or torch tensors"
        )
    _strength("max_norm", max_norm)
    _strength("eps", eps)


def clip_grad_norm(
    grads: Sequence[Any], max_norm: float, eps: float = 1e-6
) -> tuple[list[Any], float]:
    """Scale all gradients by one factor so that their global L2 norm is at most ``max_norm``.

    Returns new arrays (NumPy arrays or tensors, as given) and the total norm *before*
    clipping. The factor is ``min(1, max_norm / (norm + eps))``, as in torch's
    ``clip_grad_norm_``; ``eps`` keeps it finite when every gradient is zero.
    """
    _check_clip(grads, max_norm, eps)
    total = math.sqrt(sum(float((g * g).sum()) for g in grads))
    scale = min(1.0, max_norm / (total + eps))
    return [g * scale for g in grads], total


def _check_accumulate(
    model: object, micro_batches: Iterable[tuple[torch.Tensor, torch.Tensor]]
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The micro-batches as a list, after checking the model and that there are examples."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )
    batches = list(micro_batches)
    if not batches:
        raise ValueError(
            "micro_batches is empty: give at least one (inputs, targets) pair"
        )
    if sum(len(x) for x, _ in batches) == 0:
        raise ValueError("the micro-batches hold no examples")
    return batches


def accumulate_gradients(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    micro_batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
) -> float:
    """Zero the gradients, then add up the gradient of the mean loss over all micro-batches.

    ``loss_fn`` must return the *mean* loss of a micro-batch. Each micro-batch's loss is
    weighted by its share of the examples (1/n_micro for n_micro equal micro-batches), so the stored
    gradients equal those of one batch holding every example. Returns that batch's mean
    loss; call ``optimizer.step()`` afterwards.
    """
    batches = _check_accumulate(model, micro_batches)
    total = sum(len(x) for x, _ in batches)  # examples in the whole batch
    model.zero_grad(set_to_none=True)
    mean_loss = 0.0
    for x, y in batches:
        share = len(x) / total
        loss = loss_fn(model(x), y) * share
        loss.backward()
        mean_loss += float(loss.detach())
    return mean_loss
