"""Model compression from scratch (chapter 8.1): int8 quantisation, magnitude pruning and
the knowledge-distillation loss.

Quantisation is affine: a real number ``w`` is stored as the integer
``q = clamp(round(w / scale) + zero_point, -128, 127)`` and read back as
``(q - zero_point) · scale``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

QMIN, QMAX = -128, 127


def _tensor(name: str, x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    return x


def _check_int8(q: object, scale: float) -> None:
    if not isinstance(q, torch.Tensor) or q.dtype != torch.int8:
        raise TypeError(
            f"q must be an int8 torch.Tensor, got {getattr(q, 'dtype', type(q))}"
        )
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")


def _check_sparsity(w: object, sparsity: float) -> None:
    _tensor("w", w)
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")


def _check_distillation(
    student_logits: object,
    teacher_logits: object,
    temperature: float,
    alpha: float,
) -> None:
    _tensor("student_logits", student_logits)
    _tensor("teacher_logits", teacher_logits)
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f"logit shapes differ: {tuple(student_logits.shape)} vs"
            f" {tuple(teacher_logits.shape)}"
        )
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")


def int8_qparams(w: torch.Tensor) -> tuple[float, int]:
    """Scale and zero point that map ``[min(w, 0), max(w, 0)]`` onto the int8 range.

    The range always contains 0, so that 0 is stored exactly (padding, pruned weights).
    """
    w = _tensor("w", w)
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)  # the range holds 0
    scale = (hi - lo) / (QMAX - QMIN) if hi > lo else 1.0  # 255 steps
    zero_point = int(np.clip(QMIN - round(lo / scale), QMIN, QMAX))
    return scale, zero_point


def quantize_int8(w: torch.Tensor) -> tuple[torch.Tensor, float, int]:
    """Return ``(q, scale, zero_point)`` with ``q`` an int8 tensor the shape of ``w``."""
    scale, zero_point = int8_qparams(w)
    q = torch.clamp(torch.round(w / scale) + zero_point, QMIN, QMAX)
    return q.to(torch.int8), scale, zero_point


def dequantize_int8(q: torch.Tensor, scale: float, zero_point: int) -> torch.Tensor:
    """Read int8 values back as float32: ``(q - zero_point) · scale``."""
    _check_int8(q, scale)
    return (q.to(torch.float32) - zero_point) * scale


def quantize_model_int8(
    model: torch.nn.Module,
) -> dict[str, tuple[torch.Tensor, float, int]]:
    """Quantise every floating-point parameter of ``model``: name → (q, scale, zero_point)."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(model).__name__}")
    return {name: quantize_int8(p.detach()) for name, p in model.named_parameters()}


def storage_bytes(tensors: dict | list | tuple) -> int:
    """Bytes the tensors' elements occupy (``numel · element_size``), ignoring metadata."""
    values = tensors.values() if isinstance(tensors, dict) else tensors
    total = 0
    for t in values:
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"expected tensors, got {type(t).__name__}")
        total += t.numel() * t.element_size()
    return total


def magnitude_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Boolean mask keeping the largest-magnitude weights; ``round(sparsity·n)`` are dropped.

    Ties are broken by position (the earlier weight is dropped first), as a stable sort does.
    """
    _check_sparsity(w, sparsity)
    n_drop = round(sparsity * w.numel())
    order = torch.argsort(w.abs().flatten(), stable=True)  # smallest first
    keep = torch.ones(w.numel(), dtype=torch.bool, device=w.device)
    keep[order[:n_drop]] = False
    return keep.reshape(w.shape)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> torch.Tensor:
    """Hinton et al.'s loss: ``alpha · τ² · KL(p_τ^teacher ‖ p_τ^student) + (1-alpha) · CE``.

    ``p_τ`` is the softmax at temperature τ = ``temperature``; the τ² keeps the soft term's
    gradients on the scale of the hard term's as τ changes. ``alpha`` is the weight λ_KD.
    """
    _check_distillation(student_logits, teacher_logits, temperature, alpha)
    log_p_student = torch.log_softmax(student_logits / temperature, dim=-1)
    p_teacher = torch.softmax(teacher_logits.detach() / temperature, dim=-1)
    log_p_teacher = torch.log_softmax(teacher_logits.detach() / temperature, dim=-1)
    kl = (p_teacher * (log_p_teacher - log_p_student)).sum(-1).mean()  # batch mean
    hard = F.cross_entropy(student_logits, labels)  # the true labels at τ = 1
    return alpha * temperature**2 * kl + (1 - alpha) * hard
