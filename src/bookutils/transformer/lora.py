"""LoRA written from scratch (Hu et al., 2022): a frozen linear layer plus a trainable
low-rank update, and the tools to put adapters into a model, count what trains, and merge.

A :class:`LoRALinear` computes ``base(x) + (alpha / r) · x Aᵀ Bᵀ`` with ``A`` of shape
``(r, d_in)`` and ``B`` of shape ``(d_out, r)``. ``B`` starts at zero, so a freshly wrapped
layer computes exactly what the base layer computed. After training, :meth:`LoRALinear.merge`
folds the update into one ordinary ``nn.Linear`` with weight ``W + (alpha / r) · B A``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

__all__ = ["LoRALinear", "add_lora", "freeze", "lora_forward", "merge_lora"]


def lora_forward(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    A: Tensor,
    B: Tensor,
    alpha: float,
) -> Tensor:
    """``x Wᵀ + b + (alpha / r) · (x Aᵀ) Bᵀ``, with the rank ``r`` read from ``A.shape[0]``."""
    r = A.shape[0]
    if (
        B.shape[1] != r
        or A.shape[1] != weight.shape[1]
        or B.shape[0] != weight.shape[0]
    ):
        raise ValueError(
            f"shapes do not fit: W {tuple(weight.shape)} (d_out, d_in) needs"
            f" A (r, d_in) and B (d_out, r), got A {tuple(A.shape)},"
            f" B {tuple(B.shape)}"
        )
    out = x @ weight.T + (x @ A.T) @ B.T * (alpha / r)
    return out if bias is None else out + bias


def _check_lora_args(base: object, r: object, alpha: object) -> None:
    if not isinstance(base, nn.Linear):
        raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
    if (
        isinstance(r, bool)
        or not isinstance(r, int)
        or not 0 < r <= min(base.weight.shape)
    ):
        raise ValueError(
            f"rank r must be an integer in [1, {min(base.weight.shape)}], got {r!r}"
        )
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha!r}")


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` with a trainable rank-``r`` update ``(alpha / r) · B A``."""

    def __init__(
        self,
        base: nn.Linear,
        r: int,
        alpha: float = 1.0,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_lora_args(base, r, alpha)
        self.base, self.r, self.alpha = freeze(base), r, float(alpha)
        d_out, d_in = base.weight.shape
        like = {"dtype": base.weight.dtype, "device": base.weight.device}
        # A (the D of the text) starts random: Kaiming-uniform for a fan-in of d_in
        bound = 1 / math.sqrt(d_in)
        A = torch.empty(r, d_in, **like)
        A.uniform_(-bound, bound, generator=generator)
        self.A = nn.Parameter(A)  # (r, d_in): down to r dimensions
        self.B = nn.Parameter(torch.zeros(d_out, r, **like))  # (d_out, r): back up

    def forward(self, x: Tensor) -> Tensor:
        """The base layer's output plus the low-rank update: ``(..., d_out)``."""
        return self.base(x) + (x @ self.A.T) @ self.B.T * self.scale

    @property
    def scale(self) -> float:
        """The factor ``alpha / r`` in front of ``B A``."""
        return self.alpha / self.r

    def delta_weight(self) -> Tensor:
        """The update ``(alpha / r) · B A``, shaped like the base weight ``(d_out, d_in)``."""
        return self.scale * (self.B @ self.A)

    @torch.no_grad()
    def merge(self) -> nn.Linear:
        """A new ``nn.Linear`` with weight ``W + (alpha / r) · B A`` and the same bias."""
        d_out, d_in = self.base.weight.shape
        like = {"dtype": self.base.weight.dtype, "device": self.base.weight.device}
        merged = nn.Linear(d_in, d_out, bias=self.base.bias is not None, **like)
        merged.weight.copy_(self.base.weight + self.delta_weight())
        if self.base.bias is not None:
            merged.bias.copy_(self.base.bias)
        return merged


def freeze(module: nn.Module) -> nn.Module:
    """Set ``requires_grad = False`` on every parameter of ``module``; returns it."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"expected an nn.Module, got {type(module).__name__}")
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def add_lora(
    model: nn.Module,
    r: int,
    alpha: float = 1.0,
    where: Callable[[str, nn.Linear], bool] = lambda name, layer: True,
    seed: int = 0,
) -> list[str]:
    """Freeze ``model`` and replace, in place, each ``nn.Linear`` for which
    ``where(name, layer)`` is true by a :class:`LoRALinear` around it.

    Returns the names of the wrapped layers. Only the adapters' ``A`` and ``B`` train
    afterwards; unfreeze anything else (a classifier head, say) yourself.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected an nn.Module, got {type(model).__name__}")
    freeze(model)
    targets = [
        (name, m)
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) and where(name, m)
    ]
    if not targets:
        raise ValueError("no nn.Linear layer matched `where`: nothing to adapt")
    gen = torch.Generator().manual_seed(seed)
    for name, layer in targets:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, attr, LoRALinear(layer, r, alpha, generator=gen))
    return [name for name, _ in targets]


def merge_lora(model: nn.Module) -> list[str]:
    """Replace, in place, every :class:`LoRALinear` in ``model`` by its merged ``nn.Linear``.

    Returns the names of the merged layers (empty if there were none).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected an nn.Module, got {type(model).__name__}")
    names = [name for name, m in model.named_modules() if isinstance(m, LoRALinear)]
    for name in names:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, attr, getattr(parent, attr).merge())
    return names
