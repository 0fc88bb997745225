"""Tests for the scalar autograd engine of chapter 2.2, its expression generator, its graph
drawing and its self-checks. Values and gradients are compared with torch.autograd."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from bookutils.checks.autograd import (
    MUL_CASES,
    TANH_CASES,
    check_mul_backward,
    check_tanh_backward,
    mul_backward_reference,
    tanh_backward_reference,
)
from bookutils.foundations import autograd
from bookutils.foundations.autograd import Value, topological_order
from bookutils.foundations.expressions import (
    evaluate,
    expression_str,
    random_expression,
)
from bookutils.viz.graph import draw_graph, graph_layout

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks/02_concepts/2_2_backprop_idea.ipynb"
)

F64 = torch.float64
# Both engines do the same float64 operations in nearly the same order; what remains is
# round-off of a few ulps per operation, summed over at most a few dozen operations.
RTOL = 1e-10


def torch_grads(build, *xs: float) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=F64, requires_grad=True) for x in xs]
    out = build(*leaves)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in leaves]


def value_grads(build, *xs: float) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = build(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


OPS = {
    "add": (lambda a, b: a + b, (1.3, -0.4)),
    "radd": (lambda a, b: 2.5 + a, (1.3, -0.4)),
    "sub": (lambda a, b: a - b, (1.3, -0.4)),
    "rsub": (lambda a, b: 2.5 - b, (1.3, -0.4)),
    "mul": (lambda a, b: a * b, (1.3, -0.4)),
    "rmul": (lambda a, b: 3 * a, (1.3, -0.4)),
    "div": (lambda a, b: a / b, (1.3, -0.4)),
    "rdiv": (lambda a, b: 2.0 / b, (1.3, -0.4)),
    "neg": (lambda a, b: -a, (1.3, -0.4)),
    "pow_int": (lambda a, b: b**3, (1.3, -0.4)),
    "pow_neg": (lambda a, b: b**-2, (1.3, -0.4)),
    "pow_frac": (lambda a, b: a**1.5, (1.3, -0.4)),
    "pow_zero": (lambda a, b: a**0, (1.3, -0.4)),
    "tanh": (lambda a, b: a.tanh(), (0.7, 0.0)),
    "exp": (lambda a, b: a.exp(), (0.7, 0.0)),
    "log": (lambda a, b: a.log(), (0.7, 0.0)),
    "relu_pos": (lambda a, b: a.relu(), (0.7, 0.0)),
    "relu_neg": (lambda a, b: b.relu(), (0.7, -0.3)),
    "relu_zero": (lambda a, b: b.relu(), (0.7, 0.0)),
    "sigmoid": (lambda a, b: a.sigmoid(), (0.7, 0.0)),
    "sigmoid_neg": (lambda a, b: b.sigmoid(), (0.7, -30.0)),
    "composite": (lambda a, b: (a * b + b.exp()).tanh() / (1 + a * a), (0.3, -0.8)),
}


@pytest.mark.parametrize("name", OPS)
def test_each_operation_matches_torch(name):
    build, xs = OPS[name]
    value, grads = value_grads(build, *xs)
    t_value, t_grads = torch_grads(build, *xs)
    assert math.isclose(value, t_value, rel_tol=RTOL, abs_tol=1e-300)
    np.testing.assert_allclose(grads, t_grads, rtol=RTOL, atol=1e-300)


def test_sigmoid_does_not_overflow_far_from_zero():
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0


def test_value_attributes_and_repr():
    x = Value(2, label="x")
    assert (
        isinstance(x.data, float)
        and x.grad == 0.0
        and x.op == ""
        and x.parents == ()
    )
    y = x * 3.0
    assert y.op == "*" and y.parents[0] is x and y.local_grads == (3.0, 2.0)
    assert "label='x'" in repr(x) and "data=2" in repr(x)
    assert Value(np.float64(1.5)).data == 1.5


@pytest.mark.parametrize("bad", ["1.0", None, True, [1.0], torch.tensor(1.0)])
def test_value_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_unsupported_operands_raise_type_error():
    x = Value(1.0)
    for bad in ("a", None, [1.0]):
        with pytest.raises(TypeError):
            x + bad  # noqa: B018
        with pytest.raises(TypeError):
            bad * x  # noqa: B018
        with pytest.raises(TypeError):
            x - bad  # noqa: B018
        with pytest.raises(TypeError):
            bad / x  # noqa: B018


def test_domain_errors_are_clear():
    with pytest.raises(ZeroDivisionError, match="equal to 0"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError, match="positive"):
        Value(0.0).log()
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(2.0)
    assert (Value(-2.0) ** 2.0).data == 4.0  # an integral float is fine


def test_power_at_zero():
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf  # torch also gives inf
    x = Value(0.0)
    (x**2).backward()
    assert x.grad == 0.0


def test_backward_twice_gives_the_same_gradients():
    a, b = Value(1.5), Value(-2.0)
    c = a * b
    loss = (c + a).tanh() * c
    loss.backward()
    first = (a.grad, b.grad, c.grad)
    loss.backward()
    assert (a.grad, b.grad, c.grad) == first
    _, t_grads = torch_grads(lambda a, b: (a * b + a).tanh() * (a * b), 1.5, -2.0)
    np.testing.assert_allclose(first[:2], t_grads, rtol=RTOL)


def test_backward_on_a_subgraph_resets_only_that_subgraph():
    a = Value(2.0)
    b = a * a
    c = b + 1.0
    c.backward()
    assert a.grad == 4.0 and c.grad == 1.0
    b.backward()  # c is not in b's graph: left alone
    assert a.grad == 4.0 and b.grad == 1.0 and c.grad == 1.0


def test_a_reused_node_gets_the_sum_of_its_gradients():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    a = Value(3.0)
    b = a + a + a
    (b * b).backward()  # (3a)² = 9a², derivative 18a
    assert a.grad == 54.0


def test_deep_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y * 0.999 + 0.001
    y.backward()
    assert (
        len(topological_order(y)) == 1 + 5000 * 4
    )  # x, and per step: *, const, +, const
    assert math.isclose(x.grad, 0.999**5000, rel_tol=1e-10)


def test_topological_order_puts_parents_first_and_lists_each_node_once():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    index = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(index[id(p)] < index[id(node)] for p in node.parents)
    assert order[-1] is e
    with pytest.raises(TypeError, match="needs a Value"):
        topological_order(1.0)


def test_random_expressions_match_torch():
    """The property test: many random expression graphs, float64, values and every grad."""
    rng = np.random.default_rng(2024)
    compared = 0
    for _ in range(600):
        tree, xs = random_expression(
            rng, int(rng.integers(1, 5)), int(rng.integers(2, 7))
        )
        leaves = [Value(x) for x in xs]
        out = evaluate(tree, leaves)
        t_leaves = [torch.tensor(x, dtype=F64, requires_grad=True) for x in xs]
        t_out = evaluate(tree, t_leaves)
        if not isinstance(out, Value) or not t_out.requires_grad:
            continue  # a constant expression: nothing to do
        out.backward()
        t_out.backward()
        t_grads = np.array(
            [0.0 if t.grad is None else t.grad.item() for t in t_leaves]
        )
        grads = np.array([v.grad for v in leaves])
        assert math.isclose(out.data, t_out.item(), rel_tol=RTOL, abs_tol=1e-12), (
            expression_str(tree)
        )
        scale = max(1.0, float(np.abs(t_grads).max()))
        assert np.all(np.abs(grads - t_grads) <= RTOL * scale), expression_str(tree)
        compared += 1
    assert compared >= 500


def test_random_expression_is_seeded_bounded_and_uses_every_kind_of_node():
    trees = [random_expression(np.random.default_rng(s), 3, 5) for s in range(200)]
    again = [random_expression(np.random.default_rng(s), 3, 5) for s in range(200)]
    assert [expression_str(t) for t, _ in trees] == [
        expression_str(t) for t, _ in again
    ]
    ops = set()

    def walk(node):
        ops.add(node[0])
        for child in node[1:]:
            if isinstance(child, tuple):
                walk(child)

    for tree, xs in trees:
        walk(tree)
        assert len(xs) == 3 and all(-1.5 <= x <= 1.5 for x in xs)
        out = evaluate(tree, [Value(x) for x in xs])
        nodes = topological_order(out) if isinstance(out, Value) else []
        assert all(abs(node.data) <= 20.0 for node in nodes)
    assert ops >= {
        "leaf",
        "const",
        "pow",
        "+",
        "-",
        "*",
        "/",
        "neg",
        "tanh",
        "exp",
        "log",
        "relu",
        "sigmoid",
    }


def test_random_expression_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="Generator"):
        random_expression(0)
    with pytest.raises(ValueError, match="n_inputs"):
        random_expression(rng, 0)
    with pytest.raises(ValueError, match="depth"):
        random_expression(rng, 2, -1)
    with pytest.raises(ValueError, match="bound"):
        random_expression(rng, 2, 3, bound=1.0)


def test_evaluate_and_expression_str():
    x0 = ("leaf", 0)
    tree = ("+", ("tanh", x0), ("pow", ("*", x0, ("const", 2.0)), 2))
    assert expression_str(tree) == "(tanh(x0) + ((x0 * 2))^2)"
    assert math.isclose(evaluate(tree, [0.5]), math.tanh(0.5) + 1.0)
    shared = ("exp", x0)
    x = Value(0.3)
    out = evaluate(("*", shared, shared), [x])
    assert out.parents[0] is out.parents[1]  # a shared subexpression is built once
    assert math.isclose(evaluate(("log", ("const", 2.0)), []), math.log(2.0))
    with pytest.raises(ValueError, match="uses input 1"):
        evaluate(("leaf", 1), [0.0])
    with pytest.raises(ValueError, match="unknown operation"):
        evaluate(("cosh", x0), [0.0])
    with pytest.raises(ValueError, match="unknown operation"):
        expression_str(("cosh", x0))
    with pytest.raises(TypeError, match="non-empty tuple"):
        evaluate([], [0.0])
    with pytest.raises(TypeError, match="non-empty tuple"):
        expression_str("x0")


def test_graph_layout_and_drawing():
    x, w = Value(0.5, "x"), Value(-2.0, "w")
    z = x * w + 1.0
    z.label = "z"
    y = z.tanh()
    y.backward()
    layout = graph_layout(y)
    assert len(layout) == len(topological_order(y))
    for node, (col, _) in layout.items():
        assert all(layout[p][0] < col for p in node.parents)
    assert layout[x][0] == 0 and layout[y][0] == max(c for c, _ in layout.values())
    fig, ax = plt.subplots()
    assert draw_graph(ax, y) == layout
    assert any("z = +" in t.get_text() for t in ax.texts)
    plt.close(fig)
    with pytest.raises(TypeError, match="Axes"):
        draw_graph("ax", y)
    with pytest.raises(TypeError, match="needs a Value"):
        graph_layout(0.5)
    chain = Value(1.0)
    for _ in range(40):
        chain = chain + 1.0
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(ax, chain)
    plt.close(fig)


# -- self-checks ---------------------------------------------------------------------------


def test_references_agree_with_calculus():
    assert mul_backward_reference(2.0, -3.0, 0.5) == (-1.5, 1.0)
    assert math.isclose(
        tanh_backward_reference(0.4, 2.0), 2 * (1 - math.tanh(0.4) ** 2)
    )


def test_checks_pass_correct_rules(capsys):
    assert check_mul_backward(lambda a, b, g: (b * g, a * g))
    assert check_tanh_backward(lambda x, g: (1 - math.tanh(x) ** 2) * g)
    assert "✓" in capsys.readouterr().out


def test_cases_are_described():
    for case in (*MUL_CASES, *TANH_CASES):
        assert case.description


def test_chapter_2_2_shows_the_lesson_code():
    assert_notebook_shows(NOTEBOOK, autograd, {"Value", "topological_order"})


def test_graph_drawing_accepts_a_copy_of_the_class():
    """The notebook defines its own Value (the lesson code); the drawing must take it."""

    class Copy:
        def __init__(self, data, parents=(), local_grads=()):
            self.data, self.grad, self.label, self.op = data, 0.0, "", ""
            self.parents, self.local_grads = parents, local_grads

    a = Copy(1.0)
    root = Copy(2.0, (a, a), (1.0, 1.0))
    assert topological_order(root) == [a, root]
    assert set(graph_layout(root)) == {a, root}
