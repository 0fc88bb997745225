"""Self-checks: learners pass their own function and get ✓, or a hint about what is wrong.

A check runs the learner's function and a reference on the same cases: a few fixed teaching
cases, then cases generated from a seeded random generator and the edge cases of the topic.
When the answers differ it looks for a *typical mistake* (a small wrong implementation
written on purpose) that gives the learner's answers on **every** case, and only then shows
that mistake's hint; otherwise it shows the first (smallest) case the answers differ on.
Whatever the learner's code does (returns junk or None, raises, calls ``sys.exit()``, loops
forever, changes its inputs in place) they get a sentence of feedback, never a traceback
from this package. Each call of the learner's function runs under a time limit
(:data:`TIME_LIMIT_S`). Each check returns a :class:`CheckResult` that is truthy when the
check passed, so a notebook can write ``assert check_something(my_function)``.

Numbers are compared with a tolerance that follows the precision of the answer: a float32
answer is judged at float32 precision, a float64 (or Python float) answer at float64
precision. Strings are compared with ``==``. Where the exercise states a type (an int8
tensor, an integer count), a check passes ``types=True`` and the type is part of the answer.
"""

from __future__ import annotations

import _thread
import copy
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Tolerances for float64 answers (Python floats, float64 arrays and tensors).
RTOL, ATOL = 1e-6, 1e-8
#: Relative tolerance per floating dtype of the learner's answer (or of the expected one,
#: whichever is coarser); about 100 units in the last place, so that a correct answer
#: computed in that precision passes and a wrong formula does not.
RTOL_OF_DTYPE = {
    "float64": RTOL,
    "float32": 2e-5,
    "float16": 4e-3,
    "bfloat16": 3e-2,
}
#: Seconds one call of the learner's function may take; the environment variable
#: ``BOOKUTILS_CHECK_TIME_LIMIT`` overrides it (the tests use a short one).
TIME_LIMIT_S = 5.0


def time_limit() -> float:
    """The time limit of one call of the learner's function, in seconds."""
    value = os.environ.get("BOOKUTILS_CHECK_TIME_LIMIT")
    if value is None:
        return TIME_LIMIT_S
    try:
        limit = float(value)
    except ValueError:
        raise ValueError(
            f"BOOKUTILS_CHECK_TIME_LIMIT must be a number of seconds, got {value!r}"
        ) from None
    if not limit > 0:
        raise ValueError(
            f"BOOKUTILS_CHECK_TIME_LIMIT must be positive, got {value!r}"
        )
    return limit


@dataclass(frozen=True)
class Case:
    """Arguments to call the function with, and a short description for the feedback.

    ``teaching`` cases are the fixed ones written for the lesson; generated cases have
    ``teaching=False`` and a description that shows their arguments.
    """

    args: tuple
    description: str
    teaching: bool = True


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


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "dtype")


def _to_numpy(x: Any) -> Any:
    """``x`` with every torch tensor (also inside lists and tuples) as a NumPy array.

    Tensors that require grad are detached; bfloat16, which NumPy lacks, becomes float32
    (its precision is still taken into account by :func:`precision_of`).
    """
    if _is_tensor(x):
        t = x.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        return t.numpy()
    if isinstance(x, list):
        return [_to_numpy(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_to_numpy(v) for v in x)
    return x


def _dtype_name(x: Any) -> str | None:
    if _is_tensor(x):
        return str(x.dtype).removeprefix("torch.")
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype.name
    if isinstance(x, float):
        return "float64"
    return None


def precision_of(*values: Any) -> float:
    """The relative tolerance for comparing answers of the dtypes found in ``values``.

    The coarsest floating dtype anywhere in ``values`` (nested lists and tuples included)
    decides: float32 gets :data:`RTOL_OF_DTYPE` ``["float32"]``, and so on; answers with
    no floating dtype (integers, float64) get :data:`RTOL`.
    """
    rtol = RTOL
    stack = list(values)
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        rtol = max(rtol, RTOL_OF_DTYPE.get(_dtype_name(x) or "", RTOL))
    return rtol


def describe(x: Any) -> str:
    """A short, readable rendering of a value for feedback messages."""
    x = _to_numpy(x)
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, suppress_small=True, separator=", ")
    if isinstance(x, tuple):
        return (
            "("
            + ", ".join(describe(v) for v in x)
            + ("," if len(x) == 1 else "")
            + ")"
        )
    if isinstance(x, list) and any(isinstance(v, np.ndarray) for v in x):
        return "[" + ", ".join(describe(v) for v in x) + "]"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return repr(x)


def _type_name(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"a NumPy array of dtype {x.dtype} and shape {x.shape}"
    if _is_tensor(x):
        return f"a tensor of dtype {x.dtype} and shape {tuple(x.shape)}"
    return f"{type(x).__name__} {describe(x)}"


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "iu"


def _numeric_array(x: Any) -> np.ndarray | None:
    """``x`` as a float array if it is a number or an array-like of numbers, else None."""
    if isinstance(x, (str, bytes)) or x is None:
        return None
    if isinstance(x, (list, tuple)) and any(isinstance(v, (str, bytes)) for v in x):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(x)
            if arr.dtype.kind not in "biuf":
                return None
            return arr.astype(float)
    except (TypeError, ValueError, RuntimeError):
        return None


def mismatch(
    expected: Any, got: Any, *, rtol: float | None = None, types: bool = False
) -> str | None:
    """Why ``got`` differs from ``expected``, or None when it is a right answer.

    Numbers and arrays are compared with relative tolerance ``rtol`` (by default the one
    for the coarser precision of the two, :func:`precision_of`) and an absolute tolerance
    of ``rtol`` times the largest expected magnitude (at least ``ATOL``), so entries that
    cancel to near 0 are judged on the scale of the answer. Strings compare with ``==``.
    A tuple or list answer may come back as a list or tuple; a list of numbers also as an
    array. With ``types=True`` an integer answer must be an integer (an int8 tensor must be
    int8) and a float answer a number, not a string.
    """
    if rtol is None:
        rtol = precision_of(expected, got)
    raw_expected, raw_got = expected, got
    expected, got = _to_numpy(expected), _to_numpy(got)
    if expected is None:
        return None if got is None else f"expected None, got {_type_name(got)}"
    if got is None:
        return "your function returned None (is a `return` missing?)"
    if isinstance(expected, str):
        if not isinstance(got, str):
            return f"expected the text {expected!r}, got {_type_name(got)}"
        return None if got == expected else f"expected {expected!r}, got {got!r}"
    if isinstance(expected, (tuple, list)):
        numbers = (
            isinstance(expected, list)
            and _numeric_array(expected) is not None
            and all(not isinstance(v, (list, tuple, np.ndarray)) for v in expected)
        )
        if not numbers:
            if not isinstance(got, (tuple, list)):
                what = (
                    "values" if isinstance(expected, tuple) else "items in a list"
                )
                return (
                    f"expected {len(expected)} {what} ({describe(expected)}), got"
                    f" {_type_name(got)}"
                    + (
                        ": return them as a tuple, e.g. `return a, b`"
                        if isinstance(expected, tuple)
                        else ""
                    )
                )
            if len(got) != len(expected):
                return f"expected {len(expected)} values, got {len(got)}"
            for i, (e, g) in enumerate(zip(expected, got, strict=True)):
                reason = mismatch(e, g, rtol=rtol, types=types)
                if reason is not None:
                    return f"value {i + 1} of {len(expected)}: {reason}"
            return None
    g = _numeric_array(got)
    if g is None:
        return f"expected a number or an array of numbers, got {_type_name(got)}"
    if types:
        e_dtype = _dtype_name(raw_expected)
        if e_dtype in ("int8", "uint8") and _dtype_name(raw_got) != e_dtype:
            return f"expected dtype {e_dtype}, got {_type_name(raw_got)}"
        if _is_integer(expected) or (
            isinstance(expected, list)
            and expected
            and all(_is_integer(v) for v in expected)
        ):
            if not (
                _is_integer(got)
                or (isinstance(got, list) and all(_is_integer(v) for v in got))
            ):
                return f"expected integers ({describe(expected)}), got {_type_name(raw_got)}"
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        return f"expected shape {e.shape}, got shape {g.shape}"
    finite = e[np.isfinite(e)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    atol = max(ATOL, rtol * scale)
    if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return f"expected {describe(expected)}, got {describe(got)}"
    return None


class CheckTimeout(BaseException):
    """Raised inside the learner's function when it runs past the time limit."""


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _call_with_alarm(fn: Callable[..., Any], args: tuple, limit: float) -> Any:
    """SIGALRM interrupts the main thread's Python code after ``limit`` seconds.

    The handler raises :class:`CheckTimeout`, a BaseException, so a learner's
    ``except Exception`` cannot swallow it; the alarm repeats every 0.2 s until the call
    returns, in case a bare ``except`` catches one, and a call that caught it and returned
    still counts as timed out. Another alarm set before (e.g. by a
    test-timeout plugin) is restored afterwards with its remaining time.
    """
    fired = []

    def on_alarm(signum, frame):
        fired.append(True)
        raise CheckTimeout

    start = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(
        signal.ITIMER_REAL, limit, 0.2
    )
    try:
        value = fn(*args)
        if (
            fired
        ):  # the learner's code caught the timeout and went on: still a timeout
            raise CheckTimeout
        return value
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = max(previous_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


def _call_with_interrupt(fn: Callable[..., Any], args: tuple, limit: float) -> Any:
    """Without SIGALRM (Windows): a timer thread interrupts the main thread."""
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        _thread.interrupt_main()

    timer = threading.Timer(limit, interrupt)
    timer.daemon = True
    timer.start()
    try:
        return fn(*args)
    except KeyboardInterrupt:
        if fired.is_set():
            raise CheckTimeout from None
        raise
    finally:
        timer.cancel()


def _call_in_thread(fn: Callable[..., Any], args: tuple, limit: float) -> Any:
    """Off the main thread signals cannot reach the call: wait for a worker thread instead
    (a call that never ends is left running in its daemon thread)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise CheckTimeout
    if "error" in box:
        raise box["error"]
    return box["value"]


def call_with_time_limit(fn: Callable[..., Any], args: tuple, limit: float) -> Any:
    """``fn(*args)``, or :class:`CheckTimeout` once it has run ``limit`` seconds.

    On the main thread (a notebook cell, nbval's kernel, pytest) a SIGALRM timer raises
    the timeout inside the running Python code, so an endless loop stops and nothing is
    left running; where SIGALRM is missing a timer thread interrupts the main thread;
    elsewhere the call runs in a worker thread that is abandoned on timeout.
    """
    if not _on_main_thread():
        return _call_in_thread(fn, args, limit)
    if hasattr(signal, "setitimer"):
        return _call_with_alarm(fn, args, limit)
    return _call_with_interrupt(fn, args, limit)


@dataclass
class _Outcome:
    ok: bool
    value: Any = None
    error: BaseException | None = None


def _call(
    fn: Callable[..., Any], args: tuple, limit: float | None = None
) -> _Outcome:
    try:
        with warnings.catch_warnings():
            if limit is None:
                warnings.simplefilter(
                    "ignore"
                )  # our own wrong implementations may overflow
                return _Outcome(True, fn(*args))
            return _Outcome(True, call_with_time_limit(fn, args, limit))
    except BaseException as exc:  # noqa: BLE001 (the learner's exit() or timeout is feedback)
        return _Outcome(False, error=exc)


def _same_inputs(before: tuple, after: tuple) -> bool:
    try:
        return all(
            mismatch(b, a, rtol=0.0) is None
            for b, a in zip(before, after, strict=True)
        )
    except Exception:  # noqa: BLE001 (an input the learner turned into something odd)
        return False


def _safe_mismatch(expected: Any, got: Any, types: bool) -> str | None:
    try:
        return mismatch(expected, got, types=types)
    except Exception as exc:  # noqa: BLE001 (a result that cannot be read is an answer too)
        return f"your function's result could not be read ({type(exc).__name__}: {exc})"


def _size(case: Case) -> int:
    """How big a case is (entries, characters), to show the smallest counter-example."""
    total, stack = 0, list(case.args)
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            total += 1
        elif _is_tensor(x):
            total += int(x.numel())
        elif isinstance(x, (np.ndarray, str)):
            total += max(np.size(x) if isinstance(x, np.ndarray) else len(x), 1)
        else:
            total += 1
    return total


def _error_lines(
    exc: BaseException, case: Case, signature: str, limit: float
) -> list[str]:
    if isinstance(exc, CheckTimeout):
        return [
            f"your function did not finish within the time limit of {limit:g} s",
            f"  on the case: {case.description}",
            "  Hint: look for a loop that never ends, e.g. a while loop whose counter"
            " is never changed.",
        ]
    if isinstance(exc, SystemExit):
        return [
            "your function called exit() (SystemExit); return the answer instead",
            f"  on the case: {case.description}",
        ]
    if isinstance(exc, KeyboardInterrupt):
        return [
            "your function was interrupted (KeyboardInterrupt)",
            f"  on the case: {case.description}",
        ]
    return [
        f"your function raised {type(exc).__name__}: {exc}",
        f"  on the case: {case.description}",
        f"  Hint: it is called as fn{signature}.",
    ]


def run_check(
    name: str,
    fn: Any,
    reference: Callable[..., Any],
    cases: Sequence[Case],
    mistakes: Sequence[Mistake] = (),
    *,
    signature: str = "",
    types: bool = False,
) -> CheckResult:
    """Compare ``fn`` with ``reference`` on ``cases``; print and return the verdict.

    Every call of ``fn`` runs under :func:`time_limit`. The learner's function runs on all
    cases first; the first error stops the check. Then, if any answer is wrong, a mistake's
    hint is shown only when that mistake gives the learner's answers on every case;
    otherwise the message shows the first wrong teaching case, or else the smallest wrong
    generated case. ``types=True`` makes the result's type part of the answer
    (see :func:`mismatch`).
    """

    def verdict(passed: bool, *lines: str) -> CheckResult:
        mark = "✓" if passed else "✗"
        messages = [f"{mark} {name}: {lines[0]}", *lines[1:]]
        print("\n".join(messages))
        return CheckResult(name, passed, messages)

    if not callable(fn):
        return verdict(
            False,
            f"expected a function {signature}, got {type(fn).__name__}.",
            "  Hint: pass the function itself, without calling it: "
            f"{name}(my_function), not {name}(my_function(...)).",
        )
    limit = time_limit()
    answers: list[Any] = []
    error: BaseException | None = None
    for case in cases:
        args = copy.deepcopy(case.args)
        out = _call(fn, args, limit)
        if not out.ok:
            error = out.error
            break
        if not _same_inputs(case.args, args):
            return verdict(
                False,
                f"your function changed its inputs in place ({case.description}).",
                "  Hint: build and return new arrays (e.g. w + step) instead of"
                " updating the ones passed in (w += step).",
            )
        answers.append(out.value)
    ran = cases[: len(answers)]
    expected = [reference(*copy.deepcopy(case.args)) for case in ran]
    reasons = [
        _safe_mismatch(e, g, types) for e, g in zip(expected, answers, strict=True)
    ]
    wrong = [i for i, r in enumerate(reasons) if r is not None]
    if not wrong and error is None:
        n_gen = sum(not c.teaching for c in cases)
        extra = f" ({len(cases) - n_gen} fixed, {n_gen} generated)" if n_gen else ""
        return verdict(True, f"all {len(cases)} cases passed{extra}.")
    if wrong:
        teaching = [i for i in wrong if ran[i].teaching]
        first = (
            teaching[0]
            if teaching
            else min(wrong, key=lambda i: (_size(ran[i]), i))
        )
        lines = [
            f"wrong answer on the case: {ran[first].description}",
            f"  {reasons[first]}",
        ]
    else:
        lines = _error_lines(error, cases[len(answers)], signature, limit)
        if not isinstance(
            error, Exception
        ):  # a timeout, exit() or interrupt: no hint
            return verdict(False, *lines)
        lines = lines[:2]
    failing = cases[len(answers)] if error is not None else None
    with np.errstate(all="ignore"):
        for m in mistakes:
            if _explains(m, ran, answers, types, failing, error):
                return verdict(False, *lines, f"  Hint: {m.hint}")
    if not wrong:
        lines = _error_lines(error, cases[len(answers)], signature, limit)
    return verdict(False, *lines)


def _explains(
    mistake: Mistake,
    cases: Sequence[Case],
    answers: Sequence[Any],
    types: bool,
    failing: Case | None,
    error: BaseException | None,
) -> bool:
    """Does ``mistake`` give the learner's answer on every case they ran, and raise the
    same kind of exception on the case where their function raised (if any)?"""
    for case, got in zip(cases, answers, strict=True):
        out = _call(mistake.impl, copy.deepcopy(case.args))
        if not out.ok or _safe_mismatch(out.value, got, types) is not None:
            return False
    if failing is not None:
        out = _call(mistake.impl, copy.deepcopy(failing.args))
        return not out.ok and type(out.error) is type(error)
    return True


def string_case(what: str, *texts: str) -> Case:
    """A case whose arguments are ``texts``, described as ``what`` followed by the texts."""
    return Case(tuple(texts), f"{what}: {texts!r}")


def generated_case(args: tuple, what: str = "a generated case") -> Case:
    """A generated (non-teaching) case, described by ``what`` and its arguments."""
    return Case(
        tuple(args),
        f"{what}: {', '.join(describe(a) for a in args)}",
        teaching=False,
    )


def make_rng(seed: int) -> np.random.Generator:
    """The seeded generator every check draws its generated cases from."""
    return np.random.default_rng(seed)


def resampled(
    cases: Sequence[Case],
    seed: int,
    scales: Sequence[float] = (0.1, 3.0),
    *,
    floats: bool = False,
    positive: Sequence[int] = (),
) -> tuple[Case, ...]:
    """Generated cases with the shapes, dtypes and structure of ``cases``, new values.

    Every float array or tensor argument (also inside lists) is redrawn from a seeded
    normal distribution times each of ``scales``; with ``floats=True`` Python floats are
    redrawn too; the arguments at the indices in ``positive`` are made non-negative.
    Integers, booleans, masks and None stay as they are (they are the structure).
    """
    rng = make_rng(seed)

    def draw(x: Any, scale: float, pos: bool) -> Any:
        if _is_tensor(x) and x.is_floating_point():
            v = rng.normal(0.0, scale, tuple(x.shape))
            return _like_tensor(x, np.abs(v) if pos else v)
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            v = rng.normal(0.0, scale, x.shape)
            return (np.abs(v) if pos else v).astype(x.dtype)
        if isinstance(x, list):
            return [draw(v, scale, pos) for v in x]
        if floats and isinstance(x, float):
            v = float(rng.normal(0.0, scale))
            return abs(v) if pos else v
        return x

    out = []
    for scale in scales:
        for case in cases:
            args = tuple(
                draw(a, scale, i in positive) for i, a in enumerate(case.args)
            )
            out.append(
                generated_case(
                    args,
                    f"{case.description}, new random values of scale {scale:g}",
                )
            )
    return tuple(out)


def _like_tensor(x: Any, values: np.ndarray) -> Any:
    import torch  # only reached with a tensor in hand, so torch is already loaded

    return torch.as_tensor(values).to(x.dtype)
