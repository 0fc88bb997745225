"""Self-check for chapter 7.2: the inputs and labels of the masked-language-model objective."""

from __future__ import annotations

import numpy as np

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..transformer.bert import IGNORE_INDEX, mask_positions

CASES = (
    Case((np.array([5, 6, 7, 8]), np.array([False, True, False, False]), 103),
         "one hidden token in a sequence of four"),
    Case((np.array([[1, 2, 3], [4, 5, 6]]), np.array([[True, False, True], [False, False, True]]),
          0), "a batch of two sequences, three hidden tokens, mask id 0"),
    Case((np.array([9, 9, 9]), np.array([False, False, False]), 4),
         "nothing hidden: every label is ignored"),
)

MISTAKES = (
    Mistake(lambda ids, pos, mask_id: (np.where(pos, mask_id, ids), ids.copy()),
            f"labels must be {IGNORE_INDEX} where the token is visible: the model is scored"
            " only on the tokens it cannot see."),
    Mistake(lambda ids, pos, mask_id: (ids.copy(), np.where(pos, ids, IGNORE_INDEX)),
            "the input must hide the chosen tokens: put mask_id there, or the answer is in"
            " plain sight."),
    Mistake(lambda ids, pos, mask_id: (np.where(pos, mask_id, ids),
                                       np.where(pos, mask_id, IGNORE_INDEX)),
            "the label of a hidden position is the original token (ids), not the mask id."),
    Mistake(lambda ids, pos, mask_id: (np.where(pos, mask_id, ids),
                                       np.where(pos, IGNORE_INDEX, ids)),
            f"the labels are inverted: keep the original token where pos is True and"
            f" {IGNORE_INDEX} where it is False."),
    Mistake(lambda ids, pos, mask_id: (np.where(pos, mask_id, ids), np.where(pos, ids, 0)),
            f"use {IGNORE_INDEX} (PyTorch's ignore_index) for positions without a label;"
            " 0 is a real token id and would be trained on."),
)


def check_mask_positions(fn) -> CheckResult:
    """Check ``fn(ids, positions, mask_id)`` returns the masked-LM ``(inputs, labels)``."""
    return run_check("check_mask_positions", fn, mask_positions, CASES, MISTAKES,
                     signature="(ids, positions, mask_id)")
