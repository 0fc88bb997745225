"""Byte-level BPE from scratch (chapter 5.4): merges, training, encoding, and the notebook copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_code import assert_notebook_shows
from tokenizers.pre_tokenizers import ByteLevel

from bookutils.checks.bpe import check_merge_pair
from bookutils.transformer import bpe
from bookutils.transformer.bpe import (
    BPETokenizer,
    byte_to_unicode,
    merge_pair,
    pretokenize,
    train_bpe,
)

TEXTS = [
    "Hello, world!",
    "It's 3.14159 -- or 2,718.28?",
    "naïve café, Straße, 日本語 🙂👍🏽",
    "tabs\tand   spaces    \n\n\n  end  ",
    "x=1_000_000; y = x**2 // 7",
    "",
    " ",
    "I'll've",
]
NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks/05_practice/5_4_tokenization.ipynb"
)


def test_merge_pair_replaces_every_occurrence_left_to_right():
    assert merge_pair([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    assert merge_pair([5, 5, 5], (5, 5), 9) == [9, 5]
    assert merge_pair([2, 1], (1, 2), 9) == [2, 1]
    assert merge_pair([], (1, 2), 9) == []


def test_check_merge_pair_accepts_the_module_function():
    assert check_merge_pair(merge_pair)


@pytest.mark.parametrize("text", TEXTS)
def test_pretokenize_matches_the_tokenizers_library(text):
    theirs = [
        piece
        for piece, _ in ByteLevel(
            add_prefix_space=False, use_regex=True
        ).pre_tokenize_str(text)
    ]
    to_char = byte_to_unicode()
    ours = [
        "".join(to_char[b] for b in piece.encode("utf-8"))
        for piece in pretokenize(text)
    ]
    assert ours == theirs


def test_byte_to_unicode_is_gpt2_alphabet():
    table = byte_to_unicode()
    assert (
        len(set(table.values())) == 256
        and table[ord(" ")] == "Ġ"
        and table[ord("A")] == "A"
    )
    assert set(table.values()) == set(ByteLevel.alphabet())


def test_train_bpe_learns_the_most_frequent_pair_first_and_stops_at_the_vocab_size():
    text = "low lower lowest low low newer newest"
    merges = train_bpe(text, 260)
    assert list(merges.values()) == [256, 257, 258, 259]
    # "lo" and "ow" both occur 5 times (" l" 4 times): the tie goes to the smaller pair
    assert next(iter(merges)) == (ord("l"), ord("o"))
    assert train_bpe(text, 260) == merges  # deterministic
    assert len(train_bpe("ab", 1000)) == 1  # nothing left to merge after "ab"
    with pytest.raises(ValueError, match="vocab_size"):
        train_bpe(text, 100)


@pytest.mark.parametrize("text", TEXTS)
def test_encode_decode_round_trip(text):
    tok = BPETokenizer(train_bpe(" ".join(TEXTS) * 3, 300))
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(ids) <= len(text.encode("utf-8"))
    assert tok.vocab_size == 300


def test_special_tokens_are_never_split_and_bad_input_is_explained():
    tok = BPETokenizer(train_bpe("hello hello", 258), special={"<|end|>": 258})
    ids = tok.encode("hello<|end|>hello")
    assert ids.count(258) == 1 and tok.decode(ids) == "hello<|end|>hello"
    with pytest.raises(TypeError, match="str"):
        tok.encode(b"bytes")
    with pytest.raises(ValueError, match="unknown token ids"):
        tok.decode([10_000])
    with pytest.raises(ValueError, match="256 bytes"):
        BPETokenizer({}, byte_ids=range(10))


def test_from_vocab_reads_gpt2_style_strings():
    to_char = byte_to_unicode()
    tokens = [to_char[b] for b in range(256)] + ["Ġl", "Ġlo", "<s>"]
    tok = BPETokenizer.from_vocab(tokens, ["Ġ l", "Ġl o"], special_ids=[258])
    assert tok.encode(" lo<s> l") == [257, 258, 256]
    assert tok.decode([257, 258]) == " lo<s>"


def test_missing_byte_in_a_vocabulary_is_a_clear_error():
    to_char = byte_to_unicode()
    tok = BPETokenizer.from_vocab(
        [to_char[b] for b in range(256) if b != ord("a")], []
    )
    assert tok.decode(tok.encode("bcd")) == "bcd"
    with pytest.raises(ValueError, match="no token for"):
        tok.encode("abc")


def test_the_notebook_shows_the_package_code_unchanged():
    assert_notebook_shows(
        NOTEBOOK, bpe, {"merge_pair", "train_bpe", "BPETokenizer"}
    )


def test_encode_applies_merges_by_rank_not_left_to_right():
    # merges learnt first win: "bc" (rank 0) before "ab" (rank 1), although "ab" is
    # leftmost in "abc"; a left-to-right merger would give [257, 99].
    tok = BPETokenizer({(98, 99): 256, (97, 98): 257})
    ids = tok.encode("abc")
    assert ids == [97, 256], f"BPETokenizer.encode('abc') {ids}, expected [97, 256]"
    # a merge can use an earlier one's token: ab -> 256, then (256, c) -> 257
    tok = BPETokenizer({(97, 98): 256, (256, 99): 257, (98, 99): 258})
    assert tok.encode("abc") == [257] and tok.encode("bc") == [258], (
        f"encode gave {tok.encode('abc')} and {tok.encode('bc')}"
    )
