"""A small sequence-classification task for chapter 5.2: does a sequence repeat a token?

Every sequence has ``length`` tokens from a vocabulary of ``vocab_size``. Negatives hold
``length`` *different* tokens; positives are made from a negative by copying one token
over another position, so exactly one token appears twice and the two classes have the
same token statistics apart from that repeat. Half the examples are positives. Spotting
the pair needs every position to compare itself with every other one, which is what
self-attention does in one step.
"""

from __future__ import annotations

import numpy as np

__all__ = ["has_repeat", "make_repeat_task"]


def make_repeat_task(
    n: int, length: int = 10, vocab_size: int = 16, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` sequences, their labels and the positions of the repeated pair.

    Returns ``(tokens, labels, pairs)``: int64 arrays of shape (n, length), (n,) with 1 for
    "a token repeats" (even-numbered examples are 0, odd ones 1), and (n, 2) holding the
    two positions of the repeat (earlier one first), or (-1, -1) for a negative.
    """
    for name, value, low in (
        ("n", n, 1),
        ("length", length, 2),
        ("vocab_size", vocab_size, 2),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < low
        ):
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if vocab_size < length:
        raise ValueError(
            f"vocab_size={vocab_size} must be at least length={length}, or no"
            " sequence could be free of repeats"
        )
    rng = np.random.default_rng(seed)
    tokens = np.argsort(rng.random((n, vocab_size)), axis=1)[:, :length].astype(
        np.int64
    )
    labels = (np.arange(n) % 2).astype(np.int64)
    pairs = np.full((n, 2), -1, dtype=np.int64)
    for i in np.flatnonzero(labels):
        src, dst = rng.choice(length, 2, replace=False)
        tokens[i, dst] = tokens[i, src]
        pairs[i] = sorted((src, dst))
    return tokens, labels, pairs


def has_repeat(tokens: np.ndarray) -> np.ndarray:
    """For each row of ``tokens`` (n, length), 1 if some token occurs more than once, else 0."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(
            f"tokens must be a 2-D integer array, got {tokens.dtype} array of"
            f" shape {tokens.shape}"
        )
    ordered = np.sort(tokens, axis=1)
    return np.any(ordered[:, 1:] == ordered[:, :-1], axis=1).astype(np.int64)
