"""Self-checks for chapter 3.2: one step of Adam and one step of AdamW, in NumPy, and a
whole Adam optimizer on torch tensors.

The learner's step function is called as ``fn(theta, grad, m, v, t, lr, beta1, beta2, eps)``
(AdamW: one more argument, ``weight_decay``), where ``t`` is the number of the step being
taken (1 for the first), and must return the new ``(theta, m, v)``. The optimizer of the
"Build it yourself" exercise is checked by :func:`check_adam_optimizer`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ..optim.optimizers import adam_rule, adamw_rule
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    _error_lines,
    _type_name,
    call_with_time_limit,
    describe,
    resampled,
    run_check,
    time_limit,
)

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


# ------------------------------------------------- "Build it yourself": a whole Adam optimizer
#
# The learner writes ``fn(params, state, lr, beta1, beta2, eps)``: one Adam step on a list of
# float64 torch tensors whose ``.grad`` holds the gradient, updating the tensors in place and
# keeping whatever it needs between steps in the dict ``state`` (empty before the first
# step, the same dict at every later step). The check trains a small tanh regression with
# it for several steps and compares the parameters after every step with torch.optim.Adam.

#: Largest allowed difference from torch.optim.Adam, relative to the parameters' size:
#: float64 round-off over a few steps is about 1e-15, a float32 slip about 1e-8.
OPTIMIZER_RTOL = 1e-11


@dataclass(frozen=True)
class OptimizerCase:
    """One training run: the problem's seed, the number of steps and Adam's settings."""

    seed: int
    steps: int
    lr: float
    beta1: float
    beta2: float
    eps: float
    scale: float  # multiplies the loss, hence every gradient
    description: str


def _problem(case: OptimizerCase):
    gen = torch.Generator().manual_seed(case.seed)
    X = torch.randn(8, 3, generator=gen, dtype=torch.float64)  # (n, d_in)
    Y = torch.randn(8, 4, generator=gen, dtype=torch.float64)  # (n, d_out)
    W = torch.randn(3, 4, generator=gen, dtype=torch.float64).requires_grad_()
    b = torch.randn(4, generator=gen, dtype=torch.float64).requires_grad_()
    return X, Y, [W, b]


_NAMES = ("W (3×4)", "b (4,)")


@dataclass
class _Run:
    snapshots: list  # after each finished step: [W, b] as NumPy arrays
    error: BaseException | None = None
    problem: list[str] | None = None  # a misuse found by the check, in words


def _run(fn, case: OptimizerCase, limit: float | None) -> _Run:
    X, Y, params = _problem(case)
    state: dict = {}
    run = _Run([])
    for k in range(case.steps):
        for p in params:
            p.grad = None
        (
            case.scale * ((torch.tanh(X @ params[0] + params[1]) - Y) ** 2).mean()
        ).backward()
        grads = [p.grad.clone() for p in params]
        args = (list(params), state, case.lr, case.beta1, case.beta2, case.eps)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if limit is None:
                    fn(*args)
                else:
                    call_with_time_limit(fn, args, limit)
        except BaseException as exc:  # noqa: BLE001 (the learner's error is feedback)
            run.error = exc
            return run
        where = f"after step {k + 1} of the case: {case.description}"
        for name, p, g in zip(_NAMES, params, grads, strict=True):
            if p.dtype != torch.float64 or p.shape != g.shape:
                run.problem = [
                    f"{where}, parameter {name} became {_type_name(p)}.",
                    "  Hint: it must stay a float64 tensor of its shape: update it in"
                    " place (p -= step, under torch.no_grad()).",
                ]
                return run
            if p.grad is None or not torch.allclose(
                p.grad, g, 0, 0, equal_nan=True
            ):
                run.problem = [
                    f"your function changed the gradient of {name} ({where}).",
                    "  Hint: read p.grad and build new tensors from it"
                    " (g = p.grad + ..., not p.grad += ...); leave the gradients as"
                    " they are.",
                ]
                return run
        run.snapshots.append([p.detach().numpy().copy() for p in params])
    return run


def _same_params(a, b) -> bool:
    return all(
        np.array_equal(np.isfinite(x), np.isfinite(y))
        and np.max(np.abs(np.nan_to_num(x - y)), initial=0.0)
        <= OPTIMIZER_RTOL
        * max(1.0, float(np.max(np.abs(np.nan_to_num(y)), initial=0)))
        for x, y in zip(a, b, strict=True)
    )


def _same_run(mine: _Run, other: _Run) -> bool:
    if len(mine.snapshots) != len(other.snapshots) or mine.problem or other.problem:
        return False
    if (mine.error is None) != (other.error is None):
        return False
    if mine.error is not None and type(mine.error) is not type(other.error):
        return False
    return all(
        _same_params(a, b)
        for a, b in zip(mine.snapshots, other.snapshots, strict=True)
    )


def adam_optimizer_reference(params, state, lr, beta1, beta2, eps):
    """torch.optim.Adam's step in the exercise's form (the optimizer lives in ``state``)."""
    if "torch" not in state:
        state["torch"] = torch.optim.Adam(
            params, lr=lr, betas=(beta1, beta2), eps=eps
        )
    state["torch"].step()


def _adam_like(
    params,
    state,
    lr,
    beta1,
    beta2,
    eps,
    *,
    sign=1.0,
    correct=True,
    t_offset=0,
    eps_inside=False,
    v_outside=False,
    keep_state=True,
    count_per_param=False,
    count=True,
    square=True,
    old_moments=False,
):
    """A configurable Adam step, to write each typical mistake in one line."""
    store = state if keep_state else {}
    if not count_per_param:
        store["t"] = store.get("t", 0) + (1 if count or "t" not in store else 0)
    with torch.no_grad():
        for i, p in enumerate(params):
            if count_per_param:
                store["t"] = store.get("t", 0) + 1
            t = store["t"] + t_offset
            g = p.grad
            m_old = store.get(("m", i), torch.zeros_like(p))
            v_old = store.get(("v", i), torch.zeros_like(p))
            m = beta1 * m_old + (1 - beta1) * g
            v = beta2 * v_old + (1 - beta2) * (g * g if square else g)
            store["m", i], store["v", i] = m, v
            if old_moments:
                m, v = m_old, v_old
            c1 = 1 - beta1**t if correct else 1.0
            c2 = 1 - beta2**t if correct else 1.0
            if eps_inside:
                denom = (v / c2 + eps).sqrt()
            elif v_outside:
                denom = v.sqrt() / c2 + eps
            else:
                denom = (v / c2).sqrt() + eps
            p -= sign * (lr / c1) * m / denom


def _optimizer_mistake(**how):
    return lambda *args: _adam_like(*args, **how)


ADAM_OPTIMIZER_MISTAKES = (
    Mistake(
        _optimizer_mistake(sign=-1.0),
        "sign error: Adam moves θ against the gradient, θ ← θ - η·m̂/(√v̂ + ε).",
    ),
    Mistake(
        _optimizer_mistake(correct=False),
        "no bias correction: divide m by (1 - β₁ᵗ) and v by (1 - β₂ᵗ); m and v start at 0,"
        " so without it the first steps are far too small.",
    ),
    Mistake(
        _optimizer_mistake(t_offset=-1),
        "the step count starts at 0: t is the number of the step being taken, 1 for the"
        " first, so the first bias correction is 1 - β, not 1 - β⁰ = 0. Increase t"
        " before you use it.",
    ),
    Mistake(
        _optimizer_mistake(t_offset=1),
        "the step count is one ahead: t is 1 on the first step; use 1 - βᵗ, not"
        " 1 - βᵗ⁺¹.",
    ),
    Mistake(
        _optimizer_mistake(eps_inside=True),
        "ε belongs outside the square root: √v̂ + ε, not √(v̂ + ε).",
    ),
    Mistake(
        _optimizer_mistake(v_outside=True),
        "the bias correction of v goes inside the square root: √(v / (1 - β₂ᵗ)),"
        " not √v / (1 - β₂ᵗ).",
    ),
    Mistake(
        _optimizer_mistake(keep_state=False),
        "m, v and t are not kept between steps: every step behaves like the first. Store"
        " them in `state` (e.g. state[i] = (m, v)) and read them back at the next call.",
    ),
    Mistake(
        _optimizer_mistake(count=False),
        "t never grows: count the steps in `state` and add 1 at every call, so that the"
        " bias correction 1 - βᵗ tends to 1.",
    ),
    Mistake(
        _optimizer_mistake(count_per_param=True),
        "t is counted once per parameter: with W and b it grows by 2 per step. Count the"
        " call (one step of the optimizer), not the tensors.",
    ),
    Mistake(
        _optimizer_mistake(square=False),
        "v averages the *squared* gradient: v ← β₂v + (1 - β₂)·g².",
    ),
    Mistake(
        _optimizer_mistake(old_moments=True),
        "update m and v first, then step with the *new* moments.",
    ),
)

ADAM_OPTIMIZER_CASES = (
    OptimizerCase(
        0, 6, 0.1, 0.9, 0.999, 1e-8, 1.0, "6 steps, lr 0.1, torch's defaults"
    ),
    OptimizerCase(
        1,
        6,
        0.05,
        0.5,
        0.9,
        0.1,
        0.01,
        "6 steps, betas (0.5, 0.9), eps 0.1 larger than the gradients",
    ),
) + tuple(
    OptimizerCase(
        seed,
        5,
        lr,
        b1,
        b2,
        eps,
        scale,
        f"a generated run: seed {seed}, lr {lr:g}, betas ({b1:g}, {b2:g}), eps {eps:g},"
        f" gradients × {scale:g}",
    )
    for seed, lr, b1, b2, eps, scale in [
        (10, 0.01, 0.8, 0.99, 1e-8, 1.0),
        (11, 0.3, 0.95, 0.9999, 1e-3, 0.1),
        (12, 0.002, 0.6, 0.95, 1e-6, 1e-3),
    ]
)

_SIGNATURE = "(params, state, lr, beta1, beta2, eps)"


def check_adam_optimizer(fn) -> CheckResult:
    """Check ``fn(params, state, lr, beta1, beta2, eps)``, one Adam step in place, against
    ``torch.optim.Adam`` after every step of a few short float64 training runs."""
    name = "check_adam_optimizer"

    def verdict(passed: bool, *lines: str) -> CheckResult:
        messages = [f"{'✓' if passed else '✗'} {name}: {lines[0]}", *lines[1:]]
        print("\n".join(messages))
        return CheckResult(name, passed, messages)

    if not callable(fn):
        return verdict(
            False,
            f"expected a function {_SIGNATURE}, got {type(fn).__name__}.",
            f"  Hint: pass the function itself, without calling it: {name}(my_function),"
            f" not {name}(my_function(...)).",
        )
    limit = time_limit()
    for case in ADAM_OPTIMIZER_CASES:
        mine = _run(fn, case, limit)
        expected = _run(adam_optimizer_reference, case, None)
        if mine.problem:
            return verdict(False, *mine.problem)
        if mine.error is None and _same_run(mine, expected):
            continue
        step = len(mine.snapshots)
        where = Case((), f"step {step + 1} of {case.description}")
        if mine.error is not None:
            lines = _error_lines(mine.error, where, _SIGNATURE, limit)
            if not isinstance(
                mine.error, Exception
            ):  # a timeout or exit(): no hint
                return verdict(False, *lines)
            lines = lines[:2]
            if "leaf Variable" in str(mine.error):
                return verdict(
                    False,
                    *lines,
                    "  Hint: change the parameters inside `with torch.no_grad():`, so"
                    " that autograd does not record the update.",
                )
        else:
            step = next(
                k
                for k, (a, b) in enumerate(
                    zip(mine.snapshots, expected.snapshots, strict=False)
                )
                if not _same_params(a, b)
            )
            i = next(
                i
                for i, (x, y) in enumerate(
                    zip(mine.snapshots[step], expected.snapshots[step], strict=True)
                )
                if not _same_params([x], [y])
            )
            want, got = expected.snapshots[step][i], mine.snapshots[step][i]
            lines = [
                f"wrong parameters after step {step + 1} of the case: {case.description}",
                f"  {_NAMES[i]}: expected {describe(want)}, got {describe(got)}"
                f" (largest difference {np.max(np.abs(got - want)):.1e})",
            ]
        runs = [_run(fn, c, limit) for c in ADAM_OPTIMIZER_CASES]
        for mistake in ADAM_OPTIMIZER_MISTAKES:
            if all(
                _same_run(r, _run(mistake.impl, c, None))
                for r, c in zip(runs, ADAM_OPTIMIZER_CASES, strict=True)
            ):
                return verdict(False, *lines, f"  Hint: {mistake.hint}")
        if mine.error is not None:
            return verdict(
                False, *_error_lines(mine.error, where, _SIGNATURE, limit)
            )
        _, _, start = _problem(case)
        if all(
            np.array_equal(x, p.detach().numpy())
            for x, p in zip(mine.snapshots[0], start, strict=True)
        ):
            return verdict(
                False,
                *lines,
                "  Hint: the parameters did not move. Update each tensor in place"
                " (p -= step under torch.no_grad()); returning new tensors or rebinding"
                " a name leaves the model's parameters as they were.",
            )
        if not all(np.all(np.isfinite(x)) for s in mine.snapshots for x in s):
            return verdict(
                False,
                *lines,
                "  Hint: your parameters became inf or nan: is a bias correction"
                " 1 - βᵗ zero? t must be 1 on the first step.",
            )
        return verdict(False, *lines)
    return verdict(
        True,
        f"all {len(ADAM_OPTIMIZER_CASES)} runs agree with torch.optim.Adam after every step.",
    )
