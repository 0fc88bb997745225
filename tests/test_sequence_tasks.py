"""bookutils.data.sequence_tasks: the repeated-token task of chapter 5.2."""

import numpy as np
import pytest

from bookutils.data.sequence_tasks import has_repeat, make_repeat_task


def test_make_repeat_task_labels_and_pairs():
    tokens, labels, pairs = make_repeat_task(200, length=8, vocab_size=12, seed=0)
    assert tokens.shape == (200, 8) and tokens.min() >= 0 and tokens.max() < 12
    assert np.array_equal(labels, np.arange(200) % 2)
    assert np.array_equal(has_repeat(tokens), labels)
    for row, label, (a, b) in zip(tokens, labels, pairs, strict=True):
        if label:
            assert a < b and row[a] == row[b] and len(set(row)) == 7
        else:
            assert a == b == -1 and len(set(row)) == 8
    again = make_repeat_task(200, length=8, vocab_size=12, seed=0)
    assert all(
        np.array_equal(u, v)
        for u, v in zip(again, (tokens, labels, pairs), strict=True)
    )


def test_has_repeat_by_brute_force():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 6, (50, 4))
    assert np.array_equal(has_repeat(t), [int(len(set(r)) < 4) for r in t])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": 5, "length": 1},
        {"n": 5, "length": 10, "vocab_size": 8},
        {"n": True},
    ],
)
def test_make_repeat_task_bad_input(kwargs):
    with pytest.raises(ValueError):
        make_repeat_task(**kwargs)


def test_has_repeat_bad_input():
    with pytest.raises(ValueError):
        has_repeat(np.zeros(3, dtype=int))
    with pytest.raises(ValueError):
        has_repeat(np.zeros((2, 3)))
