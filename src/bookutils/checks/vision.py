"""Self-check for chapter 6.2: intersection over union of two boxes."""

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
from ..tasks.vision import box_iou


def iou_reference(box_a, box_b) -> float:
    """IoU of two ``(x1, y1, x2, y2)`` boxes, from :func:`bookutils.tasks.vision.box_iou`."""
    return float(
        box_iou(np.asarray([box_a], float), np.asarray([box_b], float))[0, 0]
    )


def _iou(
    a, b, *, clamp=True, subtract=True, plus_one=0.0, over="union", xywh=False
):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if xywh:
        a = np.array([a[0], a[1], a[0] + a[2], a[1] + a[3]])
        b = np.array([b[0], b[1], b[0] + b[2], b[1] + b[3]])
    w = min(a[2], b[2]) - max(a[0], b[0]) + plus_one
    h = min(a[3], b[3]) - max(a[1], b[1]) + plus_one
    if clamp:
        w, h = max(w, 0.0), max(h, 0.0)
    inter = w * h
    area_a = (a[2] - a[0] + plus_one) * (a[3] - a[1] + plus_one)
    area_b = (b[2] - b[0] + plus_one) * (b[3] - b[1] + plus_one)
    union = area_a + area_b - (inter if subtract else 0.0)
    return inter / (area_a if over == "first" else union)


def _union_box(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    inter = (max(a[2], b[2]) - min(a[0], b[0])) * (
        max(a[3], b[3]) - min(a[1], b[1])
    )
    area_a, area_b = (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area_a + area_b - inter)


CASES = (
    Case(((0, 0, 2, 2), (0, 0, 2, 2)), "two identical boxes (IoU 1)"),
    Case(
        ((0, 0, 2, 2), (1, 1, 3, 3)),
        "two 2×2 boxes overlapping in a 1×1 square (IoU 1/7)",
    ),
    Case(((0, 0, 4, 4), (1, 1, 3, 3)), "a small box inside a large one (IoU 4/16)"),
    Case(((0, 0, 1, 1), (2, 2, 3, 3)), "two boxes apart along both axes (IoU 0)"),
    Case(
        ((0, 0, 2, 1), (1, 2, 3, 3)), "boxes that overlap in x but not in y (IoU 0)"
    ),
    Case(
        ((1.5, 0.5, 4.0, 3.0), (2.0, 1.0, 5.0, 2.0)),
        "boxes with fractional corners",
    ),
)


def _generated() -> tuple[Case, ...]:
    """Boxes that touch along an edge or at a corner (IoU 0, with a zero-width overlap),
    one box inside the other with a shared edge, boxes given as lists, and random boxes
    with fractional corners in a 10×10 area (most overlap partly, some not at all)."""
    rng = make_rng(621)
    cases = [
        generated_case(((0, 0, 2, 2), (2, 0, 4, 2)), "boxes that share an edge"),
        generated_case(
            ((0, 0, 1, 1), (1, 1, 2, 2)), "boxes that touch at a corner"
        ),
        generated_case(
            ([0.0, 0.0, 3.0, 2.0], [0.0, 0.0, 1.0, 2.0]),
            "a box inside another, sharing three edges (lists)",
        ),
        generated_case(
            ((1, 1, 4, 3), (0, 2, 5, 6)), "one box wider, the other taller"
        ),
    ]
    for _ in range(6):
        boxes = []
        for _ in range(2):
            (x1, x2), (y1, y2) = np.sort(
                np.round(rng.uniform(0, 10, (2, 2)), 2), axis=1
            )
            boxes.append((float(x1), float(y1), float(x2), float(y2)))
        cases.append(generated_case(tuple(boxes), "random boxes (x1, y1, x2, y2)"))
    return tuple(cases)


GENERATED = _generated()

MISTAKES = (
    Mistake(
        lambda a, b: _iou(a, b, subtract=False),
        "the union is area A + area B minus the intersection; without subtracting it,"
        " two identical boxes get IoU 1/2.",
    ),
    Mistake(
        lambda a, b: _iou(a, b, xywh=True),
        "the boxes are (x1, y1, x2, y2) corners, not (x, y, width, height).",
    ),
    Mistake(
        lambda a, b: _iou(a, b, plus_one=1.0),
        "no +1: in this book a box (x1, y1, x2, y2) has width x2 - x1 (corners, not"
        " pixel indices).",
    ),
    Mistake(
        lambda a, b: _iou(a, b, over="first"),
        "divide the intersection by the union of the two boxes, not by the first box's"
        " area.",
    ),
    Mistake(
        _union_box,
        "min and max are swapped: the intersection runs from the larger x1 to the"
        " smaller x2 (and likewise in y).",
    ),
    Mistake(
        lambda a, b: _iou(a, b, clamp=False),
        "clamp the intersection's width and height at 0: for boxes that do not overlap"
        " both can be negative, and their product positive.",
    ),
)


def check_box_iou(fn) -> CheckResult:
    """Check ``fn(box_a, box_b)`` returns the IoU of two ``(x1, y1, x2, y2)`` boxes."""
    return run_check(
        "check_box_iou",
        fn,
        iou_reference,
        CASES + GENERATED,
        MISTAKES,
        signature="(box_a, box_b)",
    )
