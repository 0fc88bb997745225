import numpy as np
import torch

from bookutils import (
    Case,
    CheckResult,
    Mistake,
    check_perceptron_predict,
    check_perceptron_update,
    perceptron_predict,
    perceptron_update,
    run_check,
)
from bookutils.checks.perceptron import PREDICT_MISTAKES, UPDATE_MISTAKES
from bookutils.selfcheck import describe, mismatch

CHECKS = [
    (check_perceptron_update, perceptron_update, UPDATE_MISTAKES),
    (check_perceptron_predict, perceptron_predict, PREDICT_MISTAKES),
]


def test_in_place_update_is_caught(capsys):
    def in_place(w, b, x, y, lr):
        if y * (w @ x + b) <= 0:
            w += lr * y * x
            b += lr * y
        return w, b

    assert not check_perceptron_update(in_place)
    assert "changed its inputs in place" in capsys.readouterr().out


def test_wrong_structure_is_explained(capsys):
    assert not check_perceptron_update(lambda w, b, x, y, lr: w)
    assert "expected 2 values" in capsys.readouterr().out


def test_torch_answers_are_accepted(capsys):
    def torch_predict(w, b, X):
        z = torch.tensor(X) @ torch.tensor(w) + b
        return torch.where(z > 0, 1, -1)

    assert check_perceptron_predict(torch_predict)


def test_unknown_wrong_answer_gets_the_mismatch_without_a_hint(capsys):
    result = check_perceptron_predict(lambda w, b, X: np.full(len(X), 7))
    assert not result and not any("Hint" in m for m in result.messages)
    assert "expected" in result.messages[-1]


def test_hint_is_chosen_only_if_the_mistake_explains_earlier_cases_too():
    cases = [Case((1.0,), "one"), Case((2.0,), "two")]
    mistakes = [
        Mistake(lambda x: 0.0, "always zero"),
        Mistake(lambda x: 2 * x, "doubled"),
    ]
    # Right on case one, 0 on case two: 'always zero' matches case two but not case one.
    result = run_check(
        "demo", lambda x: x if x == 1.0 else 0.0, lambda x: x, cases, mistakes
    )
    assert not result and not any("always zero" in m for m in result.messages)


def test_check_result_is_truthy_only_when_passed():
    assert CheckResult("x", True) and not CheckResult("x", False)
    assert "passed=True" in repr(CheckResult("x", True))


def test_mismatch_and_describe():
    assert mismatch((1.0, np.ones(2)), (1.0 + 1e-12, np.ones(2))) is None
    assert "shape" in mismatch(np.ones(2), np.ones(3))
    assert "value 2 of 2" in mismatch((1, 2), (1, 3))
    assert "expected 2 values, got 3" in mismatch((1, 2), (1, 2, 3))
    assert "a number or an array of numbers, got str" in mismatch(1.0, "one")
    assert describe((np.array([1.0, 2.0]),)) == "([1., 2.],)"
    assert describe(0.1234567891) == "0.123457"


def test_string_case_describes_its_texts():
    from bookutils.selfcheck import string_case

    case = string_case("an empty reference", "", "mom")
    assert case.description == "an empty reference: ('', 'mom')"
    assert case.args == ("", "mom") and case.teaching


def test_mismatch_judges_float32_answers_at_float32_precision():
    from bookutils.selfcheck import RTOL_OF_DTYPE, precision_of

    assert precision_of(1.0, np.ones(2)) == 1e-6
    assert precision_of((np.ones(2, np.float32), 3)) == RTOL_OF_DTYPE["float32"]
    assert (
        precision_of([torch.ones(1, dtype=torch.bfloat16)])
        == RTOL_OF_DTYPE["bfloat16"]
    )
    # 5e-6 relative: within float32's tolerance, outside float64's.
    assert mismatch(1.0, np.float32(1 + 5e-6)) is None
    assert mismatch(1.0, torch.tensor(1 + 5e-6, dtype=torch.float32)) is None
    assert "expected 1, got 1.00001" in mismatch(1.0, 1 + 5e-6)
    # A wrong formula stays wrong in float32: 1e-3 relative.
    assert (
        mismatch(np.array([2.0, 3.0]), np.array([2.002, 3.0], np.float32))
        is not None
    )
    # Entries that cancel to ~0 are judged on the scale of the answer.
    assert mismatch(np.array([1e3, 0.0]), np.array([1e3, 1e-4], np.float32)) is None


def test_mismatch_types_none_strings_and_tuples():
    assert (
        mismatch(1.0, None)
        == "your function returned None (is a `return` missing?)"
    )
    assert mismatch(None, None) is None
    assert mismatch("cat", "cat") is None and "expected 'cat'" in mismatch(
        "cat", "cut"
    )
    assert "got str '3'" in mismatch(3, "3")  # never compared as numbers
    assert "return them as a tuple" in mismatch((1, 2.0), np.array([1, 2.0]))
    assert (
        mismatch([1, 2], np.array([1, 2])) is None
    )  # a list of numbers: array-like
    assert mismatch((1, 2.0), [1, 2.0]) is None  # a tuple may come back a list
    assert "expected integers" in mismatch(3, 3.0, types=True)
    assert mismatch(3, 3.0) is None
    q = torch.tensor([1, -2], dtype=torch.int8)
    assert "expected dtype int8" in mismatch(q, q.int(), types=True)
    assert mismatch(q, q.numpy(), types=True) is None
    grads = [
        torch.ones(2, requires_grad=True) * 2,
        torch.zeros(1, dtype=torch.bfloat16),
    ]
    assert mismatch([np.full(2, 2.0), np.zeros(1)], grads) is None


def test_time_limit_reads_the_environment(monkeypatch):
    import pytest

    from bookutils.selfcheck import TIME_LIMIT_S, time_limit

    monkeypatch.delenv("BOOKUTILS_CHECK_TIME_LIMIT", raising=False)
    assert time_limit() == TIME_LIMIT_S == 5.0
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.25")
    assert time_limit() == 0.25
    for bad in ("soon", "0", "-1"):
        monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", bad)
        with pytest.raises(ValueError, match="BOOKUTILS_CHECK_TIME_LIMIT"):
            time_limit()


def test_call_with_time_limit_on_and_off_the_main_thread():
    import threading

    import pytest

    from bookutils.selfcheck import CheckTimeout, call_with_time_limit

    def spin():
        while True:
            pass

    assert call_with_time_limit(lambda a: a + 1, (1,), 1.0) == 2
    with pytest.raises(CheckTimeout):
        call_with_time_limit(spin, (), 0.1)
    with pytest.raises(ZeroDivisionError):
        call_with_time_limit(lambda: 1 / 0, (), 1.0)
    caught = []

    def worker():
        try:
            call_with_time_limit(lambda: __import__("time").sleep(5), (), 0.1)
        except CheckTimeout as exc:
            caught.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join(3)
    assert caught, "off the main thread the call must time out too"


def test_a_hint_needs_the_mistake_on_every_case_including_generated_ones():
    cases = [
        Case((1.0,), "one"),
        Case((2.0,), "two"),
        Case((-3.0,), "generated: -3", teaching=False),
    ]
    doubled = Mistake(lambda x: 2 * x, "doubled")
    # Doubles only positive numbers: matches 'doubled' on the teaching cases, not on -3.
    result = run_check(
        "demo", lambda x: 2 * x if x > 0 else x, lambda x: x, cases, [doubled]
    )
    assert not result and not any("doubled" in m for m in result.messages)
    assert "the case: one" in result.messages[0]
    result = run_check("demo", lambda x: 2 * x, lambda x: x, cases, [doubled])
    assert result.messages[-1] == "  Hint: doubled"


def test_the_smallest_generated_counter_example_is_shown():
    cases = [
        Case((np.ones(1),), "teaching"),
        Case((np.zeros(5) - 1,), "big", teaching=False),
        Case((-np.ones(2),), "small", teaching=False),
    ]
    result = run_check("demo", lambda x: np.abs(x), lambda x: x, cases)
    assert not result and "the case: small" in result.messages[0]
    assert (
        "(1 fixed, 2 generated)"
        in run_check("demo", lambda x: x, lambda x: x, cases).messages[0]
    )


def test_resampled_keeps_structure_and_redraws_floats():
    from bookutils.selfcheck import resampled

    base = [Case((np.zeros((2, 3)), np.array([1, 0]), 4, 0.5, None), "a case")]
    out = resampled(base, 1, scales=(2.0,))
    ((x, y, n, f, none),) = (c.args for c in out)
    assert x.shape == (2, 3) and x.dtype == np.float64 and np.abs(x).sum() > 0
    assert y.tolist() == [1, 0] and n == 4 and f == 0.5 and none is None
    assert not out[0].teaching and out[0].description.startswith(
        "a case, new random values"
    )
    pos = resampled([Case((np.zeros(50),), "v")], 2, positive=(0,))
    assert np.all(pos[0].args[0] >= 0)


def test_generated_case_and_make_rng():
    from bookutils.selfcheck import generated_case, make_rng

    case = generated_case((np.array([1.0, 2.5]), 3), "a random case")
    assert case.description == "a random case: [1. , 2.5], 3" and not case.teaching
    assert case.args[1] == 3
    assert (
        make_rng(5).integers(0, 100, 3).tolist()
        == make_rng(5).integers(0, 100, 3).tolist()
    )
