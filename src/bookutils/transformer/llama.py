"""A Llama-style decoder from scratch (chapter 5.6), and loading SmolLM2's weights from GGUF.

The pieces that set Llama apart from the GPT of chapter 5.3 {Touvron et al. 2023}: RMSNorm
instead of layer norm, rotary position embeddings (RoPE) instead of learned positions, a
SwiGLU feed-forward layer, and grouped-query attention (several query heads share one
key/value head). :func:`load_smollm2` reads SmolLM2-135M-Instruct's GGUF file with the
``gguf`` package, dequantizes its tensors, and fills a :class:`Llama` with them.

``rms_norm``, ``rope_cos_sin``, ``rotate_half``, ``apply_rope``, ``repeat_kv``, ``swiglu``,
``LlamaBlock`` and ``Llama`` are shown in notebook 5.6; a test keeps those cells identical to
this file.
"""

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .sampling import KVCache

__all__ = [
    "Llama",
    "LlamaBlock",
    "LlamaConfig",
    "apply_rope",
    "load_smollm2",
    "repeat_kv",
    "rms_norm",
    "rope_cos_sin",
    "rotate_half",
    "swiglu",
    "to_transformers",
    "unpermute_rope_rows",
]


@dataclass(frozen=True)
class LlamaConfig:
    """Sizes of a :class:`Llama` (SmolLM2-135M: 49152, 576, 30, 9, 3, 1536)."""

    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    d_ff: int
    rope_base: float = 10000.0
    eps: float = 1e-5

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads or self.n_heads % self.n_kv_heads:
            raise ValueError(
                f"n_heads ({self.n_heads}) must divide d_model ({self.d_model})"
                f" and be a multiple of n_kv_heads ({self.n_kv_heads})"
            )

    @property
    def head_dim(self) -> int:
        """Size of one attention head: d_model / n_heads."""
        return self.d_model // self.n_heads


def rms_norm(x: Tensor, weight: Tensor, eps: float) -> Tensor:
    """Divide ``x`` by the root mean square of its last axis, then scale by ``weight``."""
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * weight


def rope_cos_sin(
    head_dim: int, positions: Tensor, base: float
) -> tuple[Tensor, Tensor]:
    """Cosines and sines of the rotation angles, ``(len(positions), head_dim)`` each.

    Pair ``i`` (dimensions ``i`` and ``i + head_dim/2``) turns by ``position * base**(-2i/d)``.
    """
    freqs = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    angles = positions.float()[:, None] * freqs[None, :]
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x: Tensor) -> Tensor:
    """``(x1, x2) -> (-x2, x1)`` on the two halves of the last axis."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate each pair of dimensions of ``x`` (``(..., T, head_dim)``) by its angle."""
    return x * cos + rotate_half(x) * sin


def repeat_kv(x: Tensor, n_rep: int) -> Tensor:
    """``(B, n_kv_heads, T, d)`` -> ``(B, n_kv_heads * n_rep, T, d)``: each key/value head
    serves ``n_rep`` consecutive query heads."""
    return x.repeat_interleave(n_rep, dim=1)


def swiglu(x: Tensor, gate: nn.Linear, up: nn.Linear, down: nn.Linear) -> Tensor:
    """The SwiGLU feed-forward layer: ``down(silu(gate(x)) * up(x))``."""
    return down(F.silu(gate(x)) * up(x))


class LlamaBlock(nn.Module):
    """Pre-norm block: ``x + attn(rms(x))``, then ``x + swiglu(rms(x))``."""

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        d, hd = cfg.d_model, cfg.head_dim
        self.cfg = cfg
        self.attn_norm = nn.Parameter(torch.ones(d))
        self.q = nn.Linear(d, cfg.n_heads * hd, bias=False)
        self.k = nn.Linear(d, cfg.n_kv_heads * hd, bias=False)
        self.v = nn.Linear(d, cfg.n_kv_heads * hd, bias=False)
        self.o = nn.Linear(cfg.n_heads * hd, d, bias=False)
        self.ffn_norm = nn.Parameter(torch.ones(d))
        self.gate = nn.Linear(d, cfg.d_ff, bias=False)
        self.up = nn.Linear(d, cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, d, bias=False)

    def forward(
        self,
        x: Tensor,
        cos: Tensor,
        sin: Tensor,
        cache: KVCache | None = None,
        layer: int = 0,
    ) -> Tensor:
        """``x``: ``(B, T, d_model)``; ``cos``, ``sin`` for the T positions x holds."""
        cfg, (B, T, _) = self.cfg, x.shape
        h = rms_norm(x, self.attn_norm, cfg.eps)
        q = self.q(h).view(B, T, cfg.n_heads, cfg.head_dim).transpose(1, 2)
        k = self.k(h).view(B, T, cfg.n_kv_heads, cfg.head_dim).transpose(1, 2)
        v = self.v(h).view(B, T, cfg.n_kv_heads, cfg.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            k, v = cache.update(layer, k, v)
        start = k.shape[2] - T  # positions already in the cache
        allowed = torch.ones(T, start + T, dtype=torch.bool, device=x.device).tril(
            start
        )
        n_rep = cfg.n_heads // cfg.n_kv_heads
        y = F.scaled_dot_product_attention(
            q, repeat_kv(k, n_rep), repeat_kv(v, n_rep), attn_mask=allowed
        )
        x = x + self.o(y.transpose(1, 2).reshape(B, T, -1))
        return x + swiglu(
            rms_norm(x, self.ffn_norm, cfg.eps), self.gate, self.up, self.down
        )


class Llama(nn.Module):
    """The decoder: token ids ``(B, T)`` -> next-token logits ``(B, T, vocab_size)``.

    The output layer reuses the token embedding (tied weights), as SmolLM2 does.
    """

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(LlamaBlock(cfg) for _ in range(cfg.n_layers))
        self.norm = nn.Parameter(torch.ones(cfg.d_model))

    def forward(self, ids: Tensor, cache: KVCache | None = None) -> Tensor:
        """Logits for ``ids``, which continue the sequence in ``cache`` (if any)."""
        start = cache.length if cache is not None else 0
        positions = torch.arange(start, start + ids.shape[1], device=ids.device)
        cos, sin = rope_cos_sin(self.cfg.head_dim, positions, self.cfg.rope_base)
        x = self.embed(ids)
        for layer, block in enumerate(self.blocks):
            x = block(x, cos, sin, cache, layer)
        return rms_norm(x, self.norm, self.cfg.eps) @ self.embed.weight.T


def unpermute_rope_rows(w: Tensor, n_heads: int) -> Tensor:
    """Undo the row order llama.cpp gives Q and K weights in GGUF files.

    llama.cpp's RoPE rotates adjacent dimensions (0, 1), (2, 3)...; ours, like transformers',
    rotates dimension i with i + head_dim/2. Its converter reorders each head's rows to
    match; this puts them back.
    """
    rows = w.shape[0]
    if rows % (2 * n_heads):
        raise ValueError(
            f"{rows} rows cannot be split into {n_heads} heads of pairs"
        )
    return (
        w.reshape(n_heads, rows // n_heads // 2, 2, *w.shape[1:])
        .transpose(1, 2)
        .reshape(w.shape)
    )


def load_smollm2(path: str | Path | None = None, *, reader=None) -> Llama:
    """SmolLM2-135M-Instruct from its GGUF file, dequantized to float32, in a :class:`Llama`.

    Pass an open ``gguf.GGUFReader`` as ``reader`` to avoid parsing the file again.
    """
    import gguf
    from gguf.quants import dequantize

    from .smollm2 import smollm2_gguf_path

    if reader is None:
        reader = gguf.GGUFReader(str(path or smollm2_gguf_path()))

    def meta(key: str) -> float:
        return reader.fields[f"llama.{key}"].parts[-1][0].item()

    cfg = LlamaConfig(
        vocab_size=int(meta("vocab_size")),
        d_model=int(meta("embedding_length")),
        n_layers=int(meta("block_count")),
        n_heads=int(meta("attention.head_count")),
        n_kv_heads=int(meta("attention.head_count_kv")),
        d_ff=int(meta("feed_forward_length")),
        rope_base=float(meta("rope.freq_base")),
        eps=float(meta("attention.layer_norm_rms_epsilon")),
    )
    tensors = {
        t.name: torch.from_numpy(dequantize(t.data, t.tensor_type).copy())
        for t in reader.tensors
    }
    model = Llama(cfg)
    names = {
        "attn_norm.weight": "attn_norm",
        "attn_q.weight": "q.weight",
        "attn_k.weight": "k.weight",
        "attn_v.weight": "v.weight",
        "attn_output.weight": "o.weight",
        "ffn_norm.weight": "ffn_norm",
        "ffn_gate.weight": "gate.weight",
        "ffn_up.weight": "up.weight",
        "ffn_down.weight": "down.weight",
    }
    state = {
        "embed.weight": tensors["token_embd.weight"],
        "norm": tensors["output_norm.weight"],
    }
    for i in range(cfg.n_layers):
        for theirs, ours in names.items():
            w = tensors[f"blk.{i}.{theirs}"]
            if theirs == "attn_q.weight":
                w = unpermute_rope_rows(w, cfg.n_heads)
            elif theirs == "attn_k.weight":
                w = unpermute_rope_rows(w, cfg.n_kv_heads)
            state[f"blocks.{i}.{ours}"] = w
    model.load_state_dict(state, strict=True)
    return model.eval()


def to_transformers(model: Llama):
    """The same weights in transformers' ``LlamaForCausalLM``, to compare outputs with.

    The two models share the weight tensors (no copy); only the rotary tables are rebuilt.
    """
    from transformers import LlamaConfig as HFConfig
    from transformers import LlamaForCausalLM

    cfg = model.cfg
    config = HFConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.d_ff,
        num_hidden_layers=cfg.n_layers,
        num_attention_heads=cfg.n_heads,
        num_key_value_heads=cfg.n_kv_heads,
        rms_norm_eps=cfg.eps,
        rope_theta=cfg.rope_base,
        tie_word_embeddings=True,
        max_position_embeddings=8192,
    )
    with torch.device(
        "meta"
    ):  # no random initialization of weights about to be replaced
        hf = LlamaForCausalLM(config)
    names = {
        "attn_norm": "input_layernorm.weight",
        "q.weight": "self_attn.q_proj.weight",
        "k.weight": "self_attn.k_proj.weight",
        "v.weight": "self_attn.v_proj.weight",
        "o.weight": "self_attn.o_proj.weight",
        "ffn_norm": "post_attention_layernorm.weight",
        "gate.weight": "mlp.gate_proj.weight",
        "up.weight": "mlp.up_proj.weight",
        "down.weight": "mlp.down_proj.weight",
    }
    state = {
        "model.embed_tokens.weight": model.embed.weight,
        "model.norm.weight": model.norm,
        "lm_head.weight": model.embed.weight,
    }
    for i in range(cfg.n_layers):
        for ours, theirs in names.items():
            state[f"model.layers.{i}.{theirs}"] = model.state_dict()[
                f"blocks.{i}.{ours}"
            ]
    hf.load_state_dict(state, strict=True, assign=True)
    hf.model.rotary_emb = type(hf.model.rotary_emb)(
        config
    )  # its buffers are not weights
    return hf.eval()
