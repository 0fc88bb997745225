"""A tiny character-level GPT for chapter 5.3: the model, language-model training, sampling,
and a classifier that puts a head on the pre-trained network.

The model is a pre-norm decoder in the style of GPT-2 (Radford et al., 2019): token and
position embeddings, ``n_layers`` blocks of causal self-attention and a feed-forward
network (each with a residual connection), a final layer norm, and an output layer that
shares the token-embedding matrix. Attention uses
``torch.nn.functional.scaled_dot_product_attention(..., is_causal=True)``, which computes
what ``bookutils.transformer.attention.scaled_dot_product_attention`` computes with ``causal=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..training.loop import fit

__all__ = [
    "Block",
    "CausalSelfAttention",
    "CharGPT",
    "GPTClassifier",
    "GPTConfig",
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


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees only positions 0..t."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        self.qkv = nn.Linear(
            cfg.d_model, 3 * cfg.d_model
        )  # W_Q, W_K, W_V side by side
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)  # the output projection W_O

    def forward(self, x: Tensor) -> Tensor:
        """``x``: ``(B, T, d)`` → ``(B, T, d)``."""
        B, T, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (
            t.view(B, T, self.n_heads, d // self.n_heads).transpose(1, 2)
            for t in (q, k, v)
        )
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(B, T, d))


class Block(nn.Module):
    """Pre-norm block: ``x + attn(LN(x))``, then ``x + ffn(LN(x))`` with a 4d GELU layer."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = CausalSelfAttention(cfg)
        self.ffn = nn.Sequential(
            nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)
        )

    def forward(self, x: Tensor) -> Tensor:
        """``(B, T, d)`` → ``(B, T, d)``."""
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class CharGPT(nn.Module):
    """The decoder: ids ``(B, T)`` → next-character logits ``(B, T, vocab_size)``."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        if not isinstance(cfg, GPTConfig):
            raise TypeError(f"expected a GPTConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.block_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def features(self, idx: Tensor) -> Tensor:
        """The final hidden states ``(B, T, d_model)``, after the last layer norm."""
        if not isinstance(idx, Tensor) or idx.dtype != torch.long or idx.ndim != 2:
            raise TypeError(
                "idx must be a (batch, time) tensor of dtype torch.long"
            )
        if idx.shape[1] > self.cfg.block_size:
            raise ValueError(
                f"sequence length {idx.shape[1]} exceeds block_size"
                f" {self.cfg.block_size}"
            )
        positions = torch.arange(idx.shape[1], device=idx.device)
        x = self.tok(idx) + self.pos(positions)
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x)

    def forward(self, idx: Tensor) -> Tensor:
        """Next-character logits; the output layer reuses the token embedding (tied)."""
        return self.features(idx) @ self.tok.weight.T


def lm_batch(
    data: Tensor, block_size: int, batch_size: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Random windows ``x`` of ``data`` (1-D ids) and their targets ``y``, shifted by one."""
    if data.ndim != 1 or len(data) <= block_size:
        raise ValueError(
            f"data must be 1-D and longer than block_size={block_size}"
        )
    starts = torch.randint(
        len(data) - block_size, (batch_size,), generator=generator
    )
    x = torch.stack([data[s : s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + 1 + block_size] for s in starts.tolist()])
    return x, y


def lm_loss(model: CharGPT, x: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy of the next-character predictions (nats per character)."""
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@torch.no_grad()
def _eval_loss(
    model: CharGPT, data: Tensor, batches: int, batch_size: int, seed: int
) -> float:
    was_training = model.training
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    total = 0.0
    for _ in range(batches):
        x, y = lm_batch(data, model.cfg.block_size, batch_size, gen)
        total += lm_loss(model, x.to(device), y.to(device)).item()
    model.train(was_training)
    return total / batches


def train_lm(
    model: CharGPT,
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
    device). The learning rate warms up linearly over the first 10% of steps and then
    decays with a cosine to 10% of ``lr``. Every ``eval_every`` steps the loss on
    ``eval_batches`` fixed validation batches is recorded. Returns a history dict with
    ``step``, ``train_loss`` (every step) and ``val_step``, ``val_loss``.
    """
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}")
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, steps // 10)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = (step - warm) / max(1, steps - warm)
        return 0.1 + 0.9 * 0.5 * (
            1 + torch.cos(torch.tensor(torch.pi * progress)).item()
        )

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    hist: dict[str, list] = {
        "step": [],
        "train_loss": [],
        "val_step": [],
        "val_loss": [],
    }

    def evaluate(step: int) -> None:
        hist["val_step"].append(step)
        hist["val_loss"].append(_eval_loss(model, val, eval_batches, 64, seed + 1))

    def after_step(step: int, loss: float) -> None:
        hist["step"].append(step)
        hist["train_loss"].append(loss)
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            evaluate(step + 1)

    batches = (
        lm_batch(train, model.cfg.block_size, batch_size, gen) for _ in range(steps)
    )
    model.train()
    evaluate(0)
    fit(
        model,
        batches,
        lambda m, x, y: lm_loss(m, x.to(device), y.to(device)),
        opt,
        clip_norm=1.0,
        scheduler=sched,
        on_step=after_step,
    )
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


class GPTClassifier(nn.Module):
    """A :class:`CharGPT` backbone with a linear head on its mean-pooled hidden states."""

    def __init__(self, backbone: CharGPT, n_classes: int) -> None:
        super().__init__()
        if not isinstance(backbone, CharGPT):
            raise TypeError(
                f"backbone must be a CharGPT, got {type(backbone).__name__}"
            )
        if (
            isinstance(n_classes, bool)
            or not isinstance(n_classes, int)
            or n_classes < 2
        ):
            raise ValueError(
                f"n_classes must be an integer >= 2, got {n_classes!r}"
            )
        self.backbone = backbone
        self.head = nn.Linear(backbone.cfg.d_model, n_classes)

    def forward(self, idx: Tensor) -> Tensor:
        """Class logits ``(B, n_classes)`` for ids ``(B, T)``."""
        return self.head(self.backbone.features(idx).mean(dim=1))


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
