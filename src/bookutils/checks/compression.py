"""Self-check for chapter 8.1: affine int8 quantisation of a weight tensor."""

from __future__ import annotations

import torch

from ..selfcheck import Case, CheckResult, Mistake, run_check
from ..training.compression import QMAX, QMIN, quantize_int8

_T = torch.tensor

QUANT_CASES = (
    Case((_T([-1.0, -0.5, 0.0, 0.25, 2.0]),), "weights of both signs, min -1 and max 2"),
    Case((_T([0.5, 1.0, 1.5, 3.0]),), "only positive weights (the range must still hold 0)"),
    Case((_T([[-0.3, 0.1], [0.7, -0.05]]),), "a 2×2 matrix"),
    Case((_T([-2.0, -1.0, -0.1]),), "only negative weights"),
)


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
    Mistake(lambda w: _affine(w, lo_fn=_with_zero, levels=QMAX - QMIN + 1),
            "int8 has 256 values but 255 steps between -128 and 127: divide the range by 255."),
    Mistake(lambda w: _affine(w, lo_fn=_with_zero, rounding=torch.floor),
            "round to the nearest integer (torch.round), do not truncate with floor."),
    Mistake(lambda w: _affine(w, lo_fn=_with_zero, zp_sign=+1),
            "sign error in the zero point: it is qmin - round(min / scale), so that the"
            " smallest weight lands on -128."),
    Mistake(lambda w: _affine(w, lo_fn=lambda t: float(t.min())),
            "the range must contain 0, so use min(w.min(), 0) and max(w.max(), 0); then 0 is"
            " stored exactly."),
    Mistake(_symmetric,
            "that is symmetric quantisation (zero point 0, scale max|w| / 127); this exercise"
            " asks for the affine form with scale (max - min) / 255 and a zero point."),
)


def check_quantize_int8(fn) -> CheckResult:
    """Check ``fn(w)`` returns ``(q, scale, zero_point)`` of affine int8 quantisation."""
    return run_check("check_quantize_int8", fn, quantize_int8, QUANT_CASES, QUANT_MISTAKES,
                     signature="(w)")
