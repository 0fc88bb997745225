"""Every assert in a notebook carries a message with the numbers (tools/assert_messages.py).

nbval and the book build show only "AssertionError" for a bare assert, hiding what failed.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest
import torch

from tools import assert_messages as am
from tools import nbtool

NOTEBOOKS = sorted(nbtool.NOTEBOOKS.rglob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_assert_has_a_message(path):
    bare = am.report([path])
    assert not bare, (
        "bare asserts (run tools/assert_messages.py fix):\n" + "\n".join(bare)
    )


def test_a_bare_assert_is_found_in_a_cell_with_magics():
    src = "%matplotlib inline\nx = 1\nif x:\n    !echo hi\n    assert x == 1\nassert x, 'has one'"
    found = am.bare_asserts(src)
    assert [n.lineno for n in found] == [5]


def _fail_message(src: str, env: dict) -> str:
    fixed, count = am.fix_source(src)
    assert count == 1 and not am.bare_asserts(fixed)
    before, after = ast.parse(src).body[-1], ast.parse(fixed).body[-1]
    assert ast.dump(before.test) == ast.dump(
        after.test
    )  # the condition is untouched
    with pytest.raises(AssertionError) as info:
        exec(compile(fixed, "<cell>", "exec"), {"np": np, "torch": torch, **env})
    return str(info.value)


@pytest.mark.parametrize(
    ("src", "env", "shown"),
    [
        ("assert acc > 0.9", {"acc": 0.8125}, "0.8125"),
        ("assert abs(a - b) < 1e-9", {"a": 1.0, "b": 1.5}, "0.5"),
        ("assert 0 <= x <= 1", {"x": 7}, "7"),
        (
            "assert torch.allclose(x, y, atol=1e-6)",
            {"x": torch.zeros(3), "y": torch.tensor([0.0, 0.25, 0.0])},
            "2.50e-01",
        ),
        (
            "assert np.allclose(p, q)",
            {"p": np.zeros(2), "q": np.array([0.0, 3.0])},
            "3.00e+00",
        ),
        ("assert isinstance(v, int)", {"v": 2.5}, "float"),
        ("assert all(v > 0 for v in vals)", {"vals": [1, -4]}, "[1, -4]"),
        ("assert f(2) == 5  # a comment", {"f": lambda t: t * 2}, "4"),
        ("assert name in names", {"name": "z", "names": ["a"]}, "'z'"),
    ],
)
def test_proposed_messages_show_the_values(src, env, shown):
    message = _fail_message(src, env)
    assert shown in message, message


def test_long_values_are_shortened():
    message = _fail_message("assert len(big) == 3", {"big": list(range(10_000))})
    assert len(message) < 200, message


def test_long_asserts_stay_within_the_line_limit():
    src = "assert some_long_function_name(first_argument, second_argument) == other_value_name_here"
    fixed, _ = am.fix_source(src)
    assert max(map(len, fixed.split("\n"))) <= am.MAX_LINE, fixed
    ast.parse(fixed)


def test_check_and_fix_on_a_notebook(tmp_path):
    nb = nbtool.new_notebook("9.9 Demo")
    nb["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "import numpy as np\nassert n > 1",
        }
    )
    path = tmp_path / "demo.ipynb"
    nbtool.save(path, nb)
    assert am.main(["check", str(path)]) == 1
    assert am.main(["fix", str(path)]) == 0
    assert am.main(["check", str(path)]) == 0
    assert am.report([path]) == []
