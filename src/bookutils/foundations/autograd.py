"""A scalar automatic-differentiation engine, written for chapter 2.2 and reused later.

Every :class:`Value` holds one number. An operation on Values returns a new Value that
remembers its inputs (its *parents*) and the partial derivative of its result with respect
to each of them, computed during the forward pass. :meth:`Value.backward` then walks the
graph once, from the output back to the leaves, and applies the chain rule.

Two design choices make the engine safe where small engines often are not:

* ``backward()`` first sets the gradient of every node in the graph to zero, so calling it
  twice gives the same gradients, not doubled ones;
* the graph is ordered with an explicit stack, not recursion, so graphs with many thousands
  of nodes in a chain work.

Chapter 2.2 shows :class:`Value` and :func:`topological_order` as code cells, identical to
the code here (a test compares them); the argument checks live in the private helpers
below so that the lesson code shows only the idea.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["Value", "topological_order"]


def _is_number(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def _check_value(data: object, label: object) -> None:
    """A Value holds a real number (not a bool) and a string label."""
    if not _is_number(data):
        raise TypeError(
            f"Value holds a real number (int or float), got "
            f"{type(data).__name__}: {data!r}"
        )
    if not isinstance(label, str):
        raise TypeError(f"label must be a string, got {type(label).__name__}")


def _check_divisor(a: float, b: float) -> None:
    if b == 0.0:
        raise ZeroDivisionError(f"division of {a:g} by a Value equal to 0")


def _check_power(x: float, k: object) -> None:
    """``x ** k`` needs a number k, an integer k for a negative x, and k >= 0 at x = 0."""
    if not _is_number(k):
        raise TypeError(
            f"the exponent must be a number, got {type(k).__name__}; "
            "for a Value exponent write (k * x.log()).exp()"
        )
    if x < 0 and not float(k).is_integer():
        raise ValueError(
            f"a negative base ({x:g}) needs an integer exponent, got {k:g}"
        )
    if x == 0 and k < 0:
        raise ZeroDivisionError(f"0 raised to the negative power {k:g}")


def _slope_at_zero(k: float) -> float:
    """The derivative of x**k at x = 0 (k >= 0): 1 for k = 1, inf below, 0 otherwise."""
    if k == 1:
        return 1.0
    return math.inf if 0 < k < 1 else 0.0  # e.g. the slope of sqrt at 0 is inf


def _check_positive(x: float) -> None:
    if x <= 0:
        raise ValueError(f"log needs a positive Value, got {x:g}")


def _sigmoid(x: float) -> float:
    """1 / (1 + e^(-x)), without overflow for very negative x."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _check_node(root: object, who: str) -> None:
    """``root`` must be a node of a graph: something with data, parents and local grads."""
    if not all(
        hasattr(root, a) for a in ("data", "grad", "parents", "local_grads")
    ):
        raise TypeError(f"{who} needs a Value, got {type(root).__name__}")


class Value:
    """A scalar in a computational graph: its value ``data`` and, after a backward pass,
    ``grad``, the derivative of the output with respect to it.

    >>> x = Value(3.0)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad          # dy/dx = 2x + 2
    8.0
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data, label=""):
        _check_value(data, label)
        self.data, self.grad, self.label = float(data), 0.0, label
        self.op = ""  # "" for a leaf: an input or a weight
        self.parents = ()  # the Values this one was computed from
        self.local_grads = ()  # d(self)/d(parent), one per parent

    @classmethod
    def _result(cls, data, op, parents, local_grads):
        """The node for ``op`` applied to ``parents``, with its local derivatives."""
        out = cls(data)
        out.op, out.parents, out.local_grads = op, parents, local_grads
        return out

    def __repr__(self):
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"

    # -- operations: each computes its result and its local derivatives -------------

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value._result(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value._result(
            self.data * other.data, "*", (self, other), (other.data, self.data)
        )

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value._result(
            self.data - other.data, "-", (self, other), (1.0, -1.0)
        )

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        _check_divisor(self.data, other.data)
        q = self.data / other.data
        return Value._result(
            q, "/", (self, other), (1.0 / other.data, -q / other.data)
        )

    def __neg__(self):
        return Value._result(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, k):
        """``self ** k`` for a fixed number k (not a Value)."""
        _check_power(self.data, k)
        k, x = float(k), self.data
        slope = k * x ** (k - 1) if x != 0 else _slope_at_zero(k)
        return Value._result(x**k, f"**{k:g}", (self,), (slope,))

    def __radd__(self, other):  # other + self, for a number other
        return Value(other) + self

    def __rmul__(self, other):
        return Value(other) * self

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self

    def tanh(self):
        t = math.tanh(self.data)
        return Value._result(t, "tanh", (self,), (1.0 - t * t,))  # 1 - tanh²

    def exp(self):
        e = math.exp(self.data)
        return Value._result(e, "exp", (self,), (e,))  # its own derivative

    def log(self):
        _check_positive(self.data)
        return Value._result(
            math.log(self.data), "log", (self,), (1.0 / self.data,)
        )

    def relu(self):
        on = self.data > 0  # the slope at 0 is taken as 0, as in PyTorch
        return Value._result(
            self.data if on else 0.0, "relu", (self,), (float(on),)
        )

    def sigmoid(self):
        s = _sigmoid(self.data)
        return Value._result(s, "sigmoid", (self,), (s * (1.0 - s),))

    # -- the backward pass -------------------------------------------------------------

    def backward(self):
        """Set ``grad`` of every node in this Value's graph to d(self)/d(node).

        Every ``grad`` is first reset to 0, so repeated calls give the same result. To
        add the gradients of two outputs, call backward on their sum.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # every node after all its consumers
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += local * node.grad  # chain rule; paths add up


def topological_order(root):
    """Every node of ``root``'s graph once, each after all the nodes it was computed from.

    Uses an explicit stack (a depth-first search that emits a node when all its parents are
    done), so the depth of the graph is not limited by Python's recursion limit.
    """
    _check_node(root, "topological_order")
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))  # emitted after the parents pushed above it
            stack.extend((p, False) for p in node.parents if id(p) not in visited)
    return order
