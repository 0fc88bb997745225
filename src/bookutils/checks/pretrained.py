"""Self-check for chapter 7.2: the inputs and labels of the masked-language-model objective."""

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
from ..transformer.bert import IGNORE_INDEX, mask_positions

CASES = (
    Case(
        (np.array([5, 6, 7, 8]), np.array([False, True, False, False]), 103),
        "one hidden token in a sequence of four",
    ),
    Case(
        (
            np.array([[1, 2, 3], [4, 5, 6]]),
            np.array([[True, False, True], [False, False, True]]),
            0,
        ),
        "a batch of two sequences, three hidden tokens, mask id 0",
    ),
    Case(
        (np.array([9, 9, 9]), np.array([False, False, False]), 4),
        "nothing hidden: every label is ignored",
    ),
)


def _generated() -> tuple[Case, ...]:
    """Random ids (0 to 30 000) of shapes (1,), (6,), (3, 5), random positions hiding about
    15 % to 100 % of the tokens, mask ids that also occur among the ids, and an id equal to
    0 in a hidden place (so labels of 0 and of -100 differ)."""
    rng = make_rng(721)
    cases = [
        generated_case(
            (np.array([0, 7, 0]), np.array([True, False, True]), 103),
            "token id 0 in hidden places",
        )
    ]
    for shape, p in [((1,), 1.0), ((6,), 0.15), ((3, 5), 0.5), ((2, 8), 0.3)]:
        ids = rng.integers(0, 30_000, shape)
        pos = rng.random(shape) < p
        cases.append(
            generated_case((ids, pos, int(ids.flat[0])), "random ids and positions")
        )
    return tuple(cases)


GENERATED = _generated()

MISTAKES = (
    Mistake(
        lambda ids, pos, mask_id: (np.where(pos, mask_id, ids), ids.copy()),
        f"labels must be {IGNORE_INDEX} where the token is visible: the model is scored"
        " only on the tokens it cannot see.",
    ),
    Mistake(
        lambda ids, pos, mask_id: (ids.copy(), np.where(pos, ids, IGNORE_INDEX)),
        "the input must hide the chosen tokens: put mask_id there, or the answer is in"
        " plain sight.",
    ),
    Mistake(
        lambda ids, pos, mask_id: (
            np.where(pos, mask_id, ids),
            np.where(pos, mask_id, IGNORE_INDEX),
        ),
        "the label of a hidden position is the original token (ids), not the mask id.",
    ),
    Mistake(
        lambda ids, pos, mask_id: (
            np.where(pos, mask_id, ids),
            np.where(pos, IGNORE_INDEX, ids),
        ),
        f"the labels are inverted: keep the original token where pos is True and"
        f" {IGNORE_INDEX} where it is False.",
    ),
    Mistake(
        lambda ids, pos, mask_id: (
            np.where(pos, mask_id, ids),
            np.where(pos, ids, 0),
        ),
        f"use {IGNORE_INDEX} (PyTorch's ignore_index) for positions without a label;"
        " 0 is a real token id and would be trained on.",
    ),
)


def check_mask_positions(fn) -> CheckResult:
    """Check ``fn(ids, positions, mask_id)`` returns the masked-LM ``(inputs, labels)``,
    both integer token ids."""
    return run_check(
        "check_mask_positions",
        fn,
        mask_positions,
        CASES + GENERATED,
        MISTAKES,
        signature="(ids, positions, mask_id)",
        types=True,
    )
