"""Byte-level byte-pair encoding (BPE) for chapter 5.4, from scratch.

Text is cut into pieces by GPT-2's pre-tokenization pattern, each piece becomes its UTF-8
bytes (ids 0-255 in a freshly trained vocabulary), and learned *merges* join adjacent ids into
new ones, most frequent pair first. The same encoder runs a real model's vocabulary:
:meth:`BPETokenizer.from_vocab` takes the token strings and merges of a GPT-2-style tokenizer
(as stored in a GGUF file) and gives the same ids as that model's own tokenizer.

The functions ``merge_pair``, ``train_bpe`` and the class ``BPETokenizer`` are shown in the
notebook 5.4 cell by cell; a test keeps those cells identical to this file. (No
``from __future__ import annotations`` here, so that the same code runs in a notebook cell.)
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise

import regex

__all__ = [
    "GPT2_PATTERN",
    "BPETokenizer",
    "byte_to_unicode",
    "merge_pair",
    "pretokenize",
    "train_bpe",
]

# GPT-2's pre-tokenizer: English contractions, letters with an optional leading space,
# numbers, punctuation runs, and whitespace (a run of spaces keeps its last space for the
# word that follows it).
GPT2_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+"""
    r"""|\s+(?!\S)|\s+"""
)
_GPT2_RE = regex.compile(GPT2_PATTERN)


def pretokenize(text: str) -> list[str]:
    """Cut ``text`` into the pieces BPE works on separately (GPT-2's pattern)."""
    if not isinstance(text, str):
        raise TypeError(f"pretokenize expects a str, got {type(text).__name__}")
    return _GPT2_RE.findall(text)


def byte_to_unicode() -> dict[int, str]:
    """GPT-2's map from the 256 byte values to printable characters (space -> 'Ġ', etc.).

    Token strings in GPT-2-style vocabularies are written with these characters: printable
    ASCII and Latin-1 bytes stand for themselves, the others are shifted to 256 + n.
    """
    keep = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    out, shift = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + shift)
            shift += 1
    return out


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of ``pair`` in ``ids``, left to right, by ``new_id``."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2  # both members are used up: an overlapping occurrence does not count
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(text: str, vocab_size: int) -> dict[tuple[int, int], int]:
    """Learn byte-level merges on ``text`` until the vocabulary has ``vocab_size`` tokens.

    Returns ``{(left_id, right_id): new_id}`` in the order the merges were learned (ids
    0-255 are the bytes). Pairs are counted once per distinct piece, weighted by how often
    the piece occurs; ties go to the smallest pair, so training is deterministic.
    """
    if not isinstance(vocab_size, int) or vocab_size < 256:
        raise ValueError(
            f"vocab_size must be an int >= 256 (the bytes), got {vocab_size!r}"
        )
    counts = Counter(pretokenize(text))
    words = [list(piece.encode("utf-8")) for piece in counts]
    freq = list(counts.values())
    pair_count: Counter = Counter()
    where = defaultdict(set)  # pair -> indices of the words that contain it
    for w, ids in enumerate(words):
        for pair in pairwise(ids):
            pair_count[pair] += freq[w]
            where[pair].add(w)
    merges: dict[tuple[int, int], int] = {}
    for new_id in range(256, vocab_size):
        if not pair_count:
            break  # every piece is a single token: nothing left to merge
        best = max(pair_count, key=lambda p: (pair_count[p], -p[0], -p[1]))
        merges[best] = new_id
        for w in sorted(where.pop(best)):
            old = words[w]
            for pair in pairwise(
                old
            ):  # take the word's old pairs out of the counts...
                pair_count[pair] -= freq[w]
                if pair_count[pair] == 0:
                    del pair_count[pair]
            words[w] = merge_pair(old, best, new_id)
            for pair in pairwise(words[w]):  # ...and put its new pairs in
                pair_count[pair] += freq[w]
                where[pair].add(w)
        pair_count.pop(best, None)
    return merges


class BPETokenizer:
    """Encode text to token ids and decode ids back to text with byte-level BPE.

    ``merges`` maps a pair of ids to the id of their merge, in priority order (first =
    merged first); ``byte_ids[b]`` is the id of the single byte ``b`` (None for a byte the
    vocabulary lacks); ``special`` maps special-token strings (such as ``<|im_start|>``) to
    their ids, never split.
    """

    def __init__(
        self,
        merges: dict[tuple[int, int], int],
        byte_ids: Sequence[int | None] = range(256),
        special: dict[str, int] | None = None,
    ) -> None:
        if len(byte_ids) != 256:
            raise ValueError(
                f"byte_ids must give an id for each of the 256 bytes, got"
                f" {len(byte_ids)}"
            )
        self.merges = dict(merges)
        self.rank = {pair: r for r, pair in enumerate(self.merges)}
        self.byte_ids = list(byte_ids)
        self.special = dict(special or {})
        self.bytes_of = {
            i: bytes([b]) for b, i in enumerate(self.byte_ids) if i is not None
        }
        for (
            a,
            b,
        ), new in self.merges.items():  # merges are in order: parts come first
            self.bytes_of[new] = self.bytes_of[a] + self.bytes_of[b]
        self.bytes_of.update(
            {i: s.encode("utf-8") for s, i in self.special.items()}
        )
        self._split = (
            regex.compile("(" + "|".join(map(regex.escape, self.special)) + ")")
            if self.special
            else None
        )
        self._cache: dict[str, list[int]] = {}

    def encode_piece(self, piece: str) -> list[int]:
        """Token ids of one pre-tokenized piece: its bytes, then merges by priority."""
        ids = [self.byte_ids[b] for b in piece.encode("utf-8")]
        if None in ids:
            raise ValueError(
                f"{piece!r} holds a byte this vocabulary has no token for"
            )
        while len(ids) > 1:
            pairs = [p for p in pairwise(ids) if p in self.rank]
            if not pairs:
                break
            best = min(pairs, key=self.rank.__getitem__)
            ids = merge_pair(ids, best, self.merges[best])
        return ids

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; special-token strings become their single ids."""
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        parts = self._split.split(text) if self._split else [text]
        ids: list[int] = []
        for part in parts:
            if part in self.special:
                ids.append(self.special[part])
                continue
            for piece in pretokenize(part):
                if piece not in self._cache:
                    self._cache[piece] = self.encode_piece(piece)
                ids.extend(self._cache[piece])
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids`` (bytes joined, then read as UTF-8)."""
        unknown = [i for i in ids if i not in self.bytes_of]
        if unknown:
            raise ValueError(
                f"unknown token ids {unknown[:5]}: the vocabulary has ids"
                f" {min(self.bytes_of)}..{max(self.bytes_of)}"
            )
        return b"".join(self.bytes_of[i] for i in ids).decode(
            "utf-8", errors="replace"
        )

    @classmethod
    def from_vocab(
        cls,
        tokens: Sequence[str],
        merges: Sequence[str],
        special_ids: Sequence[int] = (),
    ) -> "BPETokenizer":
        """A tokenizer from a GPT-2-style vocabulary: token strings (index = id), merges
        written ``"left right"`` in priority order, and the ids of the special tokens."""
        index = {t: i for i, t in enumerate(tokens)}
        to_char = byte_to_unicode()
        byte_ids = [index.get(to_char[b]) for b in range(256)]
        pairs = {}
        for line in merges:
            left, right = line.split(" ")
            pairs[(index[left], index[right])] = index[left + right]
        return cls(pairs, byte_ids, {tokens[i]: i for i in special_ids})

    @property
    def vocab_size(self) -> int:
        """Number of distinct token ids this tokenizer can produce."""
        return len(self.bytes_of)
