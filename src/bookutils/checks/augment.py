"""Self-check for chapter 9.3: shifting an image with zero fill, the augmentation."""

from __future__ import annotations

import numpy as np

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..training.augment import shift_image

__all__ = ["check_shift_image"]

_IMAGE = np.arange(1.0, 13.0).reshape(3, 4)          # 3 rows, 4 columns, all different

CASES = (
    Case((_IMAGE, 0, 0), "no shift (dx = dy = 0): the image comes back unchanged"),
    Case((_IMAGE, 1, 0), "one pixel to the right (dx = 1)"),
    Case((_IMAGE, 0, 1), "one pixel down (dy = 1)"),
    Case((_IMAGE, -2, 1), "two pixels left and one down (dx = -2, dy = 1)"),
    Case((_IMAGE, 5, 0), "a shift wider than the image (dx = 5): nothing is left"),
)


def _roll(image, dx, dy):
    return np.roll(np.roll(image, dy, axis=0), dx, axis=1)


def _clamped(image, dx, dy):
    h, w = image.shape
    dx, dy = max(-w + 1, min(w - 1, dx)), max(-h + 1, min(h - 1, dy))
    return shift_image(image, dx, dy)


MISTAKES = (
    Mistake(_roll, "np.roll wraps the pixels that leave one side round to the other; a shift"
            " must fill the vacated pixels with 0 (the background) instead."),
    Mistake(lambda image, dx, dy: shift_image(image, dy, dx),
            "dx and dy are swapped: dx moves columns (right is positive, axis 1) and dy moves"
            " rows (down is positive, axis 0)."),
    Mistake(lambda image, dx, dy: shift_image(image, -dx, -dy),
            "the direction is reversed: a positive dx moves the content right, so pixel"
            " (r, c) ends up at (r + dy, c + dx)."),
    Mistake(_clamped, "a shift at least as large as the image leaves no pixel of it: the result"
            " is all zeros."),
)


def check_shift_image(fn) -> CheckResult:
    """Check ``fn(image, dx, dy)`` moves a 2-D image right by dx and down by dy, zero-filled."""
    return run_check("check_shift_image", fn, shift_image, CASES, MISTAKES,
                     signature="(image, dx, dy)")
