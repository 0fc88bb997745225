"""Tests for bookutils.training.compression and its self-check."""

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows
from torch import nn
from torch.ao.quantization import MinMaxObserver
from torch.nn.utils import prune

from bookutils.checks.compression import check_quantize_int8
from bookutils.training import compression
from bookutils.training.compression import (
    dequantize_int8,
    distillation_loss,
    int8_qparams,
    magnitude_mask,
    quantize_int8,
    quantize_model_int8,
    storage_bytes,
)


@pytest.mark.filterwarnings("ignore")
def test_quantize_int8_matches_torch_quantize_per_tensor():
    w = torch.randn(50, 30, generator=torch.Generator().manual_seed(0))
    q, scale, zero_point = quantize_int8(w)
    # scale and zero point from torch's own min-max observer (float32), not from ours
    observer = MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_affine)
    observer(w)
    torch_scale, torch_zero_point = observer.calculate_qparams()
    assert math.isclose(scale, float(torch_scale), rel_tol=1e-6), (
        f"int8_qparams scale {scale}, torch {float(torch_scale)}"
    )
    assert zero_point == int(torch_zero_point), (
        f"int8_qparams zero point {zero_point}, torch {int(torch_zero_point)}"
    )
    assert (scale, zero_point) == int8_qparams(w)
    assert q.dtype == torch.int8 and q.shape == w.shape
    reference = torch.quantize_per_tensor(
        w, float(torch_scale), int(torch_zero_point), torch.qint8
    )
    assert torch.equal(q, reference.int_repr()), (
        f"quantize_int8 differs from torch at "
        f"{int((q != reference.int_repr()).sum())} entries"
    )
    assert torch.allclose(
        dequantize_int8(q, scale, zero_point), reference.dequantize()
    )
    assert (dequantize_int8(q, scale, zero_point) - w).abs().max() <= scale / 2 * (
        1 + 1e-5
    )


def test_qparams_keep_zero_exact_and_handle_constant_tensors():
    for w in (torch.tensor([0.5, 2.0]), torch.tensor([-3.0, -1.0]), torch.zeros(4)):
        q, scale, zp = quantize_int8(w)
        assert (
            dequantize_int8(torch.tensor([zp], dtype=torch.int8), scale, zp).item()
            == 0.0
        )
        assert q.min() >= -128 and q.max() <= 127


def test_bad_inputs_are_clear_errors():
    with pytest.raises(TypeError, match="torch.Tensor"):
        quantize_int8([1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        int8_qparams(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="int8"):
        dequantize_int8(torch.tensor([1.0]), 0.1, 0)
    with pytest.raises(ValueError, match="scale"):
        dequantize_int8(torch.tensor([1], dtype=torch.int8), 0.0, 0)
    with pytest.raises(TypeError, match="Module"):
        quantize_model_int8("model")
    with pytest.raises(TypeError, match="tensors"):
        storage_bytes([1.0])
    with pytest.raises(ValueError, match="sparsity"):
        magnitude_mask(torch.ones(3), 1.5)


def test_quantize_model_and_storage_bytes():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    quantized = quantize_model_int8(model)
    assert set(quantized) == {n for n, _ in model.named_parameters()}
    fp32 = storage_bytes(dict(model.named_parameters()))
    assert (
        fp32 == 4 * storage_bytes([q for q, _, _ in quantized.values()]) == 4 * 23
    )


@pytest.mark.parametrize("sparsity", [0.0, 0.3, 0.75, 1.0])
def test_magnitude_mask_matches_torch_prune(sparsity):
    layer = nn.Linear(10, 8)
    mask = magnitude_mask(layer.weight.detach(), sparsity)
    prune.l1_unstructured(layer, "weight", amount=sparsity)
    assert torch.equal(mask, layer.weight_mask.bool())
    assert (~mask).sum().item() == round(sparsity * 80)


def test_distillation_loss_matches_kl_div_and_its_limits():
    gen = torch.Generator().manual_seed(1)
    s, t = torch.randn(6, 5, generator=gen), torch.randn(6, 5, generator=gen)
    y = torch.randint(5, (6,), generator=gen)
    kl = F.kl_div(
        F.log_softmax(s / 3, 1), F.softmax(t / 3, 1), reduction="batchmean"
    )
    assert torch.allclose(distillation_loss(s, t, y, 3.0, 1.0), 9 * kl, rtol=1e-5)
    assert torch.allclose(
        distillation_loss(s, t, y, 3.0, 0.0), F.cross_entropy(s, y)
    )
    assert distillation_loss(t, t, y, 2.0, 1.0).abs().item() < 1e-6
    # a weight strictly between 0 and 1 mixes the two terms: 0.3 soft, 0.7 hard
    mixed = distillation_loss(s, t, y, 3.0, 0.3)
    expected = 0.3 * 9 * kl + 0.7 * F.cross_entropy(s, y)
    assert torch.allclose(mixed, expected, rtol=1e-5), (
        f"distillation_loss alpha=0.3: {mixed.item()}, expected {expected.item()}"
    )


def test_distillation_loss_rejects_bad_arguments():
    s = torch.zeros(2, 3)
    y = torch.zeros(2, dtype=torch.long)
    with pytest.raises(ValueError, match="shapes"):
        distillation_loss(s, torch.zeros(2, 4), y)
    with pytest.raises(ValueError, match="temperature"):
        distillation_loss(s, s, y, temperature=0.0)
    with pytest.raises(ValueError, match="alpha"):
        distillation_loss(s, s, y, alpha=2.0)


def test_check_quantize_int8_accepts_the_reference(capsys):
    assert check_quantize_int8(quantize_int8)
    assert "✓" in capsys.readouterr().out


def test_quantize_int8_by_hand():
    # w = [-1, 0, 2]: range [-1, 2], scale = 3/255, zero point = -128 - round(-85) = -43;
    # codes round(w / scale) + zp = -85 - 43, 0 - 43, 170 - 43.
    q, scale, zero_point = quantize_int8(torch.tensor([-1.0, 0.0, 2.0]))
    assert math.isclose(scale, 3 / 255, rel_tol=1e-6), (
        f"quantize_int8 scale {scale}"
    )
    assert zero_point == -43, f"quantize_int8 zero point {zero_point}"
    assert q.dtype == torch.int8 and q.tolist() == [-128, -43, 127], (
        f"quantize_int8 {q}"
    )


NOTEBOOK_8_1 = Path(__file__).parents[1] / "notebooks/08_outlook/8_1_trends.ipynb"


def test_chapter_8_1_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(
        NOTEBOOK_8_1,
        compression,
        {
            "int8_qparams",
            "quantize_int8",
            "dequantize_int8",
            "magnitude_mask",
            "distillation_loss",
        },
    )
