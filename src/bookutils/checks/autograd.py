"""Self-checks for chapter 2.2: backward rules, and a whole scalar autograd engine.

A backward rule receives the inputs of one operation and the *upstream* gradient
dL/d(output), and returns dL/d(input) for each input. The references are computed with the
book's engine, :class:`bookutils.foundations.autograd.Value`, so there is one source for every rule.
"""

from __future__ import annotations

import contextlib
import io
import math

from ..foundations.autograd import Value
from ..selfcheck import Case, CheckResult, Mistake, make_rng, resampled, run_check


def _engine_grads(build, *xs: float, upstream: float) -> tuple[float, ...]:
    leaves = [Value(x) for x in xs]
    (build(*leaves) * upstream).backward()
    return tuple(v.grad for v in leaves)


def mul_backward_reference(
    a: float, b: float, upstream: float
) -> tuple[float, float]:
    """(dL/da, dL/db) for out = a * b, given upstream = dL/d(out), from the engine."""
    return _engine_grads(lambda x, y: x * y, a, b, upstream=upstream)


def tanh_backward_reference(x: float, upstream: float) -> float:
    """dL/dx for out = tanh(x), given upstream = dL/d(out), from the engine."""
    return _engine_grads(lambda v: v.tanh(), x, upstream=upstream)[0]


MUL_CASES = (
    Case((2.0, -3.0, 1.0), "a = 2, b = -3, upstream gradient 1"),
    Case((0.5, 4.0, 2.0), "a = 0.5, b = 4, upstream gradient 2"),
    Case((-1.5, 0.25, -3.0), "a negative a and a negative upstream gradient"),
    Case((3.0, 3.0, 0.5), "the same number on both sides (a = b = 3)"),
)
MUL_GENERATED = resampled(MUL_CASES, 221, floats=True)

MUL_MISTAKES = (
    Mistake(
        lambda a, b, g: (a * g, b * g),
        "the gradients are swapped: d(a·b)/da is b, not a. Each input's gradient is the"
        " *other* input times the upstream gradient.",
    ),
    Mistake(
        lambda a, b, g: (b, a),
        "the upstream gradient is missing: by the chain rule, multiply the local"
        " derivative (b for a, a for b) by dL/d(out).",
    ),
    Mistake(
        lambda a, b, g: (g, g),
        "that is the rule for addition (local derivatives 1 and 1); for a product the"
        " local derivative with respect to a is b, and with respect to b is a.",
    ),
    Mistake(
        lambda a, b, g: (b * g, b * g),
        "both gradients use b; the gradient for b is a times the upstream gradient.",
    ),
    Mistake(
        lambda a, b, g: (a * b * g, a * b * g),
        "that multiplies by the output a·b; the local derivative of a·b with respect to"
        " a is b alone.",
    ),
)

TANH_CASES = (
    Case((0.5, 1.0), "x = 0.5, upstream gradient 1"),
    Case((-1.2, 1.0), "x = -1.2, upstream gradient 1"),
    Case((0.8, -2.5), "x = 0.8, upstream gradient -2.5"),
    Case((3.0, 0.4), "x = 3 (tanh is nearly flat there), upstream gradient 0.4"),
)
TANH_GENERATED = resampled(TANH_CASES, 222, scales=(0.3, 2.0), floats=True)

TANH_MISTAKES = (
    Mistake(
        lambda x, g: (1 - x**2) * g,
        "1 - t² must use the *output* t = tanh(x), not the input x.",
    ),
    Mistake(
        lambda x, g: 1 - math.tanh(x) ** 2,
        "the upstream gradient is missing: multiply the local derivative 1 - tanh(x)²"
        " by dL/d(out).",
    ),
    Mistake(
        lambda x, g: (1 - math.tanh(x)) * g,
        "the derivative of tanh is 1 - tanh(x)², squared; 1 - tanh(x) forgets the square.",
    ),
    Mistake(
        lambda x, g: (1 - math.tanh(x)) ** 2 * g,
        "the square belongs to tanh alone: 1 - tanh(x)², not (1 - tanh(x))².",
    ),
    Mistake(
        lambda x, g: math.tanh(x) * (1 - math.tanh(x)) * g,
        "t(1 - t) is the derivative of the sigmoid written in its own output; for tanh it"
        " is 1 - t².",
    ),
    Mistake(
        lambda x, g: (1 + math.tanh(x) ** 2) * g,
        "sign error: the derivative of tanh is 1 - tanh(x)², which is at most 1.",
    ),
)


def check_mul_backward(fn) -> CheckResult:
    """Check ``fn(a, b, upstream)`` returns ``(dL/da, dL/db)`` for out = a * b."""
    return run_check(
        "check_mul_backward",
        fn,
        mul_backward_reference,
        MUL_CASES + MUL_GENERATED,
        MUL_MISTAKES,
        signature="(a, b, upstream)",
    )


def check_tanh_backward(fn) -> CheckResult:
    """Check ``fn(x, upstream)`` returns dL/dx for out = tanh(x)."""
    return run_check(
        "check_tanh_backward",
        fn,
        tanh_backward_reference,
        TANH_CASES + TANH_GENERATED,
        TANH_MISTAKES,
        signature="(x, upstream)",
    )


# -- "Build it yourself": a whole engine -----------------------------------------------
#
# The learner writes four operations and a backward pass over bare nodes (Node below).
# Each case is a formula over a few inputs; the answer is (L, dL/dx0, dL/dx1, ...), the
# reference comes from torch.autograd in float64.


class Node:
    """A bare node for the exercise of chapter 2.2: a number, its gradient, its parents and
    the local derivative of the node with respect to each parent."""

    def __init__(self, data, parents=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self.parents, self.local_grads = parents, local_grads

    def __repr__(self) -> str:
        return f"Node(data={self.data!r}, grad={self.grad!r})"


class _EngineProblem(Exception):
    """Something the check found wrong with the learner's nodes (not a crash)."""


_ROLES = ("add", "mul", "tanh", "exp", "backward")
_CALLS = (
    "  Hint: the check calls add(a, b) and mul(a, b) with two nodes, tanh(a) and exp(a)"
    " with one, each returning a new node, and backward(root) with the output node."
)
_CHAIN_STEPS = 5000


def _kind(x: object) -> str:
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} items"
    return f"{type(x).__name__} {x!r:.40}"


def _is_float(x: object) -> bool:
    """A Python float (or int, or NumPy float64): the engine computes in float64."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _call_op(fn, name: str, *args: Node):
    before = [a.data for a in args]
    out = fn(*args)
    if any(a.data != d for a, d in zip(args, before, strict=True)):
        raise _EngineProblem(
            f"{name} changed the data of its input node in place. Leave the inputs as"
            " they are and return a new node for the result."
        )
    if any(out is a for a in args):
        raise _EngineProblem(
            f"{name} returned its input node; it must return a new node whose parents"
            " are the inputs."
        )
    if out is None:
        raise _EngineProblem(f"{name} returned None (is a `return` missing?)")
    missing = [
        a for a in ("data", "grad", "parents", "local_grads") if not hasattr(out, a)
    ]
    if missing:
        raise _EngineProblem(
            f"{name} returned {_kind(out)}, not a node (it lacks {', '.join(missing)})."
            " Return the new node itself, e.g. Node(data, (a, b), (da, db))."
        )
    if not _is_float(out.data):
        raise _EngineProblem(
            f"{name} returned a node whose data is {_kind(out.data)}; the engine works"
            " with Python floats (float64): use math.tanh and math.exp on .data, not"
            " float32 or tensors."
        )
    if len(out.parents) != len(out.local_grads):
        raise _EngineProblem(
            f"{name} returned a node with {len(out.parents)} parents but"
            f" {len(out.local_grads)} local derivatives: give one per parent."
        )
    return out


def _build(engine, tree, leaves):
    """The formula ``tree`` built with ``engine``'s operations; shared subtrees once."""
    add, mul, tanh, exp = engine[:4]
    names = [
        role if getattr(f, "__name__", "<lambda>") == "<lambda>" else f.__name__
        for f, role in zip(engine, _ROLES, strict=True)
    ]
    ops = {"+": (add, names[0]), "*": (mul, names[1])}
    ops |= {"tanh": (tanh, names[2]), "exp": (exp, names[3])}
    if tree[0] == "chain":  # y <- y * x1 + x2, many times, starting from x0
        y = leaves[0]
        for _ in range(tree[1]):
            y = _call_op(
                add, names[0], _call_op(mul, names[1], y, leaves[1]), leaves[2]
            )
        return y
    memo: dict[int, object] = {}

    def build(node):
        if id(node) not in memo:
            if node[0] == "leaf":
                memo[id(node)] = leaves[node[1]]
            else:
                fn, name = ops[node[0]]
                memo[id(node)] = _call_op(fn, name, *(build(a) for a in node[1:]))
        return memo[id(node)]

    return build(tree)


def _run(engine, tree, inputs, twice):
    """(L, dL/dx0, ...) from the engine; with ``twice``, after a second backward call."""
    leaves = [Node(float(x)) for x in inputs]
    out = _build(engine, tree, leaves)
    backward = engine[4]
    for _ in range(2 if twice else 1):
        backward(out)
    for i, leaf in enumerate(leaves):
        if not _is_float(leaf.grad):
            raise _EngineProblem(
                f"after backward, the gradient of x{i} is {_kind(leaf.grad)}, not a"
                " number; every grad must be a Python float (float64)."
            )
    return (out.data, *(leaf.grad for leaf in leaves))


def _torch_reference(tree, inputs, twice):
    import torch

    xs = [
        torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        for x in inputs
    ]
    if tree[0] == "chain":
        out = xs[0]
        for _ in range(tree[1]):
            out = out * xs[1] + xs[2]
    else:
        memo: dict[int, object] = {}

        def build(node):
            if id(node) not in memo:
                op, args = (
                    node[0],
                    [build(a) for a in node[1:]] if node[0] != "leaf" else [],
                )
                memo[id(node)] = (
                    xs[node[1]]
                    if op == "leaf"
                    else args[0] + args[1]
                    if op == "+"
                    else args[0] * args[1]
                    if op == "*"
                    else getattr(torch, op)(args[0])
                )
            return memo[id(node)]

        out = build(tree)
    grads = torch.autograd.grad(out, xs, allow_unused=True)
    return (out.item(), *(0.0 if g is None else g.item() for g in grads))


def _formula(node) -> str:
    if node[0] == "leaf":
        return f"x{node[1]}"
    if node[0] in ("tanh", "exp"):
        inner = _formula(node[1])
        return node[0] + (inner if inner.startswith("(") else f"({inner})")
    return f"({_formula(node[1])} {'·' if node[0] == '*' else '+'} {_formula(node[2])})"


def _engine_case(tree, inputs, twice=False, *, teaching=True, note=""):
    at = ", ".join(f"x{i} = {x:.4g}" for i, x in enumerate(inputs))
    formula = (
        f"a chain of {tree[1]} steps y <- y·x1 + x2 from y = x0"
        if tree[0] == "chain"
        else f"L = {_formula(tree)[1:-1] if tree[0] in '+*' else _formula(tree)}"
    )
    again = ", backward called twice on the same graph" if twice else ""
    answer = ", ".join(["L", *(f"dL/dx{i}" for i in range(len(inputs)))])
    return Case(
        (tree, tuple(inputs), twice),
        f"{formula} at {at}{again}{note}; the answer is ({answer})",
        teaching,
    )


def _leaf(i):
    return ("leaf", i)


def _random_tree(rng, n_inputs: int, depth: int):
    """A random formula of +, ·, tanh and exp whose subexpressions may be reused."""
    pool = [_leaf(i) for i in range(n_inputs)]

    def grow(d):
        if d == 0 or (d < depth and rng.random() < 0.25):
            return pool[int(rng.integers(len(pool)))]
        op = str(rng.choice(["+", "*", "tanh", "exp"], p=[0.3, 0.35, 0.2, 0.15]))
        node = (
            (op, grow(d - 1))
            if op in ("tanh", "exp")
            else (op, grow(d - 1), grow(d - 1))
        )
        pool.append(node)  # later branches may reuse this subexpression
        return node

    return grow(depth)


def _generated_engine_cases(seed: int, n: int) -> tuple[Case, ...]:
    rng = make_rng(seed)
    cases: list[Case] = []
    while len(cases) < n:
        n_inputs = int(rng.integers(1, 4))
        tree = _random_tree(rng, n_inputs, int(rng.integers(2, 5)))
        inputs = [round(float(v), 3) for v in rng.uniform(-1.5, 1.5, n_inputs)]
        if (
            tree[0] == "leaf"
            or not abs(_torch_reference(tree, inputs, False)[0]) < 50
        ):
            continue
        cases.append(
            _engine_case(tree, inputs, bool(rng.random() < 0.3), teaching=False)
        )
    return tuple(cases)


_x0, _x1, _x2 = _leaf(0), _leaf(1), _leaf(2)
_shared = ("*", _x0, _x1)
ENGINE_CASES = (
    _engine_case(("+", ("*", _x0, _x1), _x2), (2.0, -3.0, 1.0)),
    _engine_case(("tanh", ("+", ("*", _x0, _x1), _x2)), (-2.0, 0.5, 0.4)),
    _engine_case(
        ("+", ("*", _x0, _x1), _x0), (2.0, -3.0), note=" (x0 is used twice)"
    ),
    _engine_case(("*", ("exp", _x0), _x0), (0.5,), note=" (x0 is used twice)"),
    _engine_case(
        ("+", ("*", ("tanh", _shared), _shared), ("exp", _shared)),
        (0.3, -0.8),
        note=" (the node x0·x1 is used three times)",
    ),
    _engine_case(("+", ("*", _x0, _x1), _x0), (2.0, -3.0), True),
    _engine_case(("chain", _CHAIN_STEPS), (1.0, 0.999, 0.001)),
)
ENGINE_GENERATED = _generated_engine_cases(223, 40)


# Right and wrong engines, to name the typical mistakes.
def _add(a, b):
    return Node(a.data + b.data, (a, b), (1.0, 1.0))


def _mul(a, b):
    return Node(a.data * b.data, (a, b), (b.data, a.data))


def _tanh(a):
    t = math.tanh(a.data)
    return Node(t, (a,), (1.0 - t * t,))


def _exp(a):
    e = math.exp(a.data)
    return Node(e, (a,), (e,))


def _order(root):
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order


def _recursive_order(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for p in node.parents:
                visit(p)
            order.append(node)

    visit(root)
    return order


def _sweep(root, order=_order, reset=True, seed=True, step=None, reverse=True):
    nodes = order(root)
    if reset:
        for node in nodes:
            node.grad = 0.0
    if seed:
        root.grad = 1.0
    for node in reversed(nodes) if reverse else nodes:
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            if step is None:
                parent.grad += local * node.grad
            else:
                parent.grad = step(parent.grad, local, node.grad)


def _breadth_first(root):
    """Visits each node when first reached from the output, not after all its users."""
    for node in _order(root):
        node.grad = 0.0
    root.grad, queue, seen = 1.0, [root], {id(root)}
    while queue:
        node = queue.pop(0)
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            parent.grad += local * node.grad
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)


def _engine_with(**parts):
    engine = {
        "add": _add,
        "mul": _mul,
        "tanh": _tanh,
        "exp": _exp,
        "backward": _sweep,
    }
    engine |= parts
    return lambda tree, inputs, twice: _run(
        tuple(engine[r] for r in _ROLES), tree, inputs, twice
    )


ENGINE_MISTAKES = (
    Mistake(
        _engine_with(
            backward=lambda r: _sweep(r, step=lambda g, loc, up: loc * up)
        ),
        "a node used more than once must collect the gradient of every use: add to"
        " parent.grad (+=) instead of overwriting it (=).",
    ),
    Mistake(
        _engine_with(backward=lambda r: _sweep(r, step=lambda g, loc, up: g + loc)),
        "the chain rule multiplies: each parent gets local derivative × the node's own"
        " gradient (parent.grad += local * node.grad), not the local derivative alone.",
    ),
    Mistake(
        _engine_with(backward=lambda r: _sweep(r, reset=False)),
        "a second backward() on the same graph must give the same gradients: set every"
        " node's grad to 0 before seeding the output with 1 (step 4 of the chapter).",
    ),
    Mistake(
        _engine_with(backward=lambda r: _sweep(r, seed=False)),
        "every gradient came out 0. Does backward set node.grad on the nodes themselves"
        " (it returns nothing)? The sweep starts from dL/dL = 1: set root.grad = 1"
        " after resetting the grads, not before.",
    ),
    Mistake(
        _engine_with(backward=lambda r: _sweep(r, reverse=False)),
        "the sweep must run from the output back to the inputs: visit the topological"
        " order reversed, so that a node passes on its gradient only after every node"
        " that uses it has added to it.",
    ),
    Mistake(
        _engine_with(backward=_breadth_first),
        "a node passed on its gradient before all the nodes that use it had added to"
        " it; a breadth-first walk from the output does not guarantee that. Visit the"
        " nodes in reverse topological order.",
    ),
    Mistake(
        _engine_with(backward=lambda r: _sweep(r, order=_recursive_order)),
        "a recursive depth-first search exceeds Python's recursion limit on deep graphs"
        " (a long chain of operations); keep your own stack, as in step 2 of the"
        " chapter.",
    ),
    Mistake(
        _engine_with(
            mul=lambda a, b: Node(a.data * b.data, (a, b), (a.data, b.data))
        ),
        "the local derivatives of a·b are swapped: d(a·b)/da = b and d(a·b)/db = a.",
    ),
    Mistake(
        _engine_with(
            tanh=lambda a: Node(math.tanh(a.data), (a,), (1.0 - a.data**2,))
        ),
        "the local derivative of tanh is 1 - t² with the OUTPUT t = tanh(x), not"
        " 1 - x² with the input.",
    ),
    Mistake(
        _engine_with(
            tanh=lambda a: Node(math.tanh(a.data), (a,), (1.0 - math.tanh(a.data),))
        ),
        "the local derivative of tanh is 1 - tanh(x)², squared.",
    ),
    Mistake(
        _engine_with(exp=lambda a: Node(math.exp(a.data), (a,), (a.data,))),
        "e^x is its own derivative: the local derivative of exp is e^x, not x.",
    ),
    Mistake(
        _engine_with(exp=lambda a: Node(math.exp(a.data), (a,), (1.0,))),
        "e^x is its own derivative: the local derivative of exp is e^x, not 1.",
    ),
)


def _tidy(result: CheckResult) -> CheckResult:
    """Say what the check found wrong with the nodes without "your function raised"."""
    problem = "your function raised _EngineProblem: "
    messages = []
    for line in result.messages:
        if problem in line:
            line = line.replace(problem, "")
        elif line.startswith("  Hint: it is called as fn"):
            if any(problem in m for m in result.messages):
                continue
            line = _CALLS
        messages.append(line)
    print("\n".join(messages))
    return CheckResult(result.name, result.passed, messages)


def check_autograd_engine(add, mul, tanh, exp, backward) -> CheckResult:
    """Check a whole scalar autograd engine against ``torch.autograd`` (float64).

    ``add(a, b)``, ``mul(a, b)``, ``tanh(a)`` and ``exp(a)`` take :class:`Node` s and
    return a new Node with its parents and local derivatives; ``backward(root)`` sets
    every node's ``grad`` to d(root)/d(node), afresh on each call. The cases are formulas
    with reused inputs and subexpressions, a second backward call, and a chain of
    5000 steps (too deep for a recursive search); the time limit applies to each case.
    """
    engine = (add, mul, tanh, exp, backward)
    for role, f in zip(_ROLES, engine, strict=True):
        if not callable(f):
            return _tidy(
                CheckResult(
                    "check_autograd_engine",
                    False,
                    [
                        "✗ check_autograd_engine: expected five functions (add, mul,"
                        f" tanh, exp, backward); {role} is {_kind(f)}.",
                        "  Hint: pass the functions themselves, without calling them:"
                        " check_autograd_engine(my_add, my_mul, my_tanh, my_exp,"
                        " my_backward).",
                    ],
                )
            )
    return _check_engine(
        lambda tree, inputs, twice: _run(engine, tree, inputs, twice)
    )


def _check_engine(fn) -> CheckResult:
    """The check proper, on one function ``fn(tree, inputs, twice)`` that runs an engine
    (the contract of every self-check runs it on such functions)."""
    with contextlib.redirect_stdout(io.StringIO()):
        result = run_check(
            "check_autograd_engine",
            fn,
            _torch_reference,
            ENGINE_CASES + ENGINE_GENERATED,
            ENGINE_MISTAKES,
            signature="(tree, inputs, twice)",
        )
    return _tidy(result)
