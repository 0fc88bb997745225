"""Random expression trees for testing automatic differentiation (chapter 2.2).

A tree is a nested tuple: ``("leaf", i)`` is the i-th input, ``("const", c)`` a number,
``(op, child)`` a function of one argument, ``(op, left, right)`` a binary operation and
``("pow", child, k)`` a power with a fixed exponent. The generator keeps every expression
inside the domain of its operations (no log of a non-positive number, no division by a
number near 0, no kink of relu at 0) and every intermediate value bounded, at the inputs
it draws. :func:`evaluate` builds the same expression from anything with Python's
arithmetic and the methods ``tanh``, ``exp``, ``log``, ``relu`` and ``sigmoid``: a
:class:`bookutils.foundations.autograd.Value`, a torch tensor, ... so two engines can be compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "UNARY",
    "BINARY",
    "POWERS",
    "random_expression",
    "evaluate",
    "expression_str",
]

Tree = tuple

UNARY: dict[str, Callable[[float], float]] = {
    "neg": lambda x: -x,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "relu": lambda x: max(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
}
BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
POWERS = (2, 3, -1, 0.5, 1.5, -2)
_SAFE_DISTANCE = 0.1  # how far a value must stay from a singularity or a kink


def _safe(op: str, x: float, k: float | None = None) -> bool:
    """Is ``op`` well away from the edge of its domain at the argument ``x``?"""
    if op == "log":
        return x > _SAFE_DISTANCE
    if op == "relu":
        return abs(x) > _SAFE_DISTANCE
    if op == "exp":
        return x < 5.0
    if op == "/":
        return abs(x) > _SAFE_DISTANCE
    if op == "pow":
        if k is not None and not float(k).is_integer():
            return x > _SAFE_DISTANCE
        return k is None or k > 0 or abs(x) > _SAFE_DISTANCE
    return True


def random_expression(
    rng: np.random.Generator, n_inputs: int = 3, depth: int = 4, bound: float = 20.0
) -> tuple[Tree, list[float]]:
    """A random expression of ``n_inputs`` inputs, and input values it is safe at.

    ``depth`` limits the nesting. Inputs are reused at random, and sometimes a whole
    subexpression is reused, so the graph is not always a tree: exactly the case where
    gradients from several paths must be added. Every intermediate value lies in
    ``[-bound, bound]`` at the returned inputs.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    for name, value, least in (("n_inputs", n_inputs, 1), ("depth", depth, 0)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < least
        ):
            raise ValueError(f"{name} must be an int >= {least}, got {value!r}")
    if not (isinstance(bound, (int, float)) and bound >= 2.0):
        raise ValueError(f"bound must be a number >= 2, got {bound!r}")
    inputs = [float(v) for v in rng.uniform(-1.5, 1.5, size=n_inputs)]
    built: list[tuple[Tree, float]] = []

    def leaf() -> tuple[Tree, float]:
        if built and rng.random() < 0.2:  # reuse a subexpression
            return built[int(rng.integers(len(built)))]
        if rng.random() < 0.15:
            c = round(float(rng.uniform(-2, 2)), 2)
            return ("const", c), c
        i = int(rng.integers(n_inputs))
        return ("leaf", i), inputs[i]

    def grow(level: int) -> tuple[Tree, float]:
        if level == 0 or rng.random() < 0.05:
            return leaf()
        for _ in range(20):  # retry until it is safe
            kind = rng.random()
            if kind < 0.45:
                op = str(rng.choice(list(BINARY)))
                (left, a), (right, b) = grow(level - 1), grow(level - 1)
                if not _safe(op, b):
                    continue
                node, value = (op, left, right), BINARY[op](a, b)
            elif kind < 0.8:
                op = str(rng.choice(list(UNARY)))
                child, a = grow(level - 1)
                if not _safe(op, a):
                    continue
                node, value = (op, child), UNARY[op](a)
            else:
                k = POWERS[int(rng.integers(len(POWERS)))]
                child, a = grow(level - 1)
                if not _safe("pow", a, k):
                    continue
                node, value = ("pow", child, k), a**k
            if abs(value) <= bound:
                built.append((node, value))
                return node, value
        return leaf()

    tree, _ = grow(depth)
    return tree, inputs


def evaluate(tree: Tree, inputs: Sequence[Any]) -> Any:
    """Build ``tree`` from ``inputs`` (Values, tensors or floats with the needed methods).

    A subexpression that occurs more than once in the tree (the same tuple object) is built
    once and shared, so the result is a graph with the same shape as the expression.
    """
    if not isinstance(tree, tuple) or not tree:
        raise TypeError(
            f"tree must be a non-empty tuple such as ('leaf', 0), got {tree!r}"
        )
    memo: dict[int, Any] = {}

    def build(node: Tree) -> Any:
        key = id(node)
        if key in memo:
            return memo[key]
        op = node[0]
        if op == "leaf":
            if not 0 <= node[1] < len(inputs):
                raise ValueError(
                    f"the tree uses input {node[1]}, but {len(inputs)} were given"
                )
            out = inputs[node[1]]
        elif op == "const":
            out = node[1]
        elif op == "pow":
            out = build(node[1]) ** node[2]
        elif op in BINARY and len(node) == 3:
            a, b = build(node[1]), build(node[2])
            out = (
                a + b
                if op == "+"
                else a - b
                if op == "-"
                else a * b
                if op == "*"
                else a / b
            )
        elif op == "neg":
            out = -build(node[1])
        elif op in UNARY:
            arg = build(node[1])
            out = (
                UNARY[op](float(arg))
                if isinstance(arg, (int, float))
                else getattr(arg, op)()
            )
        else:
            raise ValueError(f"unknown operation {op!r} in the tree")
        memo[key] = out
        return out

    return build(tree)


def expression_str(tree: Tree) -> str:
    """The expression as readable text, inputs named x0, x1, ..."""
    if not isinstance(tree, tuple) or not tree:
        raise TypeError(
            f"tree must be a non-empty tuple such as ('leaf', 0), got {tree!r}"
        )
    op = tree[0]
    if op == "leaf":
        return f"x{tree[1]}"
    if op == "const":
        return f"({tree[1]:g})" if tree[1] < 0 else f"{tree[1]:g}"
    if op == "pow":
        return f"({expression_str(tree[1])})^{tree[2]:g}"
    if op in BINARY and len(tree) == 3:
        return f"({expression_str(tree[1])} {op} {expression_str(tree[2])})"
    if op == "neg":
        return f"-({expression_str(tree[1])})"
    if op in UNARY:
        return f"{op}({expression_str(tree[1])})"
    raise ValueError(f"unknown operation {op!r} in the tree")
