"""LoRA from scratch: the adapter's forward and gradients against plain torch, merging,
adding adapters to a model and counting what trains; the self-check's own cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from bookutils.checks.lora import CASES, check_lora_forward
from bookutils.sizing.param_count import count_parameters
from bookutils.transformer import lora
from bookutils.transformer.lora import (
    LoRALinear,
    add_lora,
    freeze,
    lora_forward,
    merge_lora,
)

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "05_practice" / "5_3_finetuning.ipynb"
)
DT = torch.float64


def _trained(layer: LoRALinear, seed: int) -> LoRALinear:
    with torch.no_grad():
        layer.B.normal_(generator=torch.Generator().manual_seed(seed))
    return layer


def test_lora_forward_is_the_low_rank_formula():
    g = torch.Generator().manual_seed(0)
    x, W, b = (
        torch.randn(*s, generator=g, dtype=DT) for s in ((4, 6), (3, 6), (3,))
    )
    A, B = (
        torch.randn(2, 6, generator=g, dtype=DT),
        torch.randn(3, 2, generator=g, dtype=DT),
    )
    delta = 2.5 * B @ A  # alpha = 5, r = 2
    assert torch.allclose(lora_forward(x, W, b, A, B, 5.0), x @ (W + delta).T + b)
    assert torch.allclose(lora_forward(x, W, None, A, B, 5.0), x @ (W + delta).T)
    with pytest.raises(ValueError, match="shapes do not fit"):
        lora_forward(x, W, b, A, B.T, 5.0)


def test_lora_linear_starts_as_the_base_layer_and_merges_exactly():
    torch.manual_seed(0)
    base = nn.Linear(6, 4, dtype=DT)
    x = torch.randn(2, 5, 6, dtype=DT)
    layer = LoRALinear(base, r=2, alpha=4.0)
    assert torch.equal(layer(x), base(x))  # B = 0 at the start
    assert (
        not base.weight.requires_grad
        and layer.A.requires_grad
        and layer.B.requires_grad
    )
    _trained(layer, 1)
    assert layer.scale == 2.0
    assert torch.allclose(layer.delta_weight(), 2.0 * layer.B @ layer.A)
    merged = layer.merge()
    assert isinstance(merged, nn.Linear) and torch.allclose(
        merged(x), layer(x), atol=1e-12
    )
    assert torch.equal(merged.bias, base.bias)
    no_bias = _trained(LoRALinear(nn.Linear(6, 4, bias=False, dtype=DT), r=1), 2)
    assert no_bias.merge().bias is None
    assert torch.allclose(no_bias.merge()(x), no_bias(x), atol=1e-12)


def test_lora_gradients_match_autograd_on_the_merged_weight():
    """dL/dA = scale·Bᵀ·dL/dW and dL/dB = scale·dL/dW·Aᵀ, with W' = W + scale·B·A."""
    torch.manual_seed(1)
    layer = _trained(LoRALinear(nn.Linear(5, 3, dtype=DT), r=2, alpha=3.0), 3)
    x = torch.randn(7, 5, dtype=DT)
    layer(x).pow(2).sum().backward()
    s = 3.0 / 2  # alpha / r, by hand (not layer.scale or layer.delta_weight())
    A, B = layer.A.detach(), layer.B.detach()
    W = (layer.base.weight + s * B @ A).detach().requires_grad_()
    (x @ W.T + layer.base.bias).pow(2).sum().backward()
    assert torch.allclose(layer.A.grad, s * B.T @ W.grad)
    assert torch.allclose(layer.B.grad, s * W.grad @ A.T)
    assert layer.base.weight.grad is None


def test_lora_linear_bad_input():
    with pytest.raises(TypeError, match="nn.Linear"):
        LoRALinear(nn.Conv1d(2, 2, 1), r=1)
    for r in (0, 5, 1.5, True):
        with pytest.raises(ValueError, match="rank r"):
            LoRALinear(nn.Linear(4, 6), r=r)
    with pytest.raises(ValueError, match="alpha"):
        LoRALinear(nn.Linear(4, 6), r=2, alpha=0)


def test_add_lora_freeze_and_merge_lora_on_a_model():
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8), nn.Linear(8, 2)
    )
    x = torch.randn(4, 8)
    before = model(x)
    names = add_lora(
        model, r=2, alpha=2.0, where=lambda name, layer: layer.out_features > 2
    )
    assert names == ["0", "2"] and isinstance(model[0], LoRALinear)
    assert torch.equal(model(x), before)
    assert count_parameters(model, trainable_only=True) == 2 * (8 + 16) + 2 * (
        16 + 8
    )
    for p in model[0].parameters():
        if p.requires_grad:
            p.data.normal_()
    adapted = model(x)
    assert merge_lora(model) == ["0", "2"]
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert torch.allclose(
        model(x), adapted, atol=1e-5
    )  # float32 round-off of W + BA
    assert merge_lora(model) == []
    assert (
        freeze(model) is model and count_parameters(model, trainable_only=True) == 0
    )
    with pytest.raises(ValueError, match="no nn.Linear"):
        add_lora(nn.Sequential(nn.ReLU()), r=1)
    for fn in (add_lora, merge_lora, freeze):
        with pytest.raises(TypeError, match="nn.Module"):
            fn("not a model", 1) if fn is add_lora else fn("not a model")


def test_check_lora_forward_accepts_the_module_and_a_hand_written_version():
    assert check_lora_forward(lora_forward)

    def by_hand(x, W, b, A, B, alpha):
        return x @ (W + alpha / A.shape[0] * B @ A).T + b

    assert check_lora_forward(by_hand)
    assert len(CASES) >= 3


def test_chapter_5_3_shows_the_lesson_code():
    assert_notebook_shows(NOTEBOOK, lora, {"LoRALinear", "add_lora", "merge_lora"})
