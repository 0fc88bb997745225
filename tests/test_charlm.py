"""Tests for bookutils.tasks.bigram_lm: the bigram model and the LM-weighted Viterbi decoder."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bookutils.tasks.bigram_lm import BigramLM, lm_viterbi


def test_bigram_counts_and_probabilities():
    lm = BigramLM("ab", k=1.0).fit(["ab", "a"])
    # rows ^ a b, columns a b $; counts: ^a 2, ab 1, a$ 1, b$ 1
    np.testing.assert_array_equal(lm.counts, [[2, 0, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_allclose(np.exp(lm.log_probs[0]), [3 / 5, 1 / 5, 1 / 5])
    assert np.isclose(
        lm.log_prob("ab"), np.log(3 / 5) + np.log(2 / 5) + np.log(2 / 4)
    )
    # "a": ^a 3/5, a$ 2/5; five predictions in all (three for "ab", two for "a")
    log_ab = np.log(3 / 5) + np.log(2 / 5) + np.log(2 / 4)
    log_a = np.log(3 / 5) + np.log(2 / 5)
    ppl = lm.perplexity(["ab", "a"])
    assert np.isclose(ppl, np.exp(-(log_ab + log_a) / 5)), f"perplexity {ppl}"


def test_bigram_bad_input():
    with pytest.raises(ValueError, match="alphabet"):
        BigramLM("aa")
    with pytest.raises(ValueError, match="alphabet"):
        BigramLM("a$")
    with pytest.raises(ValueError, match="smoothing"):
        BigramLM("ab", k=0)
    with pytest.raises(ValueError, match="outside"):
        BigramLM("ab").fit(["abc"])
    with pytest.raises(ValueError, match="at least one"):
        BigramLM("ab").perplexity([])


def _score(path, lp, lm, weight):
    chars = [s for i, s in enumerate(path) if s and (i == 0 or s != path[i - 1])]
    return lp[np.arange(len(path)), path].sum() + weight * lm.log_prob(
        "".join(lm.alphabet[c - 1] for c in chars)
    )


@pytest.mark.parametrize("weight", [0.0, 1.0, 3.0])
def test_lm_viterbi_beats_every_valid_path(weight):
    lm = BigramLM("abc").fit(["ab", "abc", "ca", "bca"])
    rng = np.random.default_rng(int(weight * 10))
    lp = np.log(rng.dirichlet(np.ones(4), size=6))
    best = lm_viterbi(lp, lm, weight)
    assert best[0] == 0 and best[-1] == 0 and len(best) == 6
    scores = [
        _score([0] * a + list(mid) + [0] * b, lp, lm, weight)
        for a in range(1, 5)
        for b in range(1, 6 - a)
        for mid in itertools.product(range(1, 4), repeat=6 - a - b)
    ]
    assert np.isclose(_score(best, lp, lm, weight), max(scores))


def test_lm_viterbi_bad_input():
    lm = BigramLM("ab")
    with pytest.raises(ValueError, match="frame_log_probs"):
        lm_viterbi(np.zeros((5, 4)), lm)
