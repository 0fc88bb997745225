"""Self-check for chapter 1.1: a learner's McCulloch–Pitts threshold unit."""

from __future__ import annotations

import numpy as np

from ..foundations.threshold_logic import binary_inputs, threshold_unit
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)

_A = np.array
_TWO = binary_inputs(2)


def _reference(x, weights, threshold):
    return threshold_unit(x, weights, threshold)


CASES = (
    Case(
        (_TWO, _A([2, -1]), 1),
        "two inputs, a negative weight, one row exactly at the threshold",
    ),
    Case((_TWO, _A([1, 1]), 2), "AND: only (1, 1) reaches the threshold 2"),
    Case((_TWO, _A([1, 1]), 1), "OR: one active input is enough"),
    Case(
        (binary_inputs(1), _A([-1]), 0),
        "NOT with a negative weight and threshold 0",
    ),
    Case((binary_inputs(3), _A([1, 1, 1]), 2), "majority of three inputs"),
    Case(
        (binary_inputs(3), _A([3, -2, 1]), -1),
        "three inputs and a negative threshold",
    ),
)


def _generated() -> tuple[Case, ...]:
    """Random integer weights in -3..3 over 1 to 4 binary inputs, with the threshold set to
    the weighted sum of one row (so a row sits exactly on it) or to a value no row reaches
    (the unit never fires), and a threshold of 0 with negative weights."""
    rng = make_rng(11)
    cases = []
    for n in (1, 2, 3, 4, 3, 2):
        x = binary_inputs(n)
        w = rng.integers(-3, 4, n)
        on_row = int(x[rng.integers(0, len(x))] @ w)
        cases.append(
            generated_case(
                (x, w, on_row), "random weights, one row on the threshold"
            )
        )
    cases.append(
        generated_case((_TWO, _A([1, 2]), 4), "a threshold no row reaches")
    )
    cases.append(
        generated_case((_TWO, _A([-2, -1]), 0), "negative weights, threshold 0")
    )
    return tuple(cases)


GENERATED = _generated()

MISTAKES = (
    Mistake(
        lambda x, w, t: (x @ w > t).astype(int),
        "the unit fires when the sum reaches the threshold: use >= θ, not > θ.",
    ),
    Mistake(
        lambda x, w, t: (x.sum(axis=1) >= t).astype(int),
        "the weights are missing: compare the weighted sum Σ wᵢxᵢ, not the plain sum.",
    ),
    Mistake(
        lambda x, w, t: np.where(x @ w >= t, 1, -1),
        "a McCulloch–Pitts unit outputs 0 or 1, not -1 or +1.",
    ),
    Mistake(
        lambda x, w, t: (x @ w >= 0).astype(int),
        "the threshold θ is missing: compare Σ wᵢxᵢ with θ, not with 0.",
    ),
    Mistake(
        lambda x, w, t: (x @ w < t).astype(int),
        "the comparison is reversed: the unit fires when Σ wᵢxᵢ >= θ.",
    ),
    Mistake(
        lambda x, w, t: (x @ w + t >= 0).astype(int),
        "the threshold was added like a bias; it is subtracted: Σ wᵢxᵢ - θ >= 0.",
    ),
)


def check_threshold_unit(fn) -> CheckResult:
    """Check ``fn(x, weights, threshold)`` gives the 0/1 outputs of an MP unit for rows of x.

    The outputs must be integers (0 and 1), as in the truth tables.
    """
    return run_check(
        "check_threshold_unit",
        fn,
        _reference,
        CASES + GENERATED,
        MISTAKES,
        signature="(x, weights, threshold)",
        types=True,
    )
