"""One-line argument checks shared by the whole package (private).

One kind of mistake, one exception: a value of the wrong *type* raises ``TypeError``, a value
of the right type that is out of range raises ``ValueError``. Every message names the
argument, says what was expected and shows what came.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def integer(name: str, value: object, minimum: int | None = None) -> int:
    """``value`` as an int; TypeError if it is not one, ValueError if below ``minimum``."""
    if not _is_int(value):
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}"
        )
    if minimum is not None and value < minimum:
        expected = (
            "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        )
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def positive_int(name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum`` (1: a positive int)."""
    return integer(name, value, minimum)


def number(name: str, value: object) -> float:
    """``value`` as a float; TypeError unless it is a real number (bool is not)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number, got {type(value).__name__} {value!r}"
        )
    return float(value)


def positive_number(name: str, value: object, *, allow_zero: bool = False) -> float:
    """``value`` as a float that is > 0 (>= 0 with ``allow_zero``)."""
    x = number(name, value)
    if not (x > 0 or (allow_zero and x == 0)):
        expected = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return x


def tensor(name: str, value: object) -> torch.Tensor:
    """``value`` itself if it is a ``torch.Tensor``, else TypeError."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(value).__name__}"
        )
    return value
