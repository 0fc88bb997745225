"""Self-check for chapter 1.3: a learner's formula for the parameters of an MLP."""

from __future__ import annotations

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)
from ..sizing.param_count import mlp_params


def _pairs(sizes):
    return list(zip(sizes[:-1], sizes[1:], strict=True))


CASES = (
    Case(([4, 3],), "one linear layer, 4 inputs and 3 outputs"),
    Case(([2, 3, 1],), "one hidden layer of width 3"),
    Case(([4, 5, 5, 2],), "two hidden layers"),
    Case(([784, 256, 10],), "the 784-256-10 network of chapter 5.1"),
    Case(([10, 1],), "a single output unit (linear regression on 10 features)"),
)


def _generated() -> tuple[Case, ...]:
    """Random widths (2 to 6 layers of 1 to 1000 units, given as a list or a tuple),
    including width-1 layers, where a bias per input and per output coincide."""
    rng = make_rng(13)
    cases = [
        generated_case(((1, 1),), "one unit in, one out (a tuple)"),
        generated_case(([3, 1, 3],), "a width-1 bottleneck"),
    ]
    for n in (2, 3, 4, 5, 6):
        sizes = [int(v) for v in rng.integers(1, 1001, n)]
        cases.append(
            generated_case((sizes if n % 2 else tuple(sizes),), "random widths")
        )
    return tuple(cases)


GENERATED = _generated()

MISTAKES = (
    Mistake(
        lambda s: sum(a * b for a, b in _pairs(s)),
        "the biases are missing: every layer also has one bias per output unit.",
    ),
    Mistake(
        lambda s: sum(a * b for a, b in _pairs(s)) + sum(s),
        "the input layer has no biases: count one bias per unit of sizes[1:] only.",
    ),
    Mistake(
        lambda s: sum(a * b + a for a, b in _pairs(s)),
        "a layer has one bias per *output* unit (d_out of them), not per input.",
    ),
    Mistake(
        lambda s: sum(a * b + b for a, b in _pairs(s)[:-1]),
        "off by one layer: a network with widths [d_0, …, d_L] has L layers; the loop"
        " stopped before the last one.",
    ),
    Mistake(
        lambda s: sum(2 * a * b + b for a, b in _pairs(s)),
        "the weights are counted twice: a layer holds d_in·d_out weights once.",
    ),
    Mistake(
        lambda s: sum(a * b + b for a, b in _pairs([s[0], *s])),
        "off by one layer: the input is not a layer of its own; widths [d_0, …, d_L]"
        " give L layers, not L + 1.",
    ),
)


def check_param_count(fn) -> CheckResult:
    """Check ``fn(sizes)`` returns the parameter count (an integer) of an MLP with widths
    ``sizes``."""
    return run_check(
        "check_param_count",
        fn,
        mlp_params,
        CASES + GENERATED,
        MISTAKES,
        signature="(sizes)",
        types=True,
    )
