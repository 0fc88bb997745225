"""Decoding a language model (chapter 5.5): temperature, top-k, top-p, and a KV cache.

A model gives logits for the next token; *decoding* turns them into a choice. Greedy
decoding takes the most likely token; sampling draws from the softmax of the logits divided
by a temperature, optionally restricted to the k most likely tokens (top-k) or to the
smallest set holding probability mass p (top-p, or nucleus sampling). The filters are
applied in that order: temperature, then top-k, then top-p.

Generation feeds each new token back in. Without a cache every step recomputes the keys and
values of the whole sequence; a *KV cache* keeps them, so each step processes one token.
:func:`generate` works with any ``forward(ids, cache) -> logits``; :func:`gpt_forward_cached`
is that function for the book's :class:`~bookutils.transformer.gpt.CharGPT`.

``top_k_filter``, ``top_p_filter``, ``next_token_probs``, ``kv_update``, ``KVCache``,
``gpt_forward_cached`` and ``generate`` are shown in notebook 5.5 cell by cell; a test keeps
those cells identical to this file.
"""

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "KVCache",
    "generate",
    "gpt_forward_cached",
    "kv_update",
    "next_token_probs",
    "top_k_filter",
    "top_p_filter",
]


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """Keep the ``k`` largest logits of the last axis; set the others to -inf."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(probs: Tensor, p: float) -> Tensor:
    """Keep the smallest set of most likely tokens whose mass reaches ``p``; renormalize.

    Tokens are sorted by probability; a token is kept when the mass of the tokens before it
    is still below ``p``, so the most likely token is always kept.
    """
    if not 0 < p <= 1:
        raise ValueError(f"p must be in (0, 1], got {p!r}")
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = mass_before < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)


def next_token_probs(
    logits: Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> Tensor:
    """The distribution to sample from: softmax(logits / temperature), then top-k, top-p.

    ``temperature == 0`` means greedy: all the mass on the most likely token.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    if temperature == 0:
        return F.one_hot(logits.argmax(dim=-1), logits.shape[-1]).to(logits.dtype)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    probs = torch.softmax(logits, dim=-1)
    if top_p is not None:
        probs = top_p_filter(probs, top_p)
    return probs


def kv_update(
    cache_k: Tensor, cache_v: Tensor, k_new: Tensor, v_new: Tensor
) -> tuple[Tensor, Tensor]:
    """Append the new positions' keys and values to the cached ones.

    All four are ``(batch, heads, positions, head_dim)``; positions is the axis that grows.
    """
    return torch.cat([cache_k, k_new], dim=-2), torch.cat([cache_v, v_new], dim=-2)


class KVCache:
    """The keys and values every attention layer has computed so far, one pair per layer."""

    def __init__(self, n_layers: int) -> None:
        if (
            isinstance(n_layers, bool)
            or not isinstance(n_layers, int)
            or n_layers < 1
        ):
            raise ValueError(f"n_layers must be a positive int, got {n_layers!r}")
        self.keys: list[Tensor | None] = [None] * n_layers
        self.values: list[Tensor | None] = [None] * n_layers

    def update(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Store layer ``layer``'s new keys and values; return all of them so far."""
        if self.keys[layer] is None:
            self.keys[layer], self.values[layer] = k, v
        else:
            self.keys[layer], self.values[layer] = kv_update(
                self.keys[layer], self.values[layer], k, v
            )
        return self.keys[layer], self.values[layer]

    @property
    def length(self) -> int:
        """How many positions are cached (0 before the first forward pass)."""
        return 0 if self.keys[0] is None else self.keys[0].shape[-2]


def gpt_forward_cached(model, idx: Tensor, cache: KVCache | None = None) -> Tensor:
    """CharGPT's logits for the positions ``idx`` holds, reusing and filling ``cache``.

    ``idx`` continues the sequence the cache holds (its first position is
    ``cache.length``); with ``cache=None`` this is the model's ordinary forward pass.
    """
    start = cache.length if cache is not None else 0
    B, T = idx.shape
    if start + T > model.cfg.block_size:
        raise ValueError(
            f"{start + T} positions exceed the model's block_size"
            f" {model.cfg.block_size}"
        )
    x = model.tok(idx) + model.pos(
        torch.arange(start, start + T, device=idx.device)
    )
    # query i (position start + i) may look at keys 0 .. start + i
    allowed = torch.ones(T, start + T, dtype=torch.bool, device=idx.device).tril(
        start
    )
    for layer, block in enumerate(model.blocks):
        h = block.ln1(x)
        d, H = h.shape[-1], block.attn.n_heads
        q, k, v = (
            t.view(B, T, H, d // H).transpose(1, 2)
            for t in block.attn.qkv(h).split(d, dim=-1)
        )
        if cache is not None:
            k, v = cache.update(layer, k, v)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        x = x + block.attn.proj(y.transpose(1, 2).reshape(B, T, d))
        x = x + block.ffn(block.ln2(x))
    return model.ln_f(x) @ model.tok.weight.T


@torch.no_grad()
def generate(
    forward: Callable[[Tensor, KVCache | None], Tensor],
    prompt: Sequence[int],
    max_new_tokens: int,
    *,
    n_layers: int,
    use_cache: bool = True,
    temperature: float = 0.0,
    top_k: int | None = None,
    top_p: float | None = None,
    stop: int | None = None,
    seed: int = 0,
) -> list[int]:
    """Continue ``prompt`` by up to ``max_new_tokens`` tokens; return only the new ones.

    ``forward(ids, cache)`` gives logits ``(1, T, V)``. With ``use_cache`` the prompt is
    processed once and then one token per step; without it, the whole sequence every step.
    Sampling uses its own generator seeded with ``seed``; ``stop`` ends generation early.
    """
    if not prompt:
        raise ValueError("prompt is empty: give at least one token id")
    generator = torch.Generator().manual_seed(seed)
    ids = list(prompt)
    cache = KVCache(n_layers) if use_cache else None
    new: list[int] = []
    step_input = ids
    for _ in range(max_new_tokens):
        logits = forward(torch.tensor([step_input]), cache)[0, -1]
        probs = next_token_probs(logits.double(), temperature, top_k, top_p)
        token = (
            int(torch.multinomial(probs, 1, generator=generator))
            if temperature > 0
            else int(probs.argmax())
        )
        new.append(token)
        ids.append(token)
        if token == stop:
            break
        step_input = [token] if use_cache else ids
    return new
