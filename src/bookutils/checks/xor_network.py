"""Self-check for chapter 1.2: a hand-wired network of threshold units that computes XOR."""

from __future__ import annotations

import numpy as np

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)

_A = np.array


def xor_reference(X: np.ndarray) -> np.ndarray:
    """XOR of the two 0/1 columns of ``X``, as integers 0 and 1."""
    X = np.asarray(X)
    return (X[:, 0] != X[:, 1]).astype(np.int64)


CASES = (
    Case(
        (_A([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),),
        "the four rows of the truth table",
    ),
    Case((_A([[1.0, 1.0], [0.0, 1.0]]),), "two rows in another order"),
    Case(
        (_A([[1.0, 0.0]]),),
        "a single row (the answer is still an array of length 1)",
    ),
)


def _generated() -> tuple[Case, ...]:
    """The truth table's rows shuffled, repeated, and as integer 0/1 inputs (1 to 8 rows)."""
    rng = make_rng(12)
    table = _A([[0, 0], [0, 1], [1, 0], [1, 1]])
    cases = []
    for n, dtype in [(8, float), (5, int), (2, float), (1, int)]:
        cases.append(
            generated_case(
                (table[rng.integers(0, 4, n)].astype(dtype),),
                "rows drawn at random",
            )
        )
    return tuple(cases)


GENERATED = _generated()


def _int(v: np.ndarray) -> np.ndarray:
    return v.astype(np.int64)


MISTAKES = (
    Mistake(
        lambda X: _int((X[:, 0] + X[:, 1]) >= 1),
        "that is OR: (1, 1) must give 0. Add a second hidden unit that is off only for"
        " (1, 1) (a NAND) and let the output fire when both hidden units fire (AND).",
    ),
    Mistake(
        lambda X: _int((X[:, 0] + X[:, 1]) >= 2),
        "that is AND: it fires only for (1, 1), while XOR fires for (0, 1) and (1, 0).",
    ),
    Mistake(
        lambda X: _int((X[:, 0] + X[:, 1]) <= 1),
        "that is NAND: (0, 0) must give 0. Combine it with an OR unit through an AND.",
    ),
    Mistake(
        lambda X: _int(X[:, 0] == X[:, 1]),
        "the outputs are swapped (that is XNOR): fire when the inputs differ.",
    ),
    Mistake(
        lambda X: 2 * _int(X[:, 0] != X[:, 1]) - 1,
        "return 0 and 1, not -1 and +1, as the truth table does.",
    ),
)


def check_xor_network(fn) -> CheckResult:
    """Check ``fn(X)`` returns XOR (integers 0 or 1) of the two 0/1 columns of each row of
    ``X``."""
    return run_check(
        "check_xor_network",
        fn,
        xor_reference,
        CASES + GENERATED,
        MISTAKES,
        signature="(X)",
        types=True,
    )
