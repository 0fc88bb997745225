"""Gradient saliency: which input features move a model's score most (chapter 8.2)."""

from __future__ import annotations

import torch


def _check_saliency(model: object, x: object, target: object) -> torch.Tensor:
    """``target`` as a tensor of class ids on ``x``'s device, after checking all three."""
    if not callable(model):
        raise TypeError(f"model must be callable, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError("x must be a floating-point torch.Tensor")
    target = torch.as_tensor(target, device=x.device)
    if target.shape != x.shape[:1]:
        raise ValueError(
            f"need one target per example: {len(x)} examples, target shape"
            f" {tuple(target.shape)}"
        )
    return target


def gradient_saliency(
    model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """``|∂ score_target / ∂ x|`` per input feature, for a batch ``x`` and class ids ``target``.

    The score is the model's output (logit) for the target class, as in Simonyan et al.
    """
    target = _check_saliency(model, x, target)
    x = x.detach().clone().requires_grad_(True)  # a leaf, so that x.grad is filled
    scores = model(x)  # (batch, classes)
    own = scores.gather(1, target.reshape(-1, 1))  # (batch, 1): own class
    own.sum().backward()
    return x.grad.abs()  # (batch, features)
