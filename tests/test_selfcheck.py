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

CHECKS = [(check_perceptron_update, perceptron_update, UPDATE_MISTAKES),
          (check_perceptron_predict, perceptron_predict, PREDICT_MISTAKES)]










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
    mistakes = [Mistake(lambda x: 0.0, "always zero"), Mistake(lambda x: 2 * x, "doubled")]
    # Right on case one, 0 on case two: 'always zero' matches case two but not case one.
    result = run_check("demo", lambda x: x if x == 1.0 else 0.0, lambda x: x, cases, mistakes)
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
