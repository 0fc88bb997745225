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
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["Value", "topological_order"]


def _is_number(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


class Value:
    """A scalar in a computational graph: its value ``data`` and, after a backward pass,
    ``grad``, the derivative of the output with respect to it.

    >>> x = Value(3.0)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad          # dy/dx = 2x + 2
    8.0
    """

    __slots__ = ("data", "grad", "label", "op", "_parents", "_local_grads")

    def __init__(self, data: float, label: str = "") -> None:
        if not _is_number(data):
            raise TypeError(
                f"Value holds a real number (int or float), got "
                f"{type(data).__name__}: {data!r}"
            )
        if not isinstance(label, str):
            raise TypeError(f"label must be a string, got {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""  # "" for a leaf: an input or a weight
        self._parents: tuple[Value, ...] = ()
        self._local_grads: tuple[
            float, ...
        ] = ()  # d(self)/d(parent), one per parent

    @classmethod
    def _result(
        cls,
        data: float,
        op: str,
        parents: tuple[Value, ...],
        local_grads: tuple[float, ...],
    ) -> Value:
        """The node for ``op`` applied to ``parents``, with its local derivatives."""
        out = cls(data)
        out.op, out._parents, out._local_grads = op, parents, local_grads
        return out

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from (empty for a leaf)."""
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """The partial derivative of this node with respect to each of its parents."""
        return self._local_grads

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"

    # -- arithmetic: each operation records its local derivatives ---------------------

    @staticmethod
    def _lift(other: object) -> Value | None:
        if isinstance(other, Value):
            return other
        if _is_number(other):
            return Value(other)
        return None

    def __add__(self, other: Value | float) -> Value:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return Value._result(self.data + o.data, "+", (self, o), (1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return Value._result(
            self.data * o.data, "*", (self, o), (o.data, self.data)
        )

    def __sub__(self, other: Value | float) -> Value:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return Value._result(self.data - o.data, "-", (self, o), (1.0, -1.0))

    def __truediv__(self, other: Value | float) -> Value:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        if o.data == 0.0:
            raise ZeroDivisionError(
                f"division of {self.data:g} by a Value equal to 0"
            )
        q = self.data / o.data
        return Value._result(q, "/", (self, o), (1.0 / o.data, -q / o.data))

    def __radd__(self, other: float) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else o + self

    def __rmul__(self, other: float) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else o * self

    def __rsub__(self, other: float) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else o - self

    def __rtruediv__(self, other: float) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else o / self

    def __neg__(self) -> Value:
        return Value._result(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, k: float) -> Value:
        """``self ** k`` for a fixed number k (not a Value)."""
        if not _is_number(k):
            raise TypeError(
                f"the exponent must be a number, got {type(k).__name__}; "
                "for a Value exponent write (k * x.log()).exp()"
            )
        k, x = float(k), self.data
        if x < 0 and not k.is_integer():
            raise ValueError(
                f"a negative base ({x:g}) needs an integer exponent, got {k:g}"
            )
        if x == 0 and k < 0:
            raise ZeroDivisionError(f"0 raised to the negative power {k:g}")
        if k == 0:
            local = 0.0
        elif x == 0 and k < 1:
            local = math.inf  # e.g. the slope of sqrt at 0
        else:
            local = k * x ** (k - 1)
        return Value._result(x**k, f"**{k:g}", (self,), (local,))

    # -- functions -----------------------------------------------------------------------

    def tanh(self) -> Value:
        """The hyperbolic tangent; its derivative is 1 - tanh(x)²."""
        t = math.tanh(self.data)
        return Value._result(t, "tanh", (self,), (1.0 - t * t,))

    def exp(self) -> Value:
        """The exponential; it is its own derivative."""
        e = math.exp(self.data)
        return Value._result(e, "exp", (self,), (e,))

    def log(self) -> Value:
        """The natural logarithm of a positive Value; its derivative is 1/x."""
        if self.data <= 0:
            raise ValueError(f"log needs a positive Value, got {self.data:g}")
        return Value._result(
            math.log(self.data), "log", (self,), (1.0 / self.data,)
        )

    def relu(self) -> Value:
        """max(0, x); its derivative is taken as 0 at x = 0, as in PyTorch."""
        on = self.data > 0
        return Value._result(
            self.data if on else 0.0, "relu", (self,), (1.0 if on else 0.0,)
        )

    def sigmoid(self) -> Value:
        """The logistic function 1 / (1 + e^(-x)); its derivative is s(1 - s)."""
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:  # avoids overflow for very negative x
            e = math.exp(self.data)
            s = e / (1.0 + e)
        return Value._result(s, "sigmoid", (self,), (s * (1.0 - s),))

    # -- the backward pass ---------------------------------------------------------------

    def backward(self) -> None:
        """Set ``grad`` of every node in this Value's graph to d(self)/d(node).

        The gradients are computed afresh: every node's ``grad`` is first reset to 0, so
        repeated calls give the same result. To add the gradients of two outputs, call
        backward on their sum.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # every node after all its consumers
            for parent, local in zip(node._parents, node._local_grads, strict=True):
                parent.grad += local * node.grad


def topological_order(root: Value) -> list[Value]:
    """Every node of ``root``'s graph once, each after all the nodes it was computed from.

    Uses an explicit stack (a depth-first search that emits a node when all its parents are
    done), so the depth of the graph is not limited by Python's recursion limit.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"topological_order needs a Value, got {type(root).__name__}"
        )
    order: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))  # emitted after the parents below
        stack.extend((p, False) for p in node._parents if id(p) not in visited)
    return order
