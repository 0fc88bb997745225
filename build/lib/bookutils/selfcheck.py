"""Self-checks: learners pass their own function and get ✓, or a hint about what is wrong.

A check runs the learner's function and a reference on the same cases. When the answers
differ it looks for a *typical mistake* (a small wrong implementation written on purpose)
that gives the learner's answer, and shows that mistake's hint. Whatever the learner's code
does (returns junk, raises, changes its inputs in place) they get a sentence of feedback,
never a traceback from this package. Each check returns a :class:`CheckResult` that is truthy
when the check passed, so a notebook can write ``assert check_something(my_function)``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RTOL, ATOL = 1e-6, 1e-8


@dataclass(frozen=True)
class Case:
    """Arguments to call the function with, and a short description for the feedback."""

    args: tuple
    description: str


@dataclass(frozen=True)
class Mistake:
    """A typical wrong implementation and the hint for a learner whose answers match it."""

    impl: Callable[..., Any]
    hint: str


@dataclass
class CheckResult:
    """Outcome of a self-check; truthy when every case passed."""

    name: str
    passed: bool
    messages: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed})"


def _to_numpy(x: Any) -> Any:
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, without importing torch
        return x.detach().cpu().numpy()
    return x


def describe(x: Any) -> str:
    """A short, readable rendering of a value for feedback messages."""
    x = _to_numpy(x)
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, suppress_small=True, separator=", ")
    if isinstance(x, tuple):
        return "(" + ", ".join(describe(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return repr(x)


def mismatch(expected: Any, got: Any) -> str | None:
    """Why ``got`` differs from ``expected`` (numbers compared with a tolerance), or None."""
    expected, got = _to_numpy(expected), _to_numpy(got)
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return (f"expected {len(expected)} values ({describe(tuple(expected))}),"
                    f" got a single {type(got).__name__}")
        if len(got) != len(expected):
            return f"expected {len(expected)} values, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            reason = mismatch(e, g)
            if reason is not None:
                return f"value {i + 1} of {len(expected)}: {reason}"
        return None
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or array, got {type(got).__name__}: {got!r}"
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        return f"expected shape {e.shape}, got shape {g.shape}"
    if not np.allclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True):
        return f"expected {describe(expected)}, got {describe(got)}"
    return None


def _call(fn: Callable[..., Any], args: tuple) -> tuple[bool, Any]:
    try:
        return True, fn(*args)
    except Exception as exc:  # the learner's bug, reported as feedback below
        return False, exc


def _same_inputs(before: tuple, after: tuple) -> bool:
    return all(mismatch(b, a) is None for b, a in zip(before, after, strict=True))


def _explains(mistake: Mistake, case: Case, got: Any, passed: Sequence[Case],
              reference: Callable[..., Any]) -> bool:
    """Does ``mistake`` give the learner's answer here, and the right one where they did?"""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # our wrong implementations may overflow: stay quiet
        return _explains_quietly(mistake, case, got, passed, reference)


def _explains_quietly(mistake: Mistake, case: Case, got: Any, passed: Sequence[Case],
                      reference: Callable[..., Any]) -> bool:
    ok, typical = _call(mistake.impl, copy.deepcopy(case.args))
    if not ok or mismatch(typical, got) is not None:
        return False
    for earlier in passed:
        ok, typical = _call(mistake.impl, copy.deepcopy(earlier.args))
        if not ok or mismatch(reference(*copy.deepcopy(earlier.args)), typical) is not None:
            return False
    return True


def run_check(name: str, fn: Any, reference: Callable[..., Any], cases: Sequence[Case],
              mistakes: Sequence[Mistake] = (), *, signature: str = "") -> CheckResult:
    """Compare ``fn`` with ``reference`` on ``cases``; print and return the verdict.

    Stops at the first failing case, since one precise hint helps more than a list.
    """
    def verdict(passed: bool, *lines: str) -> CheckResult:
        mark = "✓" if passed else "✗"
        messages = [f"{mark} {name}: {lines[0]}", *lines[1:]]
        print("\n".join(messages))
        return CheckResult(name, passed, messages)

    if not callable(fn):
        return verdict(False, f"expected a function {signature}, got {type(fn).__name__}.",
                       "  Hint: pass the function itself, without calling it: "
                       f"{name}(my_function), not {name}(my_function(...)).")
    passed: list[Case] = []
    for case in cases:
        args = copy.deepcopy(case.args)
        ok, got = _call(fn, args)
        if not ok:
            return verdict(False, f"your function raised {type(got).__name__}: {got}",
                           f"  on the case: {case.description}",
                           f"  Hint: it is called as fn{signature}.")
        if not _same_inputs(case.args, args):
            return verdict(False, "your function changed its inputs in place"
                           f" ({case.description}).",
                           "  Hint: build and return new arrays (e.g. w + step) instead of"
                           " updating the ones passed in (w += step).")
        expected = reference(*copy.deepcopy(case.args))
        reason = mismatch(expected, got)
        if reason is None:
            passed.append(case)
            continue
        for m in mistakes:
            if _explains(m, case, got, passed, reference):
                return verdict(False, f"wrong answer on the case: {case.description}",
                               f"  {reason}", f"  Hint: {m.hint}")
        return verdict(False, f"wrong answer on the case: {case.description}", f"  {reason}")
    return verdict(True, f"all {len(cases)} cases passed.")


def encode_strings(*texts: str) -> tuple:
    """Strings as arrays of code points, for cases whose arguments are text.

    run_check compares numbers and arrays; a check on a function of strings stores its cases
    encoded and wraps every function with :func:`on_strings`, which decodes them again.
    """
    return tuple(np.array([ord(c) for c in t], dtype=np.int64) for t in texts)


def string_case(what: str, *texts: str) -> Case:
    """A case whose arguments are ``texts``, described as ``what`` followed by the texts."""
    return Case(encode_strings(*texts), f"{what}: {texts!r}")


def on_strings(fn: Any) -> Any:
    """Wrap ``fn`` to be called with the strings that encoded case arguments stand for."""
    if not callable(fn):
        return fn
    return lambda *codes: fn(*("".join(map(chr, c)) for c in codes))
