"""Tests for bookutils.transformer.bert: WordPiece against the library, BERT parameter counts,
masked and causal LM inputs, and the tiny Transformer language model."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from lesson_code import assert_notebook_shows  # noqa: E402

from bookutils.sizing.param_count import count_parameters  # noqa: E402
from bookutils.transformer import bert as pt  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer():
    transformers = pytest.importorskip("transformers")
    return transformers.AutoTokenizer.from_pretrained(pt.minilm_path())


def test_minilm_path_and_vocab():
    path = pt.minilm_path()
    assert (path / "config.json").is_file()
    vocab = pt.load_vocab(path / "vocab.txt")
    assert len(vocab) == 30522 and vocab["[CLS]"] == 101 and vocab["[MASK]"] == 103
    with pytest.raises(FileNotFoundError):
        pt.load_vocab(path / "missing.txt")


def test_basic_tokenize():
    assert pt.basic_tokenize("Héllo, World!") == ["hello", ",", "world", "!"]
    assert pt.basic_tokenize("A-b", lowercase=False) == ["A", "-", "b"]
    with pytest.raises(TypeError):
        pt.basic_tokenize(3)


def test_wordpiece_greedy_longest_match():
    vocab = {"un", "##aff", "##able", "##a", "a", "##ff"}
    assert pt.wordpiece("unaffable", vocab) == ["un", "##aff", "##able"]
    assert pt.wordpiece("xyz", vocab) == ["[UNK]"]
    assert pt.wordpiece("a" * 5, vocab, max_chars=3) == ["[UNK]"]
    with pytest.raises(ValueError):
        pt.wordpiece("", vocab)


def test_wordpiece_tokenize_matches_the_library(tokenizer):
    vocab = pt.load_vocab(pt.minilm_path() / "vocab.txt")
    for text in [
        "Tokenisers split unbelievably long words.",
        "Naïve café; it's 3.14!",
        "Self-attention (2017) scales quadratically with length.",
    ]:
        assert pt.wordpiece_tokenize(text, vocab) == tokenizer.tokenize(text)


def test_bert_params_matches_a_built_model():
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=100,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=24,
        max_position_embeddings=32,
        type_vocab_size=2,
    )
    model = transformers.BertModel(config)
    assert pt.bert_params(100, 16, 2, 24, 32, 2) == count_parameters(model)
    no_pool = transformers.BertModel(config, add_pooling_layer=False)
    assert pt.bert_params(100, 16, 2, 24, 32, 2, pooler=False) == count_parameters(
        no_pool
    )
    with pytest.raises(ValueError):
        pt.bert_params(0, 16, 2, 24)


def test_mean_pool_ignores_padding():
    h = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    m = torch.tensor([[1, 1, 0]])
    assert torch.allclose(pt.mean_pool(h, m), torch.tensor([[2.0, 3.0]]))
    with pytest.raises(ValueError, match="no real token"):
        pt.mean_pool(h, torch.zeros(1, 3))
    with pytest.raises(ValueError, match="expected"):
        pt.mean_pool(h[0], m)


def test_mask_positions_and_causal_pairs():
    ids = np.array([[4, 5, 6]])
    inputs, labels = pt.mask_positions(ids, np.array([[False, True, False]]), 9)
    assert inputs.tolist() == [[4, 9, 6]] and labels.tolist() == [[-100, 5, -100]]
    with pytest.raises(ValueError, match="boolean"):
        pt.mask_positions(ids, np.array([[0, 1, 0]]), 9)
    with pytest.raises(TypeError, match="integer"):
        pt.mask_positions(ids.astype(float), np.zeros((1, 3), bool), 9)
    x, y = pt.causal_pairs(ids)
    assert x.tolist() == [[4, 5]] and y.tolist() == [[5, 6]]
    with pytest.raises(ValueError, match="at least 2"):
        pt.causal_pairs(np.array([1]))


def test_bert_mask_proportions():
    rng = np.random.default_rng(0)
    ids = rng.integers(10, 1000, size=(200, 100))
    ids[:, 0] = 1
    inputs, labels = pt.bert_mask(
        ids, rng, mask_id=2, vocab_size=1000, special_ids=(1,)
    )
    chosen = labels != pt.IGNORE_INDEX
    assert not chosen[:, 0].any()
    assert abs(chosen.mean() - 0.15) < 0.01
    assert abs(np.mean(inputs[chosen] == 2) - 0.8) < 0.03
    assert np.array_equal(inputs[~chosen], ids[~chosen])
    assert np.array_equal(labels[chosen], ids[chosen])
    with pytest.raises(ValueError):
        pt.bert_mask(ids, rng, mask_id=2, vocab_size=1000, p=1.5)


def test_reversal_data():
    d = pt.reversal_data(3, 4, 5, seed=1)
    assert d.shape == (3, 10) and (d[:, 0] == 6).all() and (d[:, 5] == 5).all()
    assert np.array_equal(d[:, 1:5], d[:, 6:][:, ::-1])
    with pytest.raises(ValueError):
        pt.reversal_data(0, 4, 5)


def test_tinylm_causality_and_training():
    torch.manual_seed(0)
    causal = pt.TinyLM(
        7, d_model=16, num_heads=2, num_layers=1, max_len=8, causal=True
    )
    full = pt.TinyLM(
        7, d_model=16, num_heads=2, num_layers=1, max_len=8, causal=False
    )
    a = torch.tensor([[1, 2, 3, 4]])
    b = torch.tensor([[1, 2, 3, 5]])  # differs only in the last token
    with torch.no_grad():
        assert torch.allclose(
            causal(a)[:, :3], causal(b)[:, :3]
        )  # the past cannot see it
        assert not torch.allclose(full(a)[:, :3], full(b)[:, :3])  # both sides can
    with pytest.raises(TypeError):
        pt.TinyLM(7, causal=1)
    with pytest.raises(ValueError, match="seq"):
        causal(torch.zeros(1, 9, dtype=torch.long))

    def batch(rng):
        return pt.causal_pairs(
            pt.reversal_data(32, 3, 4, seed=int(rng.integers(1000)))
        )

    model = pt.TinyLM(
        7, d_model=16, num_heads=2, num_layers=1, max_len=8, causal=True
    )
    losses = pt.pretrain_lm(model, batch, 60, lr=1e-2)
    assert len(losses) == 60 and np.mean(losses[-5:]) < np.mean(losses[:5])
    inputs, labels = batch(np.random.default_rng(5))
    loss = pt.pretraining_loss(
        model, torch.as_tensor(inputs), torch.as_tensor(labels)
    )
    assert loss.ndim == 0 and loss.item() > 0
    with pytest.raises(ValueError):
        pt.pretrain_lm(model, batch, 0)


def test_check_mask_positions_accepts_the_reference():
    from bookutils.checks.pretrained import check_mask_positions

    assert check_mask_positions(pt.mask_positions)
    assert not check_mask_positions(lambda ids, pos, m: (ids.copy(), ids.copy()))


LESSON_NOTEBOOK = (
    Path(__file__).parents[1]
    / "notebooks"
    / "07_tools"
    / "7_2_pretrained_models.ipynb"
)


def test_chapter_7_2_shows_the_lesson_code():
    assert_notebook_shows(
        LESSON_NOTEBOOK,
        pt,
        {
            "bert_params",
            "wordpiece",
            "wordpiece_tokenize",
            "mask_positions",
            "causal_pairs",
        },
    )
