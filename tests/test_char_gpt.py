"""The tiny character-level GPT of chapter 5.3, checked against torch's own layers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from bookutils.metrics import accuracy
from bookutils.sizing.param_count import count_parameters, gpt_params
from bookutils.transformer import gpt
from bookutils.transformer.attention import scaled_dot_product_attention
from bookutils.transformer.gpt import (
    MLP,
    Block,
    CausalSelfAttention,
    CharGPT,
    GPTClassifier,
    GPTConfig,
    finetune_classifier,
    generate_chars,
    lm_batch,
    lm_loss,
    train_lm,
)

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "05_practice" / "5_3_finetuning.ipynb"
)
CFG = GPTConfig(vocab_size=11, block_size=8, d_model=16, n_heads=4, n_layers=2)


def test_config_validates():
    with pytest.raises(ValueError, match="positive integer"):
        GPTConfig(vocab_size=0)
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(vocab_size=5, d_model=10, n_heads=4)
    with pytest.raises(TypeError, match="GPTConfig"):
        CharGPT({"vocab_size": 5})


def test_causal_self_attention_equals_nn_multihead_attention():
    torch.manual_seed(0)
    attn = CausalSelfAttention(CFG).double()
    mha = nn.MultiheadAttention(16, 4, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(attn.qkv.weight)
        mha.in_proj_bias.copy_(attn.qkv.bias)
        mha.out_proj.weight.copy_(attn.proj.weight)
        mha.out_proj.bias.copy_(attn.proj.bias)
    x = torch.randn(3, 8, 16, dtype=torch.float64)
    hide = torch.ones(8, 8, dtype=torch.bool).triu(1)  # torch's mask: True = ignore
    expected, _ = mha(x, x, x, attn_mask=hide, need_weights=False)
    assert torch.allclose(attn(x), expected, atol=1e-12)
    q, k, v = attn.qkv(x).split(16, dim=-1)
    heads = [t.view(3, 8, 4, 4).transpose(1, 2) for t in (q, k, v)]
    ours = (
        scaled_dot_product_attention(*heads, causal=True)
        .transpose(1, 2)
        .reshape(3, 8, 16)
    )
    assert torch.allclose(attn(x), attn.proj(ours), atol=1e-12)


def test_block_is_pre_norm_residual():
    torch.manual_seed(1)
    block = Block(CFG)
    x = torch.randn(2, 5, 16)
    h = x + block.attn(block.ln1(x))
    assert torch.allclose(block(x), h + block.ffn(block.ln2(h)))


def test_char_gpt_counts_shapes_causality_and_tied_output():
    torch.manual_seed(2)
    model = CharGPT(CFG)
    assert count_parameters(model) == gpt_params(2, 16, 11, 8)
    idx = torch.randint(11, (2, 8))
    logits = model(idx)
    assert logits.shape == (2, 8, 11)
    assert torch.allclose(logits, model.features(idx) @ model.tok.weight.T)
    changed = idx.clone()
    changed[:, 5] = (changed[:, 5] + 1) % 11  # the future must not leak back
    assert torch.allclose(model(changed)[:, :5], logits[:, :5], atol=1e-6)
    assert not torch.allclose(model(changed)[:, 5:], logits[:, 5:], atol=1e-6)
    with pytest.raises(TypeError, match="torch.long"):
        model(idx.float())
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 9, dtype=torch.long))


def test_lm_batch_and_loss():
    data = torch.arange(30) % 11
    x, y = lm_batch(data, 8, 4, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8) and torch.equal(x[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="longer than block_size"):
        lm_batch(torch.arange(5), 8, 2, torch.Generator())
    model = CharGPT(CFG)
    logits = model(x)
    expected = nn.CrossEntropyLoss()(logits.reshape(-1, 11), y.reshape(-1))
    assert torch.allclose(lm_loss(model, x, y), expected)


def test_train_lm_learns_a_repeating_pattern_and_generate_continues_it():
    torch.manual_seed(3)
    model = CharGPT(CFG)
    data = torch.tensor([0, 1, 2, 3, 4] * 40)
    hist = train_lm(
        model,
        data[:150],
        data[150:],
        steps=60,
        batch_size=8,
        lr=1e-2,
        eval_every=20,
        eval_batches=2,
    )
    assert hist["val_step"] == [0, 20, 40, 60] and len(hist["train_loss"]) == 60
    assert hist["val_loss"][-1] < 0.2 * hist["val_loss"][0]
    out = generate_chars(model, [0, 1, 2], 12, temperature=0.5, seed=1)
    assert out == [0, 1, 2, 3, 4] * 3
    with pytest.raises(ValueError, match="temperature"):
        generate_chars(model, [0], 3, temperature=0)
    with pytest.raises(ValueError, match="prompt"):
        generate_chars(model, [], 3)
    with pytest.raises(ValueError, match="steps"):
        train_lm(model, data, data, steps=0)


def test_gpt_classifier_pools_the_backbone_features():
    torch.manual_seed(4)
    clf = GPTClassifier(CharGPT(CFG), 3)
    idx = torch.randint(11, (5, 8))
    expected = clf.head(clf.backbone.features(idx).mean(dim=1))
    assert clf(idx).shape == (5, 3) and torch.allclose(clf(idx), expected)
    with pytest.raises(TypeError, match="CharGPT"):
        GPTClassifier(nn.Linear(2, 2), 2)
    with pytest.raises(ValueError, match="n_classes"):
        GPTClassifier(CharGPT(CFG), 1)


def test_finetune_classifier_and_accuracy_on_a_separable_task():
    torch.manual_seed(5)
    y = torch.arange(32) % 2
    X = (
        torch.randint(1, 6, (32, 8)) + 5 * y[:, None]
    )  # class 0 uses ids 1-5, class 1 6-10
    clf = GPTClassifier(CharGPT(CFG), 2)
    logits = clf(X)
    assert accuracy(clf, X, y) == (logits.argmax(1) == y).float().mean().item()
    losses = finetune_classifier(clf, X, y, epochs=20, lr=3e-3, batch_size=8)
    assert len(losses) == 20 * 4 and accuracy(clf, X, y) == 1.0
    with pytest.raises(ValueError, match="same length"):
        finetune_classifier(clf, X, y[:3], epochs=1, lr=1e-3)
    for p in clf.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable"):
        finetune_classifier(clf, X, y, epochs=1, lr=1e-3)


def test_chapter_5_3_shows_the_lesson_code():
    assert_notebook_shows(
        NOTEBOOK,
        gpt,
        {
            "CausalSelfAttention",
            "MLP",
            "Block",
            "CharGPT",
            "lm_batch",
            "lm_loss",
            "estimate_loss",
            "train_lm",
            "GPTClassifier",
        },
    )


def test_mlp_is_linear_gelu_linear_and_estimate_loss_is_repeatable():
    torch.manual_seed(6)
    mlp = MLP(CFG)
    x = torch.randn(2, 3, 16)
    expected = mlp.proj(torch.nn.functional.gelu(mlp.fc(x)))
    assert mlp.fc.out_features == 64 and torch.allclose(mlp(x), expected)
    model = CharGPT(CFG)
    data = torch.arange(40) % 11
    first = gpt.estimate_loss(model, data, batches=2, batch_size=4, seed=3)
    assert first == gpt.estimate_loss(model, data, batches=2, batch_size=4, seed=3)
    gen = torch.Generator().manual_seed(3)
    by_hand = sum(
        lm_loss(model, *lm_batch(data, 8, 4, gen)).item() for _ in range(2)
    )
    assert abs(first - by_hand / 2) < 1e-12


def test_classifier_takes_a_notebook_defined_backbone():
    """The notebook defines its own CharGPT class: the classifier checks duck-typing."""

    class Backbone(torch.nn.Module):
        cfg = CFG

        def features(self, idx):
            return torch.ones(*idx.shape, CFG.d_model)

    clf = GPTClassifier(Backbone(), 2)
    assert clf(torch.zeros(3, 4, dtype=torch.long)).shape == (3, 2)
