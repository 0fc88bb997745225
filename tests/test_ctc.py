"""Tests for bookutils.tasks.ctc: collapse, greedy decoding, the CTC loss against torch, the CER."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows

from bookutils.checks.ctc import (
    check_ctc_alpha,
    check_ctc_collapse,
    check_edit_distance,
    ctc_alpha_reference,
)
from bookutils.tasks import ctc
from bookutils.tasks.ctc import (
    character_error_rate,
    ctc_collapse,
    ctc_loss,
    edit_distance,
    greedy_decode,
)


def test_ctc_collapse_merges_then_drops_blanks():
    assert ctc_collapse([1, 1, 0, 1, 2, 2]) == [1, 1, 2]
    assert ctc_collapse([0, 0]) == [] and ctc_collapse([]) == []
    assert ctc_collapse([3, 3, 9, 3], blank=9) == [3, 3]


def test_greedy_decode():
    scores = torch.tensor(
        [[0.1, 0.9, 0], [0.2, 0.8, 0], [0.9, 0, 0.1], [0, 0.2, 0.8]]
    )
    assert greedy_decode(scores) == [1, 2]
    assert greedy_decode(scores.numpy()) == [1, 2]
    with pytest.raises(ValueError, match=r"\(T, C\)"):
        greedy_decode(torch.zeros(3))


def _collapse(path) -> list[int]:
    """CTC's many-to-one map, written here apart from ctc_collapse: merge runs, drop 0."""
    return [s for s, _ in itertools.groupby(path) if s != 0]


def test_ctc_loss_equals_brute_force():
    rng = np.random.default_rng(0)
    lp = torch.log_softmax(torch.tensor(rng.normal(size=(4, 3))), dim=1)
    for target in ([1], [2, 2], [1, 2], [], [1, 2, 1]):
        total = sum(
            np.exp(sum(lp[t, s].item() for t, s in enumerate(path)))
            for path in itertools.product(range(3), repeat=4)
            if _collapse(path) == target
        )
        assert np.isclose(ctc_loss(lp, target).item(), -np.log(total), rtol=1e-12)


def test_ctc_loss_and_gradient_match_torch():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(
        25, 6, generator=gen, dtype=torch.float64, requires_grad=True
    )
    target = [1, 3, 3, 5, 2]
    ours = ctc_loss(torch.log_softmax(logits, 1), target)
    theirs = F.ctc_loss(
        torch.log_softmax(logits, 1)[:, None],
        torch.tensor([target]),
        torch.tensor([25]),
        torch.tensor([5]),
        reduction="sum",
    )
    torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)
    (g1,) = torch.autograd.grad(ours, logits)
    (g2,) = torch.autograd.grad(theirs, logits)
    torch.testing.assert_close(g1, g2, rtol=1e-8, atol=1e-10)


def test_ctc_loss_impossible_target_is_infinite_and_bad_input():
    lp = torch.log_softmax(torch.zeros(2, 3, dtype=torch.float64), 1)
    assert torch.isinf(ctc_loss(lp, [1, 1]))  # needs 3 frames: 1, blank, 1
    with pytest.raises(ValueError, match="blank"):
        ctc_loss(lp, [0, 1])
    with pytest.raises(ValueError, match=r"\(T, C\)"):
        ctc_loss(np.zeros((2, 3)), [1])


def test_edit_distance_hand_cases_and_errors():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "") == 0 and edit_distance("abc", "") == 3
    assert edit_distance([1, 2, 3], [1, 3]) == 1
    # a transposition is two edits in Levenshtein's distance (not one, as in Damerau's)
    assert edit_distance("ab", "ba") == 2, (
        f"edit_distance('ab', 'ba') {edit_distance('ab', 'ba')}"
    )
    assert edit_distance("flaw", "lawn") == 2  # delete f, insert n
    with pytest.raises(TypeError, match="sequences"):
        edit_distance(3, "a")


def test_character_error_rate():
    assert character_error_rate(["mana", "si"], ["mna", "sis"]) == 2 / 6
    assert character_error_rate(["a"], ["a"]) == 0.0
    with pytest.raises(TypeError, match="lists"):
        character_error_rate("abc", "abd")
    with pytest.raises(ValueError, match="references but"):
        character_error_rate(["a"], [])
    with pytest.raises(ValueError, match="empty"):
        character_error_rate([""], ["a"])


def test_self_checks_pass_the_book_functions():
    assert check_ctc_collapse(ctc_collapse)
    assert check_edit_distance(edit_distance)


NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "06_applications" / "6_3_speech.ipynb"
)


def test_chapter_6_3_shows_the_ctc_loss_it_teaches():
    assert_notebook_shows(NOTEBOOK, ctc, {"ctc_loss", "greedy_decode"})


# --- check_ctc_alpha: a right answer, and wrong ones it has no hint for ----------------


def _alpha_vectorised(probs, target, blank):
    """A correct alternative: one row at a time with NumPy shifts."""
    y = np.array([blank] + [v for c in target for v in (c, blank)])
    skip = np.zeros(len(y), bool)
    skip[2:] = (y[2:] != blank) & (y[2:] != y[:-2])
    alpha = np.zeros((len(probs), len(y)))
    alpha[0, :2] = probs[0, y[:2]]
    for t in range(1, len(probs)):
        prev = alpha[t - 1]
        total = (
            prev
            + np.r_[0.0, prev[:-1]]
            + np.where(skip, np.r_[0.0, 0.0, prev][: len(y)], 0)
        )
        alpha[t] = probs[t, y] * total
    return alpha


def test_check_ctc_alpha_passes_right_answers(capsys):
    assert check_ctc_alpha(ctc_alpha_reference)
    assert check_ctc_alpha(_alpha_vectorised)
    assert check_ctc_alpha(
        lambda p, y, b: torch.from_numpy(_alpha_vectorised(p, y, b))
    )
    # float32 arithmetic is judged at float32 precision (the checks' contract)
    assert check_ctc_alpha(
        lambda p, y, b: _alpha_vectorised(p.astype(np.float32), y, b)
    )
    assert capsys.readouterr().out.count("✓") == 4


def _alpha_transposed(probs, target, blank):
    return _alpha_vectorised(probs, target, blank).T


def _alpha_no_stay(probs, target, blank):
    y = [blank] + [v for c in target for v in (c, blank)]
    alpha = np.zeros((len(probs), len(y)))
    alpha[0, :2] = probs[0, y[:2]]
    for t in range(1, len(probs)):
        for j in range(len(y)):
            total = (
                alpha[t - 1, j - 1] if j >= 1 else 0.0
            )  # the stay term is missing
            if j >= 2 and y[j] != blank and y[j] != y[j - 2]:
                total += alpha[t - 1, j - 2]
            alpha[t, j] = probs[t, y[j]] * total
    return alpha


def _alpha_frames_normalised(probs, target, blank):
    # normalises each symbol over the frames (axis 0) instead of leaving the rows alone
    return _alpha_vectorised(
        probs / probs.sum(axis=0, keepdims=True), target, blank
    )


def _alpha_mutates_target(probs, target, blank):
    target.insert(0, blank)  # builds y' in the caller's list
    for i in range(len(target) - 1, 0, -1):
        target.insert(i, blank)
    target.append(blank)
    return _alpha_vectorised(probs, [c for c in target if c != blank], blank)


def _alpha_as_list(probs, target, blank):
    return _alpha_vectorised(probs, target, blank).tolist()


def _alpha_log_space(probs, target, blank):
    with np.errstate(divide="ignore"):
        return np.log(_alpha_vectorised(probs, target, blank))


def _alpha_forever(probs, target, blank):
    t = 0
    while t < len(probs):
        pass  # t is never increased
    return None


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_alpha_transposed, "wrong answer on the case: one character"),
        (_alpha_no_stay, "wrong answer on the case: one character"),
        (_alpha_frames_normalised, "wrong answer on the case: one character"),
        (_alpha_mutates_target, "changed its inputs in place"),
        (_alpha_as_list, "must be a NumPy array of shape (T, 2U + 1), not a list"),
        (_alpha_log_space, "wrong answer on the case: one character"),
        (_alpha_forever, "did not finish within the time limit of 0.3 s"),
    ],
)
def test_check_ctc_alpha_explains_wrong_answers_it_has_no_hint_for(
    wrong, expected, monkeypatch, capsys
):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.3")
    result = check_ctc_alpha(wrong)
    out = capsys.readouterr().out
    assert not result and out.startswith("✗") and "Traceback" not in out, out
    assert expected in out, out
