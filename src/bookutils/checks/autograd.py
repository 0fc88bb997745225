"""Self-checks for chapter 2.2: backward rules of a scalar autograd engine.

A backward rule receives the inputs of one operation and the *upstream* gradient
dL/d(output), and returns dL/d(input) for each input. The references are computed with the
book's engine, :class:`bookutils.foundations.autograd.Value`, so there is one source for every rule.
"""

from __future__ import annotations

import math

from ..foundations.autograd import Value
from ..selfcheck import Case, CheckResult, Mistake, resampled, run_check


def _engine_grads(build, *xs: float, upstream: float) -> tuple[float, ...]:
    leaves = [Value(x) for x in xs]
    (build(*leaves) * upstream).backward()
    return tuple(v.grad for v in leaves)


def mul_backward_reference(
    a: float, b: float, upstream: float
) -> tuple[float, float]:
    """(dL/da, dL/db) for out = a * b, given upstream = dL/d(out), from the engine."""
    return _engine_grads(lambda x, y: x * y, a, b, upstream=upstream)


def tanh_backward_reference(x: float, upstream: float) -> float:
    """dL/dx for out = tanh(x), given upstream = dL/d(out), from the engine."""
    return _engine_grads(lambda v: v.tanh(), x, upstream=upstream)[0]


MUL_CASES = (
    Case((2.0, -3.0, 1.0), "a = 2, b = -3, upstream gradient 1"),
    Case((0.5, 4.0, 2.0), "a = 0.5, b = 4, upstream gradient 2"),
    Case((-1.5, 0.25, -3.0), "a negative a and a negative upstream gradient"),
    Case((3.0, 3.0, 0.5), "the same number on both sides (a = b = 3)"),
)
MUL_GENERATED = resampled(MUL_CASES, 221, floats=True)

MUL_MISTAKES = (
    Mistake(
        lambda a, b, g: (a * g, b * g),
        "the gradients are swapped: d(a·b)/da is b, not a. Each input's gradient is the"
        " *other* input times the upstream gradient.",
    ),
    Mistake(
        lambda a, b, g: (b, a),
        "the upstream gradient is missing: by the chain rule, multiply the local"
        " derivative (b for a, a for b) by dL/d(out).",
    ),
    Mistake(
        lambda a, b, g: (g, g),
        "that is the rule for addition (local derivatives 1 and 1); for a product the"
        " local derivative with respect to a is b, and with respect to b is a.",
    ),
    Mistake(
        lambda a, b, g: (b * g, b * g),
        "both gradients use b; the gradient for b is a times the upstream gradient.",
    ),
    Mistake(
        lambda a, b, g: (a * b * g, a * b * g),
        "that multiplies by the output a·b; the local derivative of a·b with respect to"
        " a is b alone.",
    ),
)

TANH_CASES = (
    Case((0.5, 1.0), "x = 0.5, upstream gradient 1"),
    Case((-1.2, 1.0), "x = -1.2, upstream gradient 1"),
    Case((0.8, -2.5), "x = 0.8, upstream gradient -2.5"),
    Case((3.0, 0.4), "x = 3 (tanh is nearly flat there), upstream gradient 0.4"),
)
TANH_GENERATED = resampled(TANH_CASES, 222, scales=(0.3, 2.0), floats=True)

TANH_MISTAKES = (
    Mistake(
        lambda x, g: (1 - x**2) * g,
        "1 - t² must use the *output* t = tanh(x), not the input x.",
    ),
    Mistake(
        lambda x, g: 1 - math.tanh(x) ** 2,
        "the upstream gradient is missing: multiply the local derivative 1 - tanh(x)²"
        " by dL/d(out).",
    ),
    Mistake(
        lambda x, g: (1 - math.tanh(x)) * g,
        "the derivative of tanh is 1 - tanh(x)², squared; 1 - tanh(x) forgets the square.",
    ),
    Mistake(
        lambda x, g: (1 - math.tanh(x)) ** 2 * g,
        "the square belongs to tanh alone: 1 - tanh(x)², not (1 - tanh(x))².",
    ),
    Mistake(
        lambda x, g: math.tanh(x) * (1 - math.tanh(x)) * g,
        "t(1 - t) is the derivative of the sigmoid written in its own output; for tanh it"
        " is 1 - t².",
    ),
    Mistake(
        lambda x, g: (1 + math.tanh(x) ** 2) * g,
        "sign error: the derivative of tanh is 1 - tanh(x)², which is at most 1.",
    ),
)


def check_mul_backward(fn) -> CheckResult:
    """Check ``fn(a, b, upstream)`` returns ``(dL/da, dL/db)`` for out = a * b."""
    return run_check(
        "check_mul_backward",
        fn,
        mul_backward_reference,
        MUL_CASES + MUL_GENERATED,
        MUL_MISTAKES,
        signature="(a, b, upstream)",
    )


def check_tanh_backward(fn) -> CheckResult:
    """Check ``fn(x, upstream)`` returns dL/dx for out = tanh(x)."""
    return run_check(
        "check_tanh_backward",
        fn,
        tanh_backward_reference,
        TANH_CASES + TANH_GENERATED,
        TANH_MISTAKES,
        signature="(x, upstream)",
    )
