"""bookutils.transformer.encoder: the article's encoder layer against PyTorch's and Keras' (5.2)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from bookutils.transformer import encoder
from bookutils.transformer.encoder import (
    EncoderClassifier,
    EncoderLayer,
    attend_mask_from_padding,
    copy_to_keras,
    keras_attention_mask,
    keras_encoder_layer,
)


def torch_layer(**kw):
    args = {
        "d_model": 8,
        "nhead": 2,
        "dim_feedforward": 12,
        "dropout": 0.1,
        "batch_first": True,
        "layer_norm_eps": 1e-6,
        "dtype": torch.float64,
    }
    return nn.TransformerEncoderLayer(**{**args, **kw}).eval()


def test_encoder_layer_matches_torch_with_and_without_padding():
    torch.manual_seed(0)
    theirs = torch_layer()
    ours = (
        EncoderLayer(8, 2, 12, dtype=torch.float64)
        .load_torch_weights(theirs)
        .eval()
    )
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-12)
        got = ours(x, attend_mask_from_padding(pad))
        want = theirs(x, src_key_padding_mask=pad)
    assert torch.allclose(got[~pad], want[~pad], atol=1e-12)
    out, weights = ours(x, return_attention=True)
    assert weights.shape == (2, 2, 5, 5)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 2, 5, dtype=torch.float64))


def test_encoder_layer_gradients_match_torch():
    torch.manual_seed(1)
    theirs = torch_layer(dropout=0.0)
    ours = EncoderLayer(8, 2, 12, 0.0, dtype=torch.float64).load_torch_weights(
        theirs
    )
    theirs.train()
    x = torch.randn(2, 4, 8, dtype=torch.float64, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    (ours(x) ** 2).sum().backward()
    (theirs(x2) ** 2).sum().backward()
    assert torch.allclose(x.grad, x2.grad, atol=1e-10)
    assert torch.allclose(
        ours.ffn[0].weight.grad, theirs.linear1.weight.grad, atol=1e-10
    )


def test_encoder_layer_init_is_like_torch_and_dropout_only_in_training():
    layer = EncoderLayer(8, 2, 12, 0.5)
    assert torch.all(layer.mha.q_proj.bias == 0) and torch.all(
        layer.mha.out_proj.bias == 0
    )
    x = torch.randn(1, 3, 8)
    layer.train()
    assert not torch.allclose(layer(x), layer(x))
    layer.eval()
    assert torch.equal(layer(x), layer(x))


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"norm_first": True}, "post-norm"),
        ({"activation": "gelu"}, "ReLU"),
        ({"layer_norm_eps": 1e-5}, "eps"),
        ({"dim_feedforward": 16}, "sizes"),
    ],
)
def test_load_torch_weights_refuses_a_different_layer(kw, match):
    with pytest.raises(ValueError, match=match):
        EncoderLayer(8, 2, 12, dtype=torch.float64).load_torch_weights(
            torch_layer(**kw)
        )


def test_encoder_layer_bad_input():
    with pytest.raises(TypeError):
        EncoderLayer(8, 2, 12).load_torch_weights(nn.Linear(2, 2))
    with pytest.raises(ValueError):
        EncoderLayer(8, 3, 12)
    with pytest.raises(ValueError):
        EncoderLayer(8, 2, 0)
    with pytest.raises(ValueError):
        EncoderLayer(8, 2, 12, rate=1.5)


def test_encoder_classifier_shapes_and_order_blindness():
    torch.manual_seed(0)
    model = EncoderClassifier(
        10,
        6,
        3,
        d_model=8,
        num_heads=2,
        dff=16,
        num_layers=2,
        rate=0.0,
        positions=False,
    ).eval()
    tokens = torch.randint(0, 10, (4, 6))
    logits, maps = model(tokens, return_attention=True)
    assert (
        logits.shape == (4, 3) and len(maps) == 2 and maps[0].shape == (4, 2, 6, 6)
    )
    shuffled = tokens[:, torch.randperm(6)]
    assert torch.allclose(model(shuffled), logits, atol=1e-5)
    with_pos = EncoderClassifier(
        10, 6, 3, d_model=8, num_heads=2, dff=16, rate=0.0
    ).eval()
    assert not torch.allclose(with_pos(shuffled), with_pos(tokens), atol=1e-5)


def test_encoder_classifier_bad_input():
    model = EncoderClassifier(10, 6, 2, d_model=8, num_heads=2, dff=16)
    with pytest.raises(ValueError, match="max_len"):
        model(torch.zeros(1, 7, dtype=torch.long))
    with pytest.raises(ValueError, match="integer"):
        model(torch.zeros(1, 3))
    with pytest.raises(ValueError):
        EncoderClassifier(0, 6, 2)


def test_masks_convert_between_conventions():
    pad = torch.tensor([[False, True, True]])
    assert torch.equal(
        attend_mask_from_padding(pad)[0, 0, 0], torch.tensor([True, False, False])
    )
    k = keras_attention_mask(pad, 2)
    assert k.shape == (1, 2, 3) and k.dtype == np.bool_
    assert np.array_equal(k[0], [[True, False, False]] * 2)
    with pytest.raises(ValueError):
        attend_mask_from_padding(torch.zeros(1, 3))
    with pytest.raises(ValueError):
        keras_attention_mask(np.zeros((1, 3)), 2)
    with pytest.raises(ValueError):
        keras_attention_mask(pad, 0)


KERAS_SCRIPT = textwrap.dedent("""
    import os
    os.environ["KERAS_BACKEND"] = "torch"
    import numpy as np, pytest, torch, keras
    from bookutils.transformer.encoder import (EncoderLayer, attend_mask_from_padding,
                                               copy_to_keras, keras_attention_mask,
                                               keras_encoder_layer)
    torch.manual_seed(0)
    ours = EncoderLayer(8, 2, 12).eval()
    k = copy_to_keras(keras_encoder_layer(8, 2, 12), ours)
    x = torch.randn(2, 5, 8)
    pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
    got = keras.ops.convert_to_numpy(k(x.numpy(), mask=keras_attention_mask(pad, 5)))
    with torch.no_grad():
        want = ours(x, attend_mask_from_padding(pad)).numpy()
    assert np.abs(got - want)[~pad.numpy()].max() < 1e-5
    with pytest.raises(ValueError):
        keras_encoder_layer(8, 3, 12)
    with pytest.raises(ValueError):
        copy_to_keras(keras_encoder_layer(4, 2, 12), ours)
    with pytest.raises(TypeError):
        copy_to_keras(k, torch.nn.Linear(2, 2))
    print("keras ok")
""")


def test_keras_layer_matches_ours_in_a_fresh_process():
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    run = subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0 and "keras ok" in run.stdout, run.stderr[-2000:]


def test_keras_functions_validate_before_importing_keras():
    with pytest.raises(ValueError):
        keras_encoder_layer(0, 2, 12)
    with pytest.raises(TypeError):
        copy_to_keras(object(), nn.Linear(2, 2))


def test_check_add_and_norm_passes_layer_norm_and_names_mistakes():
    from bookutils.checks.encoder import ADD_NORM_MISTAKES, check_add_and_norm

    def with_torch(x, s, w, b):
        return nn.functional.layer_norm(x + s, x.shape[-1:], w, b, 1e-6)

    assert check_add_and_norm(with_torch)
    for mistake in ADD_NORM_MISTAKES:
        result = check_add_and_norm(mistake.impl)
        assert not result and result.messages[-1] == f"  Hint: {mistake.hint}"


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK_5_2 = (
    Path(__file__).parents[1]
    / "notebooks/05_practice/5_2_transformer_encoder.ipynb"
)


def test_chapter_5_2_shows_the_lesson_code():
    assert_notebook_shows(
        NOTEBOOK_5_2,
        encoder,
        {
            "EncoderLayer",
            "_keras_layer_class",
            "keras_encoder_layer",
            "copy_to_keras",
        },
    )


def test_copy_to_keras_refuses_what_is_not_an_encoder_layer():
    with pytest.raises(TypeError, match="EncoderLayer"):
        copy_to_keras(object(), nn.Linear(2, 2))
