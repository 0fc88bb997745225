"""The DPO loss and the KL drift (chapter 5.7), and the self-check check_dpo_loss."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows

from bookutils.checks.preference import MISTAKES, check_dpo_loss
from bookutils.training import preference
from bookutils.training.preference import dpo_loss, mean_token_kl

NOTEBOOK = (
    Path(__file__).parents[1]
    / "notebooks/05_practice/5_7_tuning_and_alignment.ipynb"
)


def t(*values):
    return torch.tensor(values, dtype=torch.float64)


def test_chapter_5_7_shows_the_lesson_code():
    assert_notebook_shows(NOTEBOOK, preference, {"dpo_loss", "mean_token_kl"})


def test_dpo_loss_is_the_papers_formula_on_hand_made_numbers():
    # pair 1: chosen up 1, rejected down 2 -> margin 3; pair 2: margin -1
    pc, pr, rc, rr = t(-4.0, -6.0), t(-9.0, -5.0), t(-5.0, -5.5), t(-7.0, -5.5)
    beta = 0.5
    expected = (math.log(1 + math.exp(-1.5)) + math.log(1 + math.exp(0.5))) / 2
    assert dpo_loss(pc, pr, rc, rr, beta).item() == pytest.approx(
        expected, rel=1e-12
    )


def test_dpo_loss_is_log_2_when_the_policy_is_the_reference():
    lp = t(-3.0, -8.0, -1.5)
    assert dpo_loss(lp, lp - 1, lp, lp - 1, 0.3).item() == pytest.approx(
        math.log(2)
    )


def test_dpo_loss_only_sees_the_changes_relative_to_the_reference():
    pc, pr, rc, rr = t(-2.0, -7.0), t(-5.0, -1.0), t(-3.0, -6.0), t(-4.0, -2.0)
    shifted = dpo_loss(
        pc + 10, pr, rc + 10, rr, 0.2
    )  # same change, other reference
    assert shifted.item() == pytest.approx(dpo_loss(pc, pr, rc, rr, 0.2).item())


def test_the_dpo_gradient_raises_chosen_and_lowers_rejected():
    pc, pr = t(-4.0, -6.0).requires_grad_(), t(-5.0, -3.0).requires_grad_()
    dpo_loss(pc, pr, t(-4.0, -6.0), t(-5.0, -3.0), 0.1).backward()
    assert (pc.grad < 0).all() and (
        pr.grad > 0
    ).all()  # descent raises pc, lowers pr
    # at margin 0 each gradient is beta * sigmoid(0) / pairs = 0.1 * 0.5 / 2
    assert torch.allclose(pc.grad, torch.full((2,), -0.025, dtype=torch.float64))


def test_dpo_loss_stays_finite_for_huge_margins():
    loss = dpo_loss(t(-1.0), t(-1000.0), t(-1000.0), t(-1.0), 1.0)
    assert torch.isfinite(loss) and loss.item() == pytest.approx(0.0, abs=1e-12)
    loss = dpo_loss(t(-1000.0), t(-1.0), t(-1.0), t(-1000.0), 1.0)
    assert loss.item() == pytest.approx(1998.0)


def test_dpo_loss_rejects_bad_input():
    with pytest.raises(ValueError, match="shapes must agree"):
        dpo_loss(t(1.0, 2.0), t(1.0), t(1.0), t(1.0))
    with pytest.raises(TypeError, match="policy_chosen must be a torch.Tensor"):
        dpo_loss([1.0], t(1.0), t(1.0), t(1.0))
    with pytest.raises(ValueError, match="beta must be positive"):
        dpo_loss(t(1.0), t(1.0), t(1.0), t(1.0), beta=0.0)
    with pytest.raises(TypeError, match="beta must be a number"):
        dpo_loss(t(1.0), t(1.0), t(1.0), t(1.0), beta="0.1")


def test_mean_token_kl_matches_the_definition():
    g = torch.Generator().manual_seed(0)
    p_logits = torch.randn(5, 7, generator=g, dtype=torch.float64)
    q_logits = torch.randn(5, 7, generator=g, dtype=torch.float64)
    p, q = p_logits.softmax(-1), q_logits.softmax(-1)
    by_hand = (
        sum(
            sum(p[i, j] * math.log(p[i, j] / q[i, j]) for j in range(7))
            for i in range(5)
        )
        / 5
    )
    assert mean_token_kl(p_logits, q_logits).item() == pytest.approx(float(by_hand))
    assert mean_token_kl(p_logits, p_logits + 3.0).item() == pytest.approx(
        0, abs=1e-12
    )
    assert mean_token_kl(p_logits, q_logits) > 0
    with pytest.raises(ValueError, match="shapes must agree"):
        mean_token_kl(p_logits, q_logits[:4])


# ---- the self-check ------------------------------------------------------------------


def right(pc, pr, rc, rr, beta):
    return -F.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()


def test_a_right_answer_passes_also_in_float32_and_as_a_float(capsys):
    assert check_dpo_loss(right)
    assert check_dpo_loss(
        lambda *a: right(
            *(x.float() for x in a[:4]), a[4]
        )  # float32 is judged as such
    )
    assert check_dpo_loss(lambda *a: right(*a).item())
    # half precision too: answers are judged at the precision they come in (selfcheck)
    assert check_dpo_loss(lambda *a: right(*(x.half() for x in a[:4]), a[4]))
    assert capsys.readouterr().out.count("✓") == 4


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.hint[:30] for m in MISTAKES])
def test_every_typical_mistake_gets_its_hint(mistake, capsys):
    result = check_dpo_loss(mistake.impl)
    assert not result and result.messages[-1] == f"  Hint: {mistake.hint}"


def _mutating(pc, pr, rc, rr, beta):
    pc -= rc  # in place: changes the caller's tensor
    return -F.logsigmoid(beta * (pc - (pr - rr))).mean()


# Wrong implementations written without a hint for them, and what the check must say.
UNHINTED = {
    "chosen and rejected swapped only in the policy terms": (
        lambda pc, pr, rc, rr, beta: right(pr, pc, rc, rr, beta),
        "wrong answer on the case",
    ),
    "log-sigmoid of the mean margin (reduced on the wrong side)": (
        lambda pc, pr, rc, rr, beta: -F.logsigmoid(
            beta * ((pc - rc) - (pr - rr)).mean()
        ),
        "wrong answer on the case",
    ),
    "only the chosen reference subtracted": (
        lambda pc, pr, rc, rr, beta: right(pc, pr, rc, torch.zeros_like(rr), beta),
        "wrong answer on the case",
    ),
    "beta divides instead of multiplying": (
        lambda pc, pr, rc, rr, beta: right(pc, pr, rc, rr, 1 / beta),
        "wrong answer on the case",
    ),
    "mutates its input": (_mutating, "changed its inputs in place"),
    "returns a list": (
        lambda *a: [right(*a).item()],
        "expected shape ()",
    ),
    "returns None": (lambda *a: None, "returned None"),
    "raises": (lambda *a: a[5], "raised IndexError"),
}


@pytest.mark.parametrize("name", sorted(UNHINTED))
def test_wrong_implementations_without_a_hint_get_useful_feedback(name, capsys):
    fn, expected = UNHINTED[name]
    result = check_dpo_loss(fn)
    out = capsys.readouterr().out
    assert not result and expected in out and "Traceback" not in out, out
    assert out.startswith("✗ check_dpo_loss:"), out


def test_a_function_that_never_returns_times_out(monkeypatch, capsys):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.3")

    def spin(*args):
        while True:
            pass

    result = check_dpo_loss(spin)
    out = capsys.readouterr().out
    assert not result and "did not finish within the time limit of 0.3 s" in out, (
        out
    )
    assert "Traceback" not in out


def test_passing_the_result_instead_of_the_function(capsys):
    result = check_dpo_loss(right(t(-1.0), t(-2.0), t(-1.0), t(-2.0), 0.1))
    assert not result and "pass the function itself" in capsys.readouterr().out
