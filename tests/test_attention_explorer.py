import math

import pytest
import torch
import torch.nn.functional as F

from bookutils.transformer.attention_explorer import (
    row_entropy,
    tempered_attention_weights,
)


def test_weights_match_torch_sdpa_at_every_temperature_and_mask():
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(6, 16, generator=gen, dtype=torch.float64)
    k = torch.randn(6, 16, generator=gen, dtype=torch.float64)
    eye = torch.eye(6, dtype=torch.float64)  # values = I: the output IS the weights
    for temperature in (0.25, 1.0, 3.0):
        for causal in (False, True):
            ours = tempered_attention_weights(q, k, temperature, causal=causal)
            theirs = F.scaled_dot_product_attention(
                q, k, eye, is_causal=causal, scale=1 / (temperature * 4.0)
            )
            assert torch.allclose(ours, theirs, atol=1e-12)


def test_entropy_limits():
    uniform = torch.full((3, 8), 1 / 8, dtype=torch.float64)
    assert torch.allclose(
        row_entropy(uniform), torch.full((3,), math.log(8), dtype=torch.float64)
    )
    assert row_entropy(torch.tensor([[0.0, 1.0, 0.0]])).item() == 0.0
    q = torch.randn(
        5, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    k = 3 * torch.eye(5, 8, dtype=torch.float64)  # distinct keys: one clear winner
    hot = row_entropy(tempered_attention_weights(q, k, 0.001)).max()
    flat = row_entropy(tempered_attention_weights(q, q, 1000.0)).min()
    assert hot < 0.05 and flat > math.log(5) - 0.01
    causal = row_entropy(tempered_attention_weights(q, q, 1000.0, causal=True))
    assert torch.allclose(
        causal, torch.log(torch.arange(1, 6, dtype=torch.float64)), atol=1e-3
    )


@pytest.mark.parametrize("bad", [0, -1.0, True])
def test_bad_temperature_is_explained(bad):
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        tempered_attention_weights(torch.ones(2, 2), torch.ones(2, 2), bad)


def test_row_entropy_rejects_non_tensors():
    with pytest.raises(ValueError, match="must be a tensor"):
        row_entropy([0.5, 0.5])
