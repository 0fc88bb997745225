"""A character bigram language model, and a decoder that lets it correct an acoustic model.

The language model estimates ``P(next character | previous character)`` by counting, with
add-``k`` smoothing, and with ``^`` and ``$`` marking the start and end of a word. The
decoder finds the best frame labelling of an utterance shaped like the synthetic speech of
:mod:`bookutils.tasks.speech` (silence, characters, silence), scoring each labelling by the acoustic
model's frame log-probabilities plus ``lm_weight`` times the language model's log-probability
of the characters it spells (Viterbi's dynamic programming).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BOS, EOS = "^", "$"


class BigramLM:
    """``P(c | previous)`` from counts with add-``k`` smoothing over ``alphabet`` and ``$``."""

    def __init__(self, alphabet: str, k: float = 0.1):
        if (
            not alphabet
            or len(set(alphabet)) != len(alphabet)
            or BOS in alphabet
            or EOS in alphabet
        ):
            raise ValueError(
                f"alphabet must be distinct characters without ^ or $, "
                f"got {alphabet!r}"
            )
        if k <= 0:
            raise ValueError(f"the smoothing k must be positive, got {k}")
        self.alphabet, self.k = alphabet, float(k)
        self.rows = BOS + alphabet  # the histories
        self.cols = alphabet + EOS  # what can follow
        self.counts = np.zeros((len(self.rows), len(self.cols)))

    def fit(self, words: Sequence[str]) -> BigramLM:
        """Count the bigrams of ``words`` (each word framed by ``^`` and ``$``)."""
        for word in words:
            if any(c not in self.alphabet for c in word):
                raise ValueError(
                    f"word {word!r} uses characters outside {self.alphabet!r}"
                )
            chars = BOS + word + EOS
            for a, b in zip(chars[:-1], chars[1:], strict=True):
                self.counts[self.rows.index(a), self.cols.index(b)] += 1
        return self

    @property
    def log_probs(self) -> np.ndarray:
        """``log P(col | row)``: rows ``^`` + alphabet, columns alphabet + ``$``."""
        smoothed = self.counts + self.k
        return np.log(smoothed / smoothed.sum(axis=1, keepdims=True))

    def log_prob(self, word: str) -> float:
        """Natural-log probability of the whole word, its end included."""
        lp, chars = self.log_probs, BOS + word + EOS
        return float(
            sum(
                lp[self.rows.index(a), self.cols.index(b)]
                for a, b in zip(chars[:-1], chars[1:], strict=True)
            )
        )

    def perplexity(self, words: Sequence[str]) -> float:
        """``exp`` of the mean negative log-probability per predicted symbol (ends included)."""
        n = sum(len(w) + 1 for w in words)
        if n == 0:
            raise ValueError("perplexity needs at least one word")
        return float(np.exp(-sum(self.log_prob(w) for w in words) / n))


def lm_viterbi(
    frame_log_probs: np.ndarray, lm: BigramLM, lm_weight: float = 1.0
) -> list[int]:
    """Best frame labels under ``silence, c1+, c2+, ..., cn+, silence`` with an LM bonus.

    ``frame_log_probs`` is ``(T, 1 + len(alphabet))``, column 0 silence. A labelling scores
    the sum of its frames' log-probabilities plus ``lm_weight`` times the LM log-probability
    of the word it spells: each change of character pays ``log P(new | old)``. Consecutive
    characters must differ (they do in words of :data:`bookutils.tasks.speech.WORD_BIGRAMS`).
    Returns the labels of the best path, one per frame.
    """
    lp = np.asarray(frame_log_probs, dtype=float)
    K = len(lm.alphabet)
    if lp.ndim != 2 or lp.shape[1] != K + 1 or lp.shape[0] < 3:
        raise ValueError(
            f"frame_log_probs must be (T >= 3, {K + 1}), got {lp.shape}"
        )
    lm_lp = lm_weight * lm.log_probs
    start, move, end = lm_lp[0, :K], lm_lp[1:, :K].copy(), lm_lp[1:, K]
    np.fill_diagonal(move, -np.inf)  # a change must be to another character
    # states: 0 = leading silence, 1..K = characters, K + 1 = trailing silence
    T, n_states = lp.shape[0], K + 2
    emit = np.concatenate([lp[:, :1], lp[:, 1:], lp[:, :1]], axis=1)
    score = np.full(n_states, -np.inf)
    score[0] = emit[0, 0]
    back = np.zeros((T, n_states), dtype=int)
    for t in range(1, T):
        new = np.full(n_states, -np.inf)
        new[0], back[t, 0] = score[0], 0
        chars = score[1 : K + 1]
        # into character j: stay on j, come from silence, or change from another character i
        cand = np.column_stack(
            [chars, score[0] + start, (chars[:, None] + move).max(axis=0)]
        )
        choice = cand.argmax(axis=1)
        new[1 : K + 1] = cand.max(axis=1)
        from_char = (chars[:, None] + move).argmax(axis=0) + 1
        back[t, 1 : K + 1] = np.where(
            choice == 0, np.arange(1, K + 1), np.where(choice == 1, 0, from_char)
        )
        exits = np.append(score[K + 1], chars + end)
        new[K + 1] = exits.max()
        back[t, K + 1] = K + 1 if exits.argmax() == 0 else exits.argmax()
        score = new + emit[t]
    state = K + 1
    path = [state]
    for t in range(T - 1, 0, -1):
        state = back[t, state]
        path.append(state)
    labels = np.array(path[::-1])
    labels[labels == K + 1] = 0
    return labels.tolist()
