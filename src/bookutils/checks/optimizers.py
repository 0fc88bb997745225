"""Self-checks for chapter 3.2: one step of Adam and one step of AdamW, in NumPy.

The learner's function is called as ``fn(theta, grad, m, v, t, lr, beta1, beta2, eps)``
(AdamW: one more argument, ``weight_decay``), where ``t`` is the number of the step being
taken (1 for the first), and must return the new ``(theta, m, v)``.
"""

from __future__ import annotations

import numpy as np

from ..optim.optimizers import adam_rule, adamw_rule
from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check

_A = np.array


def adam_reference(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """The book's Adam step (:func:`bookutils.optim.optimizers.adam_rule`) in the check's form."""
    state = {"step": t - 1, "exp_avg": m, "exp_avg_sq": v}
    new, state = adam_rule(theta, grad, state, lr=lr, betas=(beta1, beta2), eps=eps)
    return new, state["exp_avg"], state["exp_avg_sq"]


def adamw_reference(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """The book's AdamW step (:func:`bookutils.optim.optimizers.adamw_rule`) in the check's form."""
    state = {"step": t - 1, "exp_avg": m, "exp_avg_sq": v}
    new, state = adamw_rule(
        theta,
        grad,
        state,
        lr=lr,
        betas=(beta1, beta2),
        eps=eps,
        weight_decay=weight_decay,
    )
    return new, state["exp_avg"], state["exp_avg_sq"]


def _adam(
    theta,
    grad,
    m,
    v,
    t,
    lr,
    beta1,
    beta2,
    eps,
    *,
    sign=1.0,
    correct1=None,
    correct2=None,
    denom=None,
    new_moments=True,
    square=True,
):
    """A configurable Adam step for writing typical mistakes in one line each."""
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * (grad * grad if square else grad)
    mm, vv = (m_new, v_new) if new_moments else (m, v)
    c1 = (1 - beta1**t) if correct1 is None else correct1(beta1, t)
    c2 = (1 - beta2**t) if correct2 is None else correct2(beta2, t)
    d = np.sqrt(vv / c2) + eps if denom is None else denom(vv, c2, eps)
    return theta - sign * lr * (mm / c1) / d, m_new, v_new


def _mistake(**how):
    return lambda *args: _adam(*args, **how)


ADAM_CASES = (
    Case(
        (
            _A([1.0, -2.0]),
            _A([0.5, -0.1]),
            _A([0.0, 0.0]),
            _A([0.0, 0.0]),
            1,
            0.1,
            0.9,
            0.999,
            1e-8,
        ),
        "the first step, t = 1, from m = v = 0",
    ),
    Case(
        (
            _A([0.3, 0.7, -1.1]),
            _A([0.2, -0.4, 0.05]),
            _A([0.1, -0.2, 0.0]),
            _A([0.02, 0.05, 0.001]),
            5,
            0.01,
            0.9,
            0.999,
            1e-8,
        ),
        "step t = 5 with moments already built up",
    ),
    Case(
        (
            _A([2.0, -1.0]),
            _A([0.3, 0.01]),
            _A([0.2, 0.05]),
            _A([0.04, 0.0004]),
            3,
            0.05,
            0.5,
            0.9,
            0.1,
        ),
        "step t = 3 with betas (0.5, 0.9) and a large eps = 0.1",
    ),
    Case(
        (
            _A([1.0, 1.0]),
            _A([0.0, 0.0]),
            _A([0.1, -0.1]),
            _A([0.01, 0.01]),
            10,
            0.1,
            0.9,
            0.999,
            1e-8,
        ),
        "a zero gradient at t = 10: the momentum still moves θ",
    ),
)
ADAM_GENERATED = resampled(ADAM_CASES, 321, positive=(3,))

ADAM_MISTAKES = (
    Mistake(
        _mistake(sign=-1.0),
        "sign error: Adam moves θ against the gradient, θ - η·m̂/(√v̂ + ε).",
    ),
    Mistake(
        _mistake(correct1=lambda b, t: 1.0, correct2=lambda b, t: 1.0),
        "no bias correction: divide m by (1 - β₁ᵗ) and v by (1 - β₂ᵗ); without it the"
        " first steps are far too small (m and v start at 0).",
    ),
    Mistake(
        _mistake(
            correct1=lambda b, t: 1 - b ** (t - 1),
            correct2=lambda b, t: 1 - b ** (t - 1),
        ),
        "bias correction with the wrong step count: t is the number of this step (1 for"
        " the first), so use 1 - β**t, not 1 - β**(t - 1).",
    ),
    Mistake(
        _mistake(
            correct1=lambda b, t: 1 - b ** (t + 1),
            correct2=lambda b, t: 1 - b ** (t + 1),
        ),
        "bias correction with the wrong step count: t already counts this step, so use"
        " 1 - β**t, not 1 - β**(t + 1).",
    ),
    Mistake(
        _mistake(denom=lambda v, c, eps: np.sqrt(v / c + eps)),
        "ε belongs outside the square root: √v̂ + ε, not √(v̂ + ε).",
    ),
    Mistake(
        _mistake(denom=lambda v, c, eps: np.sqrt(v) / c + eps),
        "the bias correction of v goes inside the square root: √(v / (1 - β₂ᵗ)),"
        " not √v / (1 - β₂ᵗ).",
    ),
    Mistake(
        _mistake(correct1=lambda b, t: 1.0),
        "m is not bias-corrected: divide it by (1 - β₁ᵗ) as well.",
    ),
    Mistake(
        _mistake(correct2=lambda b, t: 1.0),
        "v is not bias-corrected: divide it by (1 - β₂ᵗ) as well.",
    ),
    Mistake(
        _mistake(new_moments=False),
        "update m and v first, then step with the *new* moments.",
    ),
    Mistake(
        _mistake(square=False),
        "v averages the *squared* gradient: v ← β₂v + (1 - β₂)·g².",
    ),
)


def _adamw(theta, grad, m, v, t, lr, beta1, beta2, eps, wd, *, how):
    if how == "coupled":
        return _adam(theta, grad + wd * theta, m, v, t, lr, beta1, beta2, eps)
    if how == "after":
        new, m_new, v_new = _adam(theta, grad, m, v, t, lr, beta1, beta2, eps)
        return new * (1 - lr * wd), m_new, v_new
    factor = {
        "no_lr": 1 - wd,
        "sign": 1 + lr * wd,
        "none": 1.0,
        "no_bias": 1 - lr * wd,
    }[how]
    if how == "no_bias":
        return _adam(
            theta * factor,
            grad,
            m,
            v,
            t,
            lr,
            beta1,
            beta2,
            eps,
            correct1=lambda b, t: 1.0,
            correct2=lambda b, t: 1.0,
        )
    return _adam(theta * factor, grad, m, v, t, lr, beta1, beta2, eps)


ADAMW_CASES = (
    Case(
        (
            _A([1.0, -2.0]),
            _A([0.5, -0.1]),
            _A([0.0, 0.0]),
            _A([0.0, 0.0]),
            1,
            0.1,
            0.9,
            0.999,
            1e-8,
            0.1,
        ),
        "the first step, t = 1, with weight_decay = 0.1",
    ),
    Case(
        (
            _A([0.3, 0.7, -1.1]),
            _A([0.2, -0.4, 0.05]),
            _A([0.1, -0.2, 0.0]),
            _A([0.02, 0.05, 0.001]),
            5,
            0.01,
            0.9,
            0.999,
            1e-8,
            0.5,
        ),
        "step t = 5 with moments already built up, weight_decay = 0.5",
    ),
    Case(
        (
            _A([3.0, -4.0]),
            _A([0.0, 0.0]),
            _A([0.0, 0.0]),
            _A([1e-4, 1e-4]),
            7,
            0.1,
            0.9,
            0.999,
            1e-8,
            0.2,
        ),
        "zero gradient and zero momentum: only the weight decay acts",
    ),
    Case(
        (_A([1.5]), _A([1.0]), _A([0.0]), _A([0.0]), 1, 0.1, 0.9, 0.999, 1e-8, 0.0),
        "weight_decay = 0: AdamW is then exactly Adam",
    ),
)
ADAMW_GENERATED = resampled(ADAMW_CASES, 322, positive=(3,))

ADAMW_MISTAKES = (
    Mistake(
        lambda *a: _adamw(*a, how="coupled"),
        "weight decay is coupled: AdamW does not add wd·θ to the gradient (that is Adam's"
        " L2 penalty); it shrinks θ directly, θ ← θ·(1 - η·wd), outside Adam's scaling.",
    ),
    Mistake(
        lambda *a: _adamw(*a, how="no_lr"),
        "the decay is scaled by the learning rate too: θ ← θ·(1 - η·wd), not θ·(1 - wd).",
    ),
    Mistake(
        lambda *a: _adamw(*a, how="after"),
        "decay the parameter *before* the Adam step (θ·(1 - η·wd) - step), as torch does,"
        " not the already-updated one.",
    ),
    Mistake(
        lambda *a: _adamw(*a, how="sign"),
        "sign error in the decay: it shrinks θ, θ·(1 - η·wd), not θ·(1 + η·wd).",
    ),
    Mistake(
        lambda *a: _adamw(*a, how="none"),
        "the weight decay is missing: multiply θ by (1 - η·wd) before the Adam step.",
    ),
    Mistake(
        lambda *a: _adamw(*a, how="no_bias"),
        "no bias correction: divide m by (1 - β₁ᵗ) and v by (1 - β₂ᵗ).",
    ),
)


def check_adam_step(fn) -> CheckResult:
    """Check ``fn(theta, grad, m, v, t, lr, beta1, beta2, eps)`` returns Adam's new
    ``(theta, m, v)``, with torch's conventions."""
    return run_check(
        "check_adam_step",
        fn,
        adam_reference,
        ADAM_CASES + ADAM_GENERATED,
        ADAM_MISTAKES,
        signature="(theta, grad, m, v, t, lr, beta1, beta2, eps)",
    )


def check_adamw_step(fn) -> CheckResult:
    """Check ``fn(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)`` returns
    AdamW's new ``(theta, m, v)``, with torch's conventions."""
    return run_check(
        "check_adamw_step",
        fn,
        adamw_reference,
        ADAMW_CASES + ADAMW_GENERATED,
        ADAMW_MISTAKES,
        signature="(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)",
    )
