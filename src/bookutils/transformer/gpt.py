"""A tiny character-level GPT for chapter 5.3, written piece by piece: causal
self-attention, the MLP, the pre-norm block, the model with tied output layer, language-model
batches, loss and training, and a classifier that puts a head on the pre-trained network.

The model is a pre-norm decoder in the style of GPT-2 (Radford et al., 2019): token and
learned position embeddings, ``n_layers`` blocks of causal self-attention and an MLP (each
with a residual connection), a final layer norm, and an output layer that shares the
token-embedding matrix. The heads are split and merged with chapter 4.3's ``split_heads``
and ``merge_heads``; attention itself is PyTorch's fused
``torch.nn.functional.scaled_dot_product_attention(..., is_causal=True)``, which computes
what ``bookutils.transformer.attention.scaled_dot_product_attention`` computes with
``causal=True``, only faster. Chapter 5.3 shows these definitions in its cells
(``tests/test_char_gpt.py`` keeps the two identical); argument checks live in the private
helpers below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._validate import positive_int
from ..optim.schedules import warmup_cosine_lr
from ..training.loop import fit
from .attention import merge_heads, split_heads

__all__ = [
    "MLP",
    "Block",
    "CausalSelfAttention",
    "CharGPT",
    "GPTClassifier",
    "GPTConfig",
    "estimate_loss",
    "finetune_classifier",
    "generate_chars",
    "lm_batch",
    "lm_loss",
    "train_lm",
]


@dataclass(frozen=True)
class GPTConfig:
    """Sizes of a :class:`CharGPT`: vocabulary, context length, width, heads and depth."""

    vocab_size: int
    block_size: int = 64
    d_model: int = 128
    n_heads: int = 4
    n_layers: int = 2

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "d_model", "n_heads", "n_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"{name} must be a positive integer, got {value!r}"
                )
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_heads"
                f" ({self.n_heads})"
            )


# ------------------------------------------------------------ private argument checks


def _check_config(cfg: object) -> None:
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"expected a GPTConfig, got {type(cfg).__name__}")


def _check_ids(idx: object, block_size: int) -> None:
    if not isinstance(idx, Tensor) or idx.dtype != torch.long or idx.ndim != 2:
        raise TypeError("idx must be a (batch, time) tensor of dtype torch.long")
    if idx.shape[1] > block_size:
        raise ValueError(
            f"sequence length {idx.shape[1]} exceeds block_size {block_size}"
        )


def _check_lm_data(data: Tensor, block_size: int) -> None:
    if data.ndim != 1 or len(data) <= block_size:
        raise ValueError(
            f"data must be 1-D and longer than block_size={block_size}"
        )


def _check_classifier_args(backbone: object, n_classes: object) -> None:
    if not (isinstance(backbone, nn.Module) and hasattr(backbone, "features")):
        raise TypeError(
            "backbone must be a CharGPT (a module with .features and .cfg), got"
            f" {type(backbone).__name__}"
        )
    if (
        isinstance(n_classes, bool)
        or not isinstance(n_classes, int)
        or n_classes < 2
    ):
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")


def _init_weights(module: nn.Module) -> None:
    """GPT-2's initialisation: weights from N(0, 0.02²), biases at zero."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


# ------------------------------------------------------------------------- the model


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees only positions 0..t."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        # W_Q, W_K, W_V side by side, then the output projection W_O
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, T, C)`` → ``(B, T, C)``."""
        C = x.shape[-1]
        q, k, v = self.qkv(x).split(C, dim=-1)  # each (B, T, C)
        # H heads of width C/H, as in 4.3: each (B, H, T, C/H)
        q, k, v = (split_heads(t, self.n_heads) for t in (q, k, v))
        # softmax(q kᵀ / √(C/H)) v, where position t sees positions 0..t only
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(merge_heads(y))  # heads side by side (B, T, C), then W_O


class MLP(nn.Module):
    """The feed-forward part of a block: ``Linear(C, 4C)``, GELU, ``Linear(4C, C)``."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.proj = nn.Linear(4 * cfg.d_model, cfg.d_model)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, T, C)`` → ``(B, T, C)``, each position on its own."""
        return self.proj(F.gelu(self.fc(x)))  # (B, T, 4C) in between


class Block(nn.Module):
    """Pre-norm block: ``x + attn(LN(x))``, then ``x + mlp(LN(x))``."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.ffn = MLP(cfg)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, T, C)`` → ``(B, T, C)``."""
        x = x + self.attn(self.ln1(x))  # the positions exchange information
        return x + self.ffn(self.ln2(x))  # each position computes on its own


class CharGPT(nn.Module):
    """The decoder: ids ``(B, T)`` → next-character logits ``(B, T, vocab_size)``."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        _check_config(cfg)
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)  # one per character
        self.pos = nn.Embedding(cfg.block_size, cfg.d_model)  # one per position
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(_init_weights)

    def features(self, idx: Tensor) -> Tensor:
        """The final hidden states ``(B, T, C)``, after the last layer norm."""
        _check_ids(idx, self.cfg.block_size)
        T = idx.shape[1]
        positions = torch.arange(T, device=idx.device)  # 0, 1, ..., T-1
        x = self.tok(idx) + self.pos(positions)  # (B, T, C) + (T, C)
        for block in self.blocks:
            x = block(x)  # (B, T, C)
        return self.ln_f(x)

    def forward(self, idx: Tensor) -> Tensor:
        """Next-character logits; the output layer reuses the token embedding (tied)."""
        return self.features(idx) @ self.tok.weight.T  # (B, T, C) @ (C, V)


# ------------------------------------------------------------------------ training


def lm_batch(
    data: Tensor, block_size: int, batch_size: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Random windows ``x`` of ``data`` (1-D ids) and their targets ``y``, shifted by one."""
    _check_lm_data(data, block_size)
    starts = torch.randint(
        len(data) - block_size, (batch_size,), generator=generator
    )
    x = torch.stack([data[s : s + block_size] for s in starts.tolist()])  # (B, T)
    y = torch.stack([data[s + 1 : s + 1 + block_size] for s in starts.tolist()])
    return x, y


def lm_loss(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy of the next-character predictions (nats per character)."""
    logits = model(x)  # (B, T, V)
    # one prediction per position: (B·T, V) against (B·T,)
    return F.cross_entropy(logits.flatten(0, 1), y.flatten())


@torch.no_grad()
def estimate_loss(
    model: nn.Module,
    data: Tensor,
    batches: int = 4,
    batch_size: int = 64,
    seed: int = 1,
) -> float:
    """Mean :func:`lm_loss` on ``batches`` random batches of ``data``, drawn with ``seed``
    (the same batches at every call, so that successive estimates compare)."""
    gen = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    total = 0.0
    for _ in range(batches):
        x, y = lm_batch(data, model.cfg.block_size, batch_size, gen)
        total += lm_loss(model, x.to(device), y.to(device)).item()
    return total / batches


def train_lm(
    model: nn.Module,
    train: Tensor,
    val: Tensor,
    *,
    steps: int,
    batch_size: int = 32,
    lr: float = 3e-3,
    eval_every: int = 25,
    eval_batches: int = 4,
    seed: int = 0,
) -> dict[str, list]:
    """Pre-train ``model`` on next-character prediction with AdamW.

    ``train`` and ``val`` are 1-D id tensors (kept on the CPU; batches move to the model's
    device). The learning rate warms up linearly from ``lr / 10`` over the first 10% of
    steps and then decays with a cosine to ``lr / 10`` (chapter 3.3's
    ``warmup_cosine_lr``); gradients are clipped to norm 1. Every ``eval_every`` steps
    and at the end, :func:`estimate_loss` on ``eval_batches`` fixed validation batches is
    recorded. Returns a history dict with ``step``, ``train_loss`` (every step) and
    ``val_step``, ``val_loss``.
    """
    positive_int("steps", steps)
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    hist: dict[str, list] = {
        "step": [],
        "train_loss": [],
        "val_step": [],
        "val_loss": [],
    }
    model.train()
    for step in range(steps + 1):
        if step % eval_every == 0 or step == steps:
            hist["val_step"].append(step)
            hist["val_loss"].append(
                estimate_loss(model, val, eval_batches, 64, seed + 1)
            )
        if step == steps:
            break
        rate = warmup_cosine_lr(
            step, lr, steps // 10, steps, lr / 10, start_factor=0.1
        )
        for group in opt.param_groups:
            group["lr"] = rate
        x, y = lm_batch(train, model.cfg.block_size, batch_size, gen)  # (B, T) each
        loss = lm_loss(model, x.to(device), y.to(device))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        hist["step"].append(step)
        hist["train_loss"].append(loss.item())
    model.eval()
    return hist


@torch.no_grad()
def generate_chars(
    model: CharGPT,
    prompt: Sequence[int],
    n_new: int,
    *,
    temperature: float = 0.8,
    seed: int = 0,
) -> list[int]:
    """Sample ``n_new`` ids after ``prompt``, one at a time, at the given temperature."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if len(prompt) == 0:
        raise ValueError("the prompt needs at least one id")
    model.eval()
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    ids = torch.tensor([list(prompt)], dtype=torch.long, device=device)
    for _ in range(n_new):
        logits = model(ids[:, -model.cfg.block_size :])[:, -1] / temperature
        nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=gen)
        ids = torch.cat([ids, nxt], dim=1)
    return ids[0].tolist()


# -------------------------------------------------------------------- fine-tuning


class GPTClassifier(nn.Module):
    """A :class:`CharGPT` backbone with a linear head on its mean-pooled hidden states."""

    def __init__(self, backbone: CharGPT, n_classes: int) -> None:
        super().__init__()
        _check_classifier_args(backbone, n_classes)
        self.backbone = backbone
        self.head = nn.Linear(backbone.cfg.d_model, n_classes)

    def forward(self, idx: Tensor) -> Tensor:
        """Class logits ``(B, n_classes)`` for ids ``(B, T)``."""
        h = self.backbone.features(idx)  # (B, T, C)
        return self.head(
            h.mean(dim=1)
        )  # average over positions: (B, C) -> (B, classes)


def finetune_classifier(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    *,
    epochs: int,
    lr: float,
    batch_size: int = 16,
    seed: int = 0,
) -> list[float]:
    """Train the parameters of ``model`` that require grads on ``(X, y)`` with AdamW and
    cross-entropy, ``epochs`` passes in a seeded random order. Returns the batch losses."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameter")
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same length, got {len(X)} and {len(y)}"
        )
    device = params[0].device
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    batches = (
        (X[batch].to(device), y[batch].to(device))
        for _ in range(epochs)
        for batch in torch.randperm(len(X), generator=gen).split(batch_size)
    )
    model.train()
    losses = fit(model, batches, lambda m, xb, yb: F.cross_entropy(m(xb), yb), opt)
    model.eval()
    return losses
