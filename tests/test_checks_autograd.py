"""The self-check of 2.2's "Build it yourself" engine: a right engine passes; wrong ones,
written here independently of the check's own list of mistakes, get ✗ and a useful
message, never a traceback."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bookutils.checks.autograd import (
    ENGINE_CASES,
    ENGINE_GENERATED,
    ENGINE_MISTAKES,
    Node,
    _torch_reference,
    check_autograd_engine,
)


def add(a, b):
    return Node(a.data + b.data, (a, b), (1.0, 1.0))


def mul(a, b):
    return Node(a.data * b.data, (a, b), (b.data, a.data))


def tanh(a):
    t = math.tanh(a.data)
    return Node(t, (a,), (1 - t * t,))


def exp(a):
    e = math.exp(a.data)
    return Node(e, (a,), (e,))


def order_of(root):
    order, done, todo = [], set(), [(root, False)]
    while todo:
        node, expanded = todo.pop()
        if expanded:
            order.append(node)
        elif id(node) not in done:
            done.add(id(node))
            todo.append((node, True))
            todo += [(p, False) for p in node.parents]
    return order


def backward(root, update=lambda parent, local, node: local * node.grad):
    order = order_of(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            parent.grad += update(parent, local, node)


RIGHT = {"add": add, "mul": mul, "tanh": tanh, "exp": exp, "backward": backward}


def engine(**parts):
    return [
        {**RIGHT, **parts}[k] for k in ("add", "mul", "tanh", "exp", "backward")
    ]


def verdict(capsys, **parts):
    result = check_autograd_engine(*engine(**parts))
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, out


def test_a_right_engine_passes(capsys):
    result, out = verdict(capsys)
    assert result and out.startswith("✓ check_autograd_engine")


def test_the_reference_is_torch_and_agrees_with_calculus():
    x0, x1 = ("leaf", 0), ("leaf", 1)
    value, d0, d1 = _torch_reference(("+", ("*", x0, x1), x0), (2.0, -3.0), False)
    assert (value, d0, d1) == (-4.0, -2.0, 2.0)
    value, d0 = _torch_reference(("*", ("exp", x0), x0), (0.5,), False)
    assert math.isclose(d0, 1.5 * math.exp(0.5), rel_tol=1e-15)


def test_cases_are_described_and_seeded():
    assert len(ENGINE_GENERATED) == 40
    assert all(c.description for c in ENGINE_CASES + ENGINE_GENERATED)
    assert any(c.args[2] for c in ENGINE_GENERATED)  # some call backward twice
    assert any(c.args[0][0] == "chain" for c in ENGINE_CASES)


def test_every_listed_mistake_is_caught_and_named(capsys):
    """The check's own mistakes, fed back as the learner's answers: each gets its hint."""
    from bookutils.selfcheck import run_check

    cases = ENGINE_CASES + ENGINE_GENERATED
    for mistake in ENGINE_MISTAKES:
        result = run_check(
            "engine", mistake.impl, _torch_reference, cases, ENGINE_MISTAKES
        )
        assert not result and any(mistake.hint in m for m in result.messages), (
            mistake.hint
        )
    capsys.readouterr()


def recursive_backward(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for p in node.parents:
                visit(p)
            order.append(node)

    visit(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            parent.grad += local * node.grad


def path_by_path_backward(root):
    """Pushes every path's product down separately: right, but recursive."""
    for node in order_of(root):
        node.grad = 0.0

    def push(node, g):
        node.grad += g
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            push(parent, local * g)

    push(root, 1.0)


def no_reset_backward(root):
    root.grad = 1.0
    for node in reversed(order_of(root)):
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            parent.grad += local * node.grad


def creation_order_backward(root):
    """Sorts the nodes by id, hoping that it is the order of creation: it is not."""
    order = sorted(order_of(root), key=id, reverse=True)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            parent.grad += local * node.grad


def overwrite_backward(root):
    order = order_of(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            parent.grad = local * node.grad


def returning_backward(root):
    """Computes the gradients in a dict and returns it, never setting node.grad."""
    order, grads = order_of(root), {id(root): 1.0}
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            grads[id(parent)] = grads.get(id(parent), 0.0) + local * grads[id(node)]
    return grads


def endless_backward(root):
    order = order_of(root)
    i = 0
    while i < len(order):  # i never changes
        order[i].grad = 0.0


WRONG = {
    # the wrong implementations of the book-wide battery, in a scalar engine's terms
    "transposed weight (mul's local derivatives paired with the wrong parents)": {
        "mul": lambda a, b: Node(a.data * b.data, (b, a), (b.data, a.data))
    },
    "missing bias (add forgets its second parent)": {
        "add": lambda a, b: Node(a.data + b.data, (a,), (1.0,))
    },
    "wrong reduction (a node adds its parent's gradient, not its own)": {
        "backward": lambda r: backward(
            r, lambda parent, local, node: local * r.grad
        )
    },
    "float32 instead of float64": {
        "mul": lambda a, b: Node(
            np.float32(a.data) * np.float32(b.data), (a, b), (b.data, a.data)
        )
    },
    "mutating the input": {
        "add": lambda a, b: (
            setattr(a, "data", a.data + b.data) or Node(a.data, (a, b), (1.0, 1.0))
        )
    },
    "returning a list": {"tanh": lambda a: [tanh(a)]},
    "returning a bare float": {"exp": lambda a: math.exp(a.data)},
    "a function that never returns": {"backward": endless_backward},
    "returning the gradients instead of setting grad": {
        "backward": returning_backward
    },
    # the mistakes natural to an engine, in code of their own
    "= instead of +=": {"backward": overwrite_backward},
    "forgetting the chain-rule factor": {
        "backward": lambda r: backward(r, lambda parent, local, node: local)
    },
    "no reset between two backward calls": {"backward": no_reset_backward},
    "no topological order (nodes sorted by id)": {
        "backward": creation_order_backward
    },
    "a recursive search": {"backward": recursive_backward},
    "path by path, recursively": {"backward": path_by_path_backward},
    "tanh's derivative from its input": {
        "tanh": lambda a: Node(math.tanh(a.data), (a,), (1 - a.data * a.data,))
    },
    "exp's derivative taken as 1": {
        "exp": lambda a: Node(math.exp(a.data), (a,), (1,))
    },
    "local derivatives one short": {
        "mul": lambda a, b: Node(a.data * b.data, (a, b), (b.data,))
    },
}

EXPECTED = {
    "float32 instead of float64": "float64",
    "mutating the input": "in place",
    "returning a list": "not a node",
    "returning a bare float": "not a node",
    "a function that never returns": "time limit",
    "returning the gradients instead of setting grad": "set node.grad",
    "= instead of +=": "(+=) instead of overwriting",
    "forgetting the chain-rule factor": "the chain rule multiplies",
    "no reset between two backward calls": "set every node's grad to 0",
    "a recursive search": "recursion limit",
    "path by path, recursively": "recursion limit",
    "tanh's derivative from its input": "OUTPUT t = tanh(x)",
    "exp's derivative taken as 1": "not 1",
    "local derivatives one short": "one per parent",
    "transposed weight (mul's local derivatives paired with the wrong parents)": (
        "are swapped"
    ),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_engines_get_a_cross_and_a_useful_message(name, capsys, monkeypatch):
    if name == "a function that never returns":  # the others keep the 5 s limit
        monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.5")
    result, out = verdict(capsys, **WRONG[name])
    assert not result and out.startswith("✗ check_autograd_engine"), out
    assert len(result.messages) >= 2, out  # what went wrong, and where or why
    print(
        f"{name}:\n{out}"
    )  # shown with pytest -s: the messages quoted in the report
    if name in EXPECTED:
        assert EXPECTED[name] in out, out
    else:  # no hint written for it: the smallest case it gets wrong, with both answers
        assert "wrong answer on the case" in out and "expected" in out, out
