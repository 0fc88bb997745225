"""Self-checks for chapter 4.1: the perceptron's prediction and its learning rule."""

from __future__ import annotations

import numpy as np

from ..foundations.perceptron import perceptron_predict, perceptron_update
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)

_A = np.array

PREDICT_CASES = (
    Case(
        (_A([1.0, -1.0]), 0.5, _A([[2.0, 1.0], [-1.0, 2.0]])),
        "two points, one on each side",
    ),
    Case(
        (_A([1.0, 1.0]), -3.0, _A([[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]])),
        "a bias that moves the line away from the origin",
    ),
    Case(
        (_A([1.0, -1.0]), 0.0, _A([[1.0, 1.0], [3.0, 1.0]])),
        "a point exactly on the boundary (z = 0 must give -1)",
    ),
    Case(
        (_A([0.5, 0.0, -2.0]), 0.1, _A([[1.0, 5.0, 0.0], [0.0, 0.0, 1.0]])),
        "three features",
    ),
)


def _predict_generated() -> tuple[Case, ...]:
    """Random small-integer weights, biases and points in 1 to 4 dimensions (so z = w·x + b
    is exact and often exactly 0, the boundary), including b = 0 and a single point."""
    rng = make_rng(41)
    cases = []
    for d, n in [(1, 3), (2, 6), (3, 5), (4, 1), (2, 8)]:
        w = rng.integers(-2, 3, d).astype(float)
        X = rng.integers(-2, 3, (n, d)).astype(float)
        cases.append(
            generated_case(
                (w, float(rng.integers(-2, 3)), X),
                "random integer-valued (w, b, X)",
            )
        )
    return tuple(cases)


PREDICT_GENERATED = _predict_generated()

PREDICT_MISTAKES = (
    Mistake(
        lambda w, b, X: np.where(X @ w > 0, 1, -1),
        "the bias b is missing: the unit computes z = w·x + b.",
    ),
    Mistake(
        lambda w, b, X: np.where(X @ w + b > 0, 1, 0),
        "return -1 (not 0) for the negative class: the perceptron's labels are -1 and +1.",
    ),
    Mistake(
        lambda w, b, X: np.sign(X @ w + b),
        "np.sign gives 0 for a point on the boundary; the book predicts -1 when z <= 0.",
    ),
    Mistake(
        lambda w, b, X: np.where(X @ w + b >= 0, 1, -1),
        "a point with z = 0 lies on the boundary and gets -1: use z > 0, not z >= 0.",
    ),
    Mistake(
        lambda w, b, X: np.where(X @ w + b > 0, -1, 1),
        "the labels are swapped: z > 0 means class +1.",
    ),
)

UPDATE_CASES = (
    Case(
        (_A([0.0, 0.0]), 0.0, _A([1.0, 2.0]), 1, 1.0),
        "the very first step from w = 0, b = 0 (z = 0 counts as a mistake)",
    ),
    Case(
        (_A([1.0, -1.0]), 0.5, _A([2.0, 1.0]), 1, 1.0),
        "a correctly classified point (nothing should change)",
    ),
    Case(
        (_A([1.0, -1.0]), 0.5, _A([-1.0, 2.0]), 1, 1.0),
        "a misclassified positive point",
    ),
    Case(
        (_A([0.5, 0.5]), 0.0, _A([1.0, 1.0]), -1, 0.1),
        "a misclassified negative point with learning rate 0.1",
    ),
    Case(
        (_A([1.0, 0.0, -1.0]), -0.2, _A([0.5, 0.5, 0.5]), -1, 1.0),
        "a correctly classified negative point with three features",
    ),
    Case(
        (_A([2.0, 1.0]), -1.0, _A([0.0, 1.0]), -1, 0.5),
        "a negative point exactly on the boundary",
    ),
)


def _update_generated() -> tuple[Case, ...]:
    """Random points with labels -1 and +1, learning rates 0.01 to 2, margins y·(w·x + b)
    that are negative, exactly 0 and positive, in 1 to 4 dimensions."""
    rng = make_rng(42)
    cases = []
    for d in (1, 2, 3, 4, 2, 3):
        w = rng.integers(-2, 3, d).astype(float)
        x = rng.integers(-2, 3, d).astype(float)
        b, y = float(rng.integers(-1, 2)), int(rng.choice([-1, 1]))
        lr = float(rng.choice([0.01, 0.5, 1.0, 2.0]))
        cases.append(generated_case((w, b, x, y, lr), "random (w, b, x, y, lr)"))
    return tuple(cases)


UPDATE_GENERATED = _update_generated()


def _step(w, b, x, y, lr, *, when, dw, db):
    if when(y * (w @ x + b)):
        return w + dw(lr, x, y), b + db(lr, y)
    return w.copy(), b


def _wrong_update(
    when=lambda m: m <= 0, dw=lambda lr, x, y: lr * y * x, db=lambda lr, y: lr * y
):
    return lambda w, b, x, y, lr: _step(w, b, x, y, lr, when=when, dw=dw, db=db)


UPDATE_MISTAKES = (
    Mistake(
        _wrong_update(dw=lambda lr, x, y: -lr * y * x, db=lambda lr, y: -lr * y),
        "sign error: on a mistake, move w towards y·x (w + η·y·x), not away from it.",
    ),
    Mistake(
        _wrong_update(when=lambda m: True),
        "only update on a mistake, when y·(w·x + b) <= 0; a correct point changes nothing.",
    ),
    Mistake(
        _wrong_update(when=lambda m: m < 0),
        "a point with y·(w·x + b) = 0 (on the boundary, e.g. at the start when w = 0)"
        " counts as a mistake: use <= 0, not < 0.",
    ),
    Mistake(
        _wrong_update(db=lambda lr, y: 0.0),
        "the bias must learn too: on a mistake b changes by η·y.",
    ),
    Mistake(
        _wrong_update(dw=lambda lr, x, y: y * x, db=lambda lr, y: y),
        "the learning rate η is missing from the step.",
    ),
    Mistake(
        _wrong_update(dw=lambda lr, x, y: lr * x, db=lambda lr, y: lr),
        "the label y is missing: the step is η·y·x, so a negative example moves w"
        " away from x.",
    ),
    Mistake(
        _wrong_update(
            dw=lambda lr, x, y: 2 * lr * y * x, db=lambda lr, y: 2 * lr * y
        ),
        "the step came out twice too large; with (y - ŷ) in the rule, ŷ ∈ {-1, +1} makes"
        " it 2η·y·x. The book's rule adds η·y·x.",
    ),
)


def check_perceptron_predict(fn) -> CheckResult:
    """Check ``fn(w, b, X)`` returns the perceptron's labels (-1/+1) for the rows of X."""
    return run_check(
        "check_perceptron_predict",
        fn,
        perceptron_predict,
        PREDICT_CASES + PREDICT_GENERATED,
        PREDICT_MISTAKES,
        signature="(w, b, X)",
        types=True,
    )


def check_perceptron_update(fn) -> CheckResult:
    """Check ``fn(w, b, x, y, lr)`` returns the new ``(w, b)`` of one perceptron step."""
    return run_check(
        "check_perceptron_update",
        fn,
        perceptron_update,
        UPDATE_CASES + UPDATE_GENERATED,
        UPDATE_MISTAKES,
        signature="(w, b, x, y, lr)",
    )
