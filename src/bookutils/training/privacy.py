"""Differentially private SGD and a membership-inference attack, from scratch (chapter 8.2).

DP-SGD (Abadi et al., 2016) clips every example's gradient to norm at most c, sums the
clipped gradients, adds Gaussian noise with standard deviation σ_DP·c, and divides by the
batch size. The loss-threshold attack (Yeom et al., 2018) guesses "member of the training
set" when a model's loss on an example is low.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def _check_clip(per_example_grads: object, max_norm: float) -> None:
    if (
        not isinstance(per_example_grads, torch.Tensor)
        or per_example_grads.ndim < 2
    ):
        raise TypeError(
            "per_example_grads must be a torch.Tensor of shape (batch, ...)"
        )
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")


def _check_noise(noise_multiplier: float) -> None:
    if noise_multiplier < 0:
        raise ValueError(
            f"noise_multiplier must be non-negative, got {noise_multiplier}"
        )


def _check_examples(loss_fn: object, x: torch.Tensor, y: torch.Tensor) -> None:
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable")
    if len(x) != len(y):
        raise ValueError(
            f"x and y must have the same length, got {len(x)} and {len(y)}"
        )


def _loss_arrays(
    member_losses: object, nonmember_losses: object
) -> tuple[np.ndarray, np.ndarray]:
    m = np.asarray(member_losses, dtype=float).ravel()
    n = np.asarray(nonmember_losses, dtype=float).ravel()
    if m.size == 0 or n.size == 0:
        raise ValueError("need at least one member and one non-member loss")
    return m, n


def clip_per_example(
    per_example_grads: torch.Tensor, max_norm: float
) -> torch.Tensor:
    """Scale each example's gradient (row) by ``min(1, c / ‖g_i‖)``: no row longer than c."""
    _check_clip(per_example_grads, max_norm)
    g = per_example_grads  # (batch, ...): one gradient per example
    norms = g.flatten(1).norm(dim=1)  # (batch,)
    factor = torch.clamp(max_norm / (norms + 1e-12), max=1.0)  # never above 1
    return g * factor.reshape(-1, *([1] * (g.ndim - 1)))


def dp_sgd_gradient(
    per_example_grads: torch.Tensor,
    max_norm: float,
    noise_multiplier: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The private gradient: (Σ clipped g_i + N(0, σ_DP²c²·I)) / batch."""
    _check_noise(noise_multiplier)
    clipped = clip_per_example(per_example_grads, max_norm)  # (batch, ...)
    noise = torch.randn(
        clipped.shape[1:], generator=generator, dtype=clipped.dtype, device="cpu"
    ).to(clipped.device)  # drawn on the CPU, so every device draws the same
    return (clipped.sum(0) + noise_multiplier * max_norm * noise) / len(clipped)


def per_example_gradients(
    loss_fn: Callable[[dict, torch.Tensor, torch.Tensor], torch.Tensor],
    params: dict[str, torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Gradients of ``loss_fn(params, x_i, y_i)`` for every example i, with torch.func.vmap.

    ``loss_fn`` takes one example (no batch dimension) and returns a scalar.
    """
    _check_examples(loss_fn, x, y)
    grad_fn = torch.func.grad(loss_fn)  # params -> gradient, for one example
    return torch.func.vmap(grad_fn, in_dims=(None, 0, 0))(params, x, y)


def membership_advantage(
    member_losses: np.ndarray, nonmember_losses: np.ndarray
) -> float:
    """Best TPR − FPR of the attack "member if loss ≤ t" over all thresholds t (0 = no leak)."""
    m, n = _loss_arrays(member_losses, nonmember_losses)
    thresholds = np.concatenate([[-np.inf], np.unique(np.concatenate([m, n]))])
    # per threshold: the members caught (tpr), the outsiders wrongly accused (fpr)
    tpr = (m[None, :] <= thresholds[:, None]).mean(1)
    fpr = (n[None, :] <= thresholds[:, None]).mean(1)
    return float(np.max(tpr - fpr))
