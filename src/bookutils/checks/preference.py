"""Self-check for chapter 5.7: the DPO loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check
from ..training.preference import dpo_loss


def _reference(pc, pr, rc, rr, beta):
    return dpo_loss(pc.double(), pr.double(), rc.double(), rr.double(), beta)


def _t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


CASES = (
    Case(
        (_t(-5.0), _t(-7.0), _t(-6.0), _t(-6.0), 1.0),
        "one pair, beta = 1: the policy raised the chosen response by 1 nat and lowered"
        " the rejected one by 1 (margin 2)",
    ),
    Case(
        (_t(-4.0, -9.0), _t(-8.0, -3.0), _t(-4.0, -9.0), _t(-8.0, -3.0), 0.1),
        "two pairs, policy = reference: every margin is 0, the loss is log 2",
    ),
    Case(
        (
            _t(-3.0, -12.0, -6.5),
            _t(-10.0, -2.0, -6.0),
            _t(-4.0, -11.0, -7.0),
            _t(-9.0, -3.0, -5.0),
            0.5,
        ),
        "three pairs with different references, beta = 0.5",
    ),
    Case(
        (_t(-1.0, -2.0), _t(-900.0, -1.0), _t(-1.0, -2.0), _t(-1.0, -901.0), 1.0),
        "huge margins (+899 and -900): the loss must stay finite",
    ),
)


def _dpo(
    pc, pr, rc, rr, beta, *, sign=1.0, use_beta=True, use_ref=True, reduce="mean"
):
    margin = (pc - pr) - ((rc - rr) if use_ref else 0.0)
    losses = -F.logsigmoid(sign * (beta if use_beta else 1.0) * margin)
    return losses.sum() if reduce == "sum" else losses.mean()


MISTAKES = (
    Mistake(
        lambda pc, pr, rc, rr, beta: _dpo(pc, pr, rc, rr, beta, sign=-1.0),
        "the sign is flipped: the margin is (chosen - rejected), and the loss is"
        " -log σ(+β · margin), which falls as the chosen response gains.",
    ),
    Mistake(
        lambda pc, pr, rc, rr, beta: -_dpo(pc, pr, rc, rr, beta),
        "the loss is MINUS log σ(β · margin): log σ is negative, the loss positive.",
    ),
    Mistake(
        lambda pc, pr, rc, rr, beta: _dpo(pc, pr, rc, rr, beta, use_beta=False),
        "beta is missing: multiply the margin by beta before the sigmoid.",
    ),
    Mistake(
        lambda pc, pr, rc, rr, beta: _dpo(pc, pr, rc, rr, beta, use_ref=False),
        "the reference log-probabilities are not subtracted: DPO compares how much the"
        " policy changed each response, (log π - log π_ref), not log π itself.",
    ),
    Mistake(
        lambda pc, pr, rc, rr, beta: _dpo(pc, pr, rc, rr, beta, reduce="sum"),
        "average the per-pair losses (mean), do not add them up (sum): the loss must not"
        " grow with the number of pairs.",
    ),
    Mistake(
        lambda pc, pr, rc, rr, beta: -F.logsigmoid(beta * ((pc - rc) - (pr - rr))),
        "return one number, the mean of the per-pair losses, not one loss per pair.",
    ),
    Mistake(
        lambda pc, pr, rc, rr, beta: -torch.log(
            torch.sigmoid(beta * ((pc - rc) - (pr - rr)))
        ).mean(),
        "log(sigmoid(x)) overflows to -inf for very negative x; use"
        " torch.nn.functional.logsigmoid, which computes it stably.",
    ),
)


def check_dpo_loss(fn) -> CheckResult:
    """Check ``fn(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)``
    returns the mean over pairs of ``-log σ(β · margin)``."""
    return run_check(
        "check_dpo_loss",
        fn,
        _reference,
        CASES + resampled(CASES[:3], seed=57, scales=(1.0, 5.0)),
        MISTAKES,
        signature="(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)",
    )
