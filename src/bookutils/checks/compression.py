"""Self-check for chapter 8.1: affine int8 quantisation of a weight tensor."""

from __future__ import annotations

import numpy as np
import torch

from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    run_check,
)
from ..training.compression import QMAX, QMIN, quantize_int8

_T = torch.tensor

# No scaled weight sits on a rounding tie (x.5), where float32 and float64 may round apart.
QUANT_CASES = (
    Case(
        (_T([-1.0, -0.45, 0.0, 0.25, 2.0]),),
        "weights of both signs, min -1 and max 2",
    ),
    Case(
        (_T([0.55, 1.0, 1.45, 3.0]),),
        "only positive weights (the range must still hold 0)",
    ),
    Case((_T([[-0.3, 0.1], [0.75, -0.05]]),), "a 2×2 matrix"),
    Case((_T([-2.0, -0.9, -0.1]),), "only negative weights"),
)


def rounding_margin(w: torch.Tensor) -> float:
    """How far the scaled weights w / scale lie from a rounding tie (x.5), at least.

    A case closer than about 1e-3 to a tie would judge float32 against float64 rounding
    rather than the formula, so every case keeps away from ties (a test checks it).
    """
    w64 = w.double()
    lo, hi = min(float(w64.min()), 0.0), max(float(w64.max()), 0.0)
    frac = torch.remainder(w64 / ((hi - lo) / (QMAX - QMIN)), 1.0)
    return float((frac - 0.5).abs().min())


def _generated() -> tuple[Case, ...]:
    """Random float32 weights of shapes (7,), (3, 4), (2, 3, 2) at scales 1e-3 to 10, only
    positive, only negative, and both signs, so the codes reach both ends of the int8
    range, -128 and 127 (wrong clamps and wrap-arounds show); drawn again until no scaled
    weight lies within 1e-3 of a rounding tie."""
    rng = make_rng(81)
    cases = []
    for shape, scale, shift in [
        ((7,), 1.0, 0.0),
        ((3, 4), 0.01, 0.0),
        ((2, 3, 2), 10.0, 0.0),
        ((6,), 1.0, 2.0),
        ((5,), 0.001, -0.004),
        ((4, 4), 3.0, 0.5),
    ]:
        while True:
            w = torch.from_numpy(rng.normal(shift, scale, shape).astype(np.float32))
            if rounding_margin(w) > 1e-3:
                break
        cases.append(generated_case((w,), "random float32 weights"))
    return tuple(cases)


QUANT_GENERATED = _generated()


def _affine(w, *, lo_fn, levels=QMAX - QMIN, rounding=torch.round, zp_sign=-1):
    lo = lo_fn(w)
    hi = max(float(w.max()), 0.0)
    scale = (hi - lo) / levels
    zero_point = int(min(max(QMIN + zp_sign * round(lo / scale), QMIN), QMAX))
    q = torch.clamp(rounding(w / scale) + zero_point, QMIN, QMAX).to(torch.int8)
    return q, scale, zero_point


def _with_zero(w):
    return min(float(w.min()), 0.0)


def _symmetric(w):
    scale = float(w.abs().max()) / QMAX
    return torch.clamp(torch.round(w / scale), QMIN, QMAX).to(torch.int8), scale, 0


QUANT_MISTAKES = (
    Mistake(
        lambda w: _affine(w, lo_fn=_with_zero, levels=QMAX - QMIN + 1),
        "int8 has 256 values but 255 steps between -128 and 127: divide the range by 255.",
    ),
    Mistake(
        lambda w: _affine(w, lo_fn=_with_zero, rounding=torch.floor),
        "round to the nearest integer (torch.round), do not truncate with floor.",
    ),
    Mistake(
        lambda w: _affine(w, lo_fn=_with_zero, zp_sign=+1),
        "sign error in the zero point: it is qmin - round(min / scale), so that the"
        " smallest weight lands on -128.",
    ),
    Mistake(
        lambda w: _affine(w, lo_fn=lambda t: float(t.min())),
        "the range must contain 0, so use min(w.min(), 0) and max(w.max(), 0); then 0 is"
        " stored exactly.",
    ),
    Mistake(
        _symmetric,
        "that is symmetric quantisation (zero point 0, scale max|w| / 127); this exercise"
        " asks for the affine form with scale (max - min) / 255 and a zero point.",
    ),
)


def check_quantize_int8(fn) -> CheckResult:
    """Check ``fn(w)`` returns ``(q, scale, zero_point)`` of affine int8 quantisation.

    ``q`` must be an int8 tensor (or array) and ``zero_point`` an integer.
    """
    return run_check(
        "check_quantize_int8",
        fn,
        quantize_int8,
        QUANT_CASES + QUANT_GENERATED,
        QUANT_MISTAKES,
        signature="(w)",
        types=True,
    )
