"""Self-check for chapter 9.3: shifting an image with zero fill, the augmentation."""

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
from ..training.augment import shift_image

__all__ = ["check_shift_image"]

_IMAGE = np.arange(1.0, 13.0).reshape(3, 4)  # 3 rows, 4 columns, all different

CASES = (
    Case((_IMAGE, 0, 0), "no shift (dx = dy = 0): the image comes back unchanged"),
    Case((_IMAGE, 1, 0), "one pixel to the right (dx = 1)"),
    Case((_IMAGE, 0, 1), "one pixel down (dy = 1)"),
    Case((_IMAGE, -2, 1), "two pixels left and one down (dx = -2, dy = 1)"),
    Case((_IMAGE, 5, 0), "a shift wider than the image (dx = 5): nothing is left"),
)


def _generated() -> tuple[Case, ...]:
    """Non-square random images (1×1 up to 5×7), shifts from -(size + 1) to size + 1 in
    both directions (so shifts of exactly the image size, that empty it, and of size - 1,
    that keep one row or column, both occur), and a diagonal shift up-left."""
    rng = make_rng(931)
    cases = [
        generated_case((_IMAGE, -1, -2), "a shift up and to the left"),
        generated_case((_IMAGE, 3, 0), "a shift of width - 1: one column is left"),
    ]
    for h, w in [(1, 1), (2, 5), (5, 2), (4, 7), (3, 3)]:
        image = np.round(rng.uniform(0.1, 1.0, (h, w)), 2)
        dx, dy = int(rng.integers(-w - 1, w + 2)), int(rng.integers(-h - 1, h + 2))
        cases.append(generated_case((image, dx, dy), "a random image and shift"))
    return tuple(cases)


GENERATED = _generated()


def _roll(image, dx, dy):
    return np.roll(np.roll(image, dy, axis=0), dx, axis=1)


def _clamped(image, dx, dy):
    h, w = image.shape
    dx, dy = max(-w + 1, min(w - 1, dx)), max(-h + 1, min(h - 1, dy))
    return shift_image(image, dx, dy)


MISTAKES = (
    Mistake(
        _roll,
        "np.roll wraps the pixels that leave one side round to the other; a shift"
        " must fill the vacated pixels with 0 (the background) instead.",
    ),
    Mistake(
        lambda image, dx, dy: shift_image(image, dy, dx),
        "dx and dy are swapped: dx moves columns (right is positive, axis 1) and dy moves"
        " rows (down is positive, axis 0).",
    ),
    Mistake(
        lambda image, dx, dy: shift_image(image, -dx, -dy),
        "the direction is reversed: a positive dx moves the content right, so pixel"
        " (r, c) ends up at (r + dy, c + dx).",
    ),
    Mistake(
        _clamped,
        "a shift at least as large as the image leaves no pixel of it: the result"
        " is all zeros.",
    ),
)


def check_shift_image(fn) -> CheckResult:
    """Check ``fn(image, dx, dy)`` moves a 2-D image right by dx and down by dy, zero-filled."""
    return run_check(
        "check_shift_image",
        fn,
        shift_image,
        CASES + GENERATED,
        MISTAKES,
        signature="(image, dx, dy)",
    )
