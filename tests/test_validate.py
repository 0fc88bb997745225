"""bookutils._validate: one exception type per kind of mistake, messages that name the argument."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bookutils._validate import (
    integer,
    number,
    positive_int,
    positive_number,
    tensor,
)


def test_good_values_come_back_as_python_numbers():
    assert positive_int("n", 3) == 3 and type(positive_int("n", np.int64(3))) is int
    assert positive_int("padding", 0, minimum=0) == 0
    assert integer("k", -2) == -2
    assert number("x", np.float32(0.5)) == 0.5 and type(number("x", 2)) is float
    assert positive_number("lr", 1e-3) == 1e-3
    assert positive_number("decay", 0, allow_zero=True) == 0.0
    t = torch.zeros(2)
    assert tensor("x", t) is t


@pytest.mark.parametrize(
    "call",
    [
        lambda: positive_int("n", 2.0),
        lambda: positive_int("n", True),
        lambda: positive_int("n", "3"),
        lambda: integer("k", None),
        lambda: number("x", "1"),
        lambda: positive_number("lr", True),
        lambda: tensor("x", [1.0]),
    ],
)
def test_a_wrong_type_is_a_type_error(call):
    with pytest.raises(TypeError, match="must be"):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: positive_int("n", 0), "n must be a positive integer, got 0"),
        (
            lambda: positive_int("padding", -1, minimum=0),
            "padding must be an integer >= 0, got -1",
        ),
        (lambda: positive_number("lr", 0), "lr must be positive, got 0"),
        (
            lambda: positive_number("decay", -1.0, allow_zero=True),
            "decay must be non-negative",
        ),
        (
            lambda: positive_number("lr", float("nan")),
            "lr must be positive, got nan",
        ),
    ],
)
def test_a_wrong_value_is_a_value_error_that_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
