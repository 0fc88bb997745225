"""The McCulloch–Pitts unit, its truth tables, the exhaustive search, and its self-check."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import bookutils as bu
from bookutils.checks.threshold_logic import check_threshold_unit
from bookutils.foundations.threshold_logic import (
    GATES,
    binary_inputs,
    find_threshold_units,
    gate_table,
    threshold_unit,
    truth_table,
)

# outputs on the rows 00, 01, 10, 11 (for NOT: 0, 1), written by hand
TABLES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xor": [0, 1, 1, 0],
    "xnor": [1, 0, 0, 1],
    "not": [1, 0],
}


@pytest.mark.parametrize(
    "gate, weights, threshold",
    [
        ("and", [1, 1], 2),
        ("or", [1, 1], 1),
        ("nand", [-1, -1], -1),
        ("nor", [-1, -1], 0),
        ("not", [-1], 0),
    ],
)
def test_gates_by_hand(gate, weights, threshold):
    X, y = gate_table(gate)
    assert y.tolist() == TABLES[gate], f"gate_table({gate!r}) outputs {y.tolist()}"
    out = threshold_unit(X, weights, threshold)
    assert out.tolist() == TABLES[gate], (
        f"threshold_unit for {gate}: {out.tolist()}"
    )


def test_gate_table_by_hand():
    assert set(GATES) == set(TABLES)
    for gate, expected in TABLES.items():
        X, y = gate_table(gate)
        assert X.tolist() == binary_inputs(len(expected).bit_length() - 1).tolist()
        assert y.tolist() == expected, f"gate_table({gate!r}) outputs {y.tolist()}"


def test_inhibitory_input_vetoes():
    X = binary_inputs(1)
    assert threshold_unit(X, [0], 0, inhibitory=[True]).tolist() == [1, 0]  # NOT
    X2 = binary_inputs(2)
    # x1 AND NOT x2 with x2 inhibitory: fires only on (1, 0)
    assert threshold_unit(X2, [1, 0], 1, inhibitory=[False, True]).tolist() == [
        0,
        0,
        1,
        0,
    ]
    assert threshold_unit(np.array([1, 0]), [1, 1], 1).shape == ()


def test_matches_a_torch_heaviside_unit():
    rng = np.random.default_rng(0)
    for _ in range(50):
        d = int(rng.integers(1, 5))
        X = binary_inputs(d)
        w, t = rng.integers(-3, 4, size=d), int(rng.integers(-3, 4))
        z = (
            torch.tensor(X, dtype=torch.float64)
            @ torch.tensor(w, dtype=torch.float64)
            - t
        )
        expected = (
            torch.heaviside(z, torch.tensor(1.0, dtype=torch.float64)).int().numpy()
        )
        assert np.array_equal(threshold_unit(X, w, t), expected)


def test_matches_the_perceptron_with_half_integer_bias():
    for w1, w2, t in itertools.product(range(-2, 3), repeat=3):
        X = binary_inputs(2)
        mp = threshold_unit(X, [w1, w2], t)
        pm = bu.perceptron_predict(np.array([w1, w2], float), 0.5 - t, X)
        assert np.array_equal(mp, (pm + 1) // 2)


def test_search_finds_14_of_16_functions_and_not_xor():
    X = binary_inputs(2)
    found = {
        y: find_threshold_units(X, np.array(y), range(-2, 3))
        for y in itertools.product((0, 1), repeat=4)
    }
    assert sum(bool(v) for v in found.values()) == 14
    assert (
        not found[tuple(gate_table("xor")[1])]
        and not found[tuple(gate_table("xnor")[1])]
    )
    for y, solutions in found.items():
        for w, t in solutions:
            assert tuple(threshold_unit(X, w, t)) == y


def test_truth_table_and_binary_inputs():
    X, y = truth_table(lambda a, b, c: a & (b | c), 3)
    assert X.shape == (8, 3) and y.tolist() == [0, 0, 0, 0, 0, 1, 1, 1]
    assert binary_inputs(2).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert set(GATES) >= {"and", "or", "not", "nand", "xor"}


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: threshold_unit(np.array([[0, 2]]), [1, 1], 1),
            ValueError,
            "binary",
        ),
        (
            lambda: threshold_unit(np.zeros((2, 2, 2), int), [1, 1], 1),
            ValueError,
            "one input",
        ),
        (
            lambda: threshold_unit(binary_inputs(2), [1, 1, 1], 1),
            ValueError,
            "one weight per",
        ),
        (
            lambda: threshold_unit(binary_inputs(2), [1, 1], "1"),
            TypeError,
            "threshold",
        ),
        (
            lambda: threshold_unit(binary_inputs(2), [1, 1], 1, inhibitory=[True]),
            ValueError,
            "inhibitory",
        ),
        (lambda: binary_inputs(0), ValueError, "positive int"),
        (lambda: truth_table("and", 2), TypeError, "function"),
        (lambda: gate_table("xyz"), ValueError, "unknown gate"),
        (
            lambda: find_threshold_units(binary_inputs(2), np.array([0, 1])),
            ValueError,
            "target",
        ),
        (
            lambda: find_threshold_units(binary_inputs(2), np.array([0, 1, 1, 2])),
            ValueError,
            "target",
        ),
        (
            lambda: find_threshold_units(
                binary_inputs(2), np.array([0, 1, 1, 1]), []
            ),
            ValueError,
            "at least one",
        ),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_check_threshold_unit_passes_the_reference(capsys):
    assert check_threshold_unit(lambda x, w, t: (x @ w >= t).astype(int))
    assert "✓" in capsys.readouterr().out


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

CHAPTER_1_1 = (
    Path(__file__).parents[1] / "notebooks/01_background/1_1_ai_history.ipynb"
)


def test_chapter_1_1_shows_the_lesson_code():
    from bookutils.foundations import threshold_logic

    assert_notebook_shows(CHAPTER_1_1, threshold_logic, {"threshold_unit"})
