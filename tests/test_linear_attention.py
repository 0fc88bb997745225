"""Linear attention against its quadratic form and against torch; cost formulas against
FlopCounterMode; the 8.3/9.x self-check references against torch autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows
from torch.utils.flop_counter import FlopCounterMode

from bookutils.checks.faq import (
    check_gpt_params,
    check_two_layer_backward,
    two_layer_backward_reference,
)
from bookutils.checks.linear_attention import check_linear_attention
from bookutils.sizing.param_count import gpt_params
from bookutils.transformer import linear_attention as linear_attention_module
from bookutils.transformer.attention import scaled_dot_product_attention
from bookutils.transformer.linear_attention import (
    AttentionCost,
    elu_feature_map,
    kernel_attention_weights,
    linear_attention,
    linear_attention_cost,
    saved_tensor_elements,
    softmax_attention_cost,
)


def _qkv(seed, *shape, d_v=None):
    g = torch.Generator().manual_seed(seed)
    v_shape = (*shape[:-1], d_v or shape[-1])
    return (
        torch.randn(*shape, generator=g, dtype=torch.float64),
        torch.randn(*shape, generator=g, dtype=torch.float64),
        torch.randn(*v_shape, generator=g, dtype=torch.float64),
    )


def test_feature_map_is_positive_and_matches_torch():
    x = torch.linspace(-20, 5, 101, dtype=torch.float64)
    assert torch.all(elu_feature_map(x) > 0)
    assert torch.allclose(elu_feature_map(x), torch.nn.ELU()(x) + 1)


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_equals_quadratic_form(causal):
    q, k, v = _qkv(0, 2, 3, 9, 4, d_v=5)
    fast = linear_attention(q, k, v, causal=causal)
    slow = kernel_attention_weights(q, k, causal=causal) @ v
    assert fast.shape == (2, 3, 9, 5)
    assert torch.allclose(fast, slow, atol=1e-12)
    # and against a quadratic form written here with torch's ELU, apart from the module
    scores = (F.elu(q) + 1) @ (F.elu(k) + 1).transpose(-2, -1)
    if causal:
        scores = scores.tril()
    weights = scores / scores.sum(-1, keepdim=True)
    assert torch.allclose(weights, kernel_attention_weights(q, k, causal=causal)), (
        "kernel_attention_weights differs from the quadratic form"
    )
    gap = (fast - weights @ v).abs().max().item()
    assert gap < 1e-12, f"linear_attention off the quadratic form by {gap}"


def test_causal_output_ignores_the_future():
    q, k, v = _qkv(1, 7, 3)
    out = linear_attention(q, k, v, causal=True)
    k2, v2 = k.clone(), v.clone()
    k2[4:] += 10
    v2[4:] -= 10
    assert torch.allclose(out[:4], linear_attention(q, k2, v2, causal=True)[:4])
    w = kernel_attention_weights(q, k, causal=True)
    assert torch.allclose(w.sum(-1), torch.ones(7, dtype=torch.float64))
    assert torch.all(w.triu(1) == 0)


def test_gradients_match_the_quadratic_form():
    q, k, v = (t.requires_grad_() for t in _qkv(3, 5, 3))
    linear_attention(q, k, v).sum().backward()
    fast = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    (kernel_attention_weights(q, k) @ v).sum().backward()
    for a, t in zip(fast, (q, k, v), strict=True):
        assert torch.allclose(a, t.grad, atol=1e-12)


@pytest.mark.parametrize("n", [16, 100, 333])
def test_costs_match_flop_counter(n):
    q, k, v = (t.float() for t in _qkv(4, 1, n, 8, d_v=6))
    with FlopCounterMode(display=False) as soft:
        scaled_dot_product_attention(q, k, v)
    with FlopCounterMode(display=False) as lin:
        linear_attention(q, k, v)
    assert soft.get_total_flops() == softmax_attention_cost(n, n, 8, 6).flops
    assert lin.get_total_flops() == linear_attention_cost(n, n, 8, 6).flops
    assert softmax_attention_cost(n, n, 8, 6) == AttentionCost(4 * n * n * 7, n * n)
    assert linear_attention_cost(n, n, 8, 6).largest_intermediate == max(48, 6 * n)


def test_saved_elements_grow_quadratically_and_linearly():
    soft, lin = [], []
    for n in (64, 128, 256):
        q, k, v = _qkv(5, n, 8)
        soft.append(saved_tensor_elements(scaled_dot_product_attention, q, k, v))
        lin.append(saved_tensor_elements(linear_attention, q, k, v))
    assert 3.5 < soft[2] / soft[1] < 4.0 and 1.9 < lin[2] / lin[1] <= 2.0
    assert saved_tensor_elements(lambda x: x * x, torch.ones(3)) == 3


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: elu_feature_map([1.0]), TypeError),
        (
            lambda: linear_attention(
                np.ones((2, 2)), torch.ones(2, 2), torch.ones(2, 2)
            ),
            TypeError,
        ),
        (
            lambda: linear_attention(torch.ones(3), torch.ones(3), torch.ones(3)),
            ValueError,
        ),
        (
            lambda: linear_attention(
                torch.ones(2, 3), torch.ones(2, 4), torch.ones(2, 4)
            ),
            ValueError,
        ),
        (
            lambda: linear_attention(
                torch.ones(2, 3), torch.ones(2, 3), torch.ones(5, 3)
            ),
            ValueError,
        ),
        (
            lambda: linear_attention(
                torch.ones(2, 3), torch.ones(4, 3), torch.ones(4, 3), causal=True
            ),
            ValueError,
        ),
        (
            lambda: kernel_attention_weights(
                torch.ones(2, 3), torch.ones(4, 3), causal=True
            ),
            ValueError,
        ),
        (lambda: softmax_attention_cost(0, 1, 1, 1), ValueError),
        (lambda: linear_attention_cost(2, 2.0, 1, 1), TypeError),
        (lambda: saved_tensor_elements(None, torch.ones(2)), TypeError),
        (lambda: saved_tensor_elements(lambda x: x, [1.0]), TypeError),
    ],
)
def test_bad_input_is_a_clear_error(call, error):
    with pytest.raises(error):
        call()


def test_two_layer_backward_reference_matches_torch():
    rng = np.random.default_rng(0)
    x, W1, b1 = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=4)
    W2, b2, y = rng.normal(size=(2, 4)), rng.normal(size=2), rng.normal(size=2)
    ts = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    out = ts[2] @ torch.tanh(ts[0] @ torch.tensor(x) + ts[1]) + ts[3]
    (0.5 * ((out - torch.tensor(y)) ** 2).sum()).backward()
    for ours, t in zip(
        two_layer_backward_reference(x, W1, b1, W2, b2, y), ts, strict=True
    ):
        assert np.allclose(ours, t.grad.numpy(), atol=1e-12)
    assert check_two_layer_backward(two_layer_backward_reference)


def test_the_new_checks_accept_their_references():
    assert check_gpt_params(gpt_params)
    assert check_linear_attention(lambda q, k, v: linear_attention(q, k, v))
    assert not check_linear_attention(lambda q, k, v: v)


NOTEBOOK_8_3 = (
    Path(__file__).parents[1] / "notebooks/08_outlook/8_3_research_directions.ipynb"
)


def test_chapter_8_3_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(
        NOTEBOOK_8_3,
        linear_attention_module,
        {"elu_feature_map", "kernel_attention_weights", "linear_attention"},
    )
