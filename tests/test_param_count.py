"""Parameter and FLOP counting by hand, against torch (numel and FlopCounterMode)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from bookutils.checks.param_count import check_param_count
from bookutils.sizing.param_count import (
    attention_params,
    count_parameters,
    ffn_params,
    gpt_params,
    layer_norm_params,
    linear_flops,
    linear_params,
    mlp_params,
    mlp_training_flops,
    training_flops,
    transformer_block_params,
)


def _mlp(sizes, bias=True):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b, bias=bias), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _numel(module: torch.nn.Module) -> int:
    """The reference count, written here apart from count_parameters."""
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    "sizes", [[3, 1], [784, 256, 10], [5, 7, 7, 2], [2, 1, 9, 4, 3]]
)
@pytest.mark.parametrize("bias", [True, False])
def test_mlp_params_match_torch(sizes, bias):
    assert mlp_params(sizes, bias) == _numel(_mlp(sizes, bias))
    assert linear_params(sizes[0], sizes[1], bias) == _numel(
        torch.nn.Linear(sizes[0], sizes[1], bias=bias)
    )


@pytest.mark.parametrize(
    "d, heads, d_ff", [(16, 2, 32), (64, 4, 256), (48, 6, 100)]
)
def test_transformer_block_matches_torch(d, heads, d_ff):
    layer = torch.nn.TransformerEncoderLayer(d, heads, d_ff, batch_first=True)
    assert transformer_block_params(d, d_ff) == _numel(layer)
    assert attention_params(d) == _numel(layer.self_attn)
    assert ffn_params(d, d_ff) == _numel(layer.linear1) + _numel(layer.linear2)
    assert layer_norm_params(d) == _numel(layer.norm1)
    assert transformer_block_params(d, 4 * d) == 12 * d * d + 13 * d


def test_gpt_params_matches_a_small_torch_gpt():
    vocab, n_ctx, d, n_layers = 50, 16, 32, 3
    model = torch.nn.ModuleDict(
        {
            "tok": torch.nn.Embedding(vocab, d),
            "pos": torch.nn.Embedding(n_ctx, d),
            "blocks": torch.nn.ModuleList(
                torch.nn.TransformerEncoderLayer(d, 4, 4 * d)
                for _ in range(n_layers)
            ),
            "ln_f": torch.nn.LayerNorm(d),
        }
    )
    assert gpt_params(n_layers, d, vocab, n_ctx) == _numel(model)
    assert gpt_params(n_layers, d, vocab, n_ctx, d_ff=2 * d) < _numel(model)


def test_count_parameters_trainable_only():
    net = _mlp([4, 3, 2])
    net[0].weight.requires_grad_(False)
    # by hand: 4*3 + 3 + 3*2 + 2 = 23 numbers, 12 of them (the first weight) frozen
    assert count_parameters(net, trainable_only=True) == 11, (
        f"count_parameters trainable {count_parameters(net, trainable_only=True)}"
    )
    assert count_parameters(net) == 23, f"count_parameters {count_parameters(net)}"
    assert count_parameters(net) == mlp_params([4, 3, 2])


@pytest.mark.parametrize("sizes, batch", [([784, 256, 10], 64), ([5, 7, 3, 2], 9)])
@pytest.mark.parametrize("input_grad", [False, True])
def test_training_flops_match_flop_counter(sizes, batch, input_grad):
    torch.manual_seed(0)
    net = _mlp(sizes)
    x = torch.randn(batch, sizes[0], requires_grad=input_grad)
    with FlopCounterMode(display=False) as counter:
        net(x).sum().backward()
    assert mlp_training_flops(sizes, batch, input_grad) == counter.get_total_flops()
    with FlopCounterMode(display=False) as counter:
        net(x)
    assert (
        sum(
            linear_flops(batch, a, b)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        == counter.get_total_flops()
    )
    n_weights = mlp_params(sizes, bias=False)
    if input_grad:
        assert mlp_training_flops(sizes, batch, True) == 6 * batch * n_weights


def test_training_flops_gpt3():
    assert np.isclose(training_flops(175e9, 300e9), 3.15e23)
    assert training_flops(1, 1) == 6.0


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: linear_params(0, 3),
            ValueError,
            "d_in must be a positive integer",
        ),
        (lambda: linear_params(2.0, 3), TypeError, "d_in must be an int"),
        (lambda: mlp_params([3]), ValueError, "at least one layer"),
        (
            lambda: mlp_params([3, -1]),
            ValueError,
            "d_out must be a positive integer",
        ),
        (lambda: attention_params(0), ValueError, "d_model"),
        (lambda: ffn_params(4, 0), ValueError, "must be a positive integer"),
        (lambda: layer_norm_params(True), TypeError, "d_model"),
        (lambda: transformer_block_params(-4, 8), ValueError, "positive"),
        (lambda: gpt_params(0, 8, 10, 10), ValueError, "n_layers"),
        (lambda: count_parameters([1, 2]), TypeError, "torch.nn.Module"),
        (lambda: linear_flops(0, 2, 2), ValueError, "n_rows"),
        (lambda: mlp_training_flops([4], 2), ValueError, "at least one layer"),
        (lambda: training_flops(-1, 5), ValueError, "n_params"),
        (lambda: training_flops(1e9, "many"), TypeError, "n_tokens"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_check_param_count_passes_the_reference(capsys):
    def mine(sizes):
        return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))

    assert check_param_count(mine)
    assert "✓" in capsys.readouterr().out


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

CHAPTER_1_3 = (
    Path(__file__).parents[1] / "notebooks/01_background/1_3_large_models.ipynb"
)


def test_chapter_1_3_shows_the_lesson_code():
    from bookutils.sizing import param_count

    assert_notebook_shows(CHAPTER_1_3, param_count, {"linear_params", "mlp_params"})
