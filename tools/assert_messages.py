"""Give every bare `assert` in the notebooks' code cells a message that shows the numbers.

    python tools/assert_messages.py check [NOTEBOOK ...]   list bare asserts (exit 1 if any)
    python tools/assert_messages.py fix   [NOTEBOOK ...]   add a proposed message to each

nbval and the book build show only "AssertionError" for a bare assert, since the cell's printed
output is not shown, so a failing check hides the quantities it compared. The proposed message
depends on the condition's shape: a comparison shows its sides, allclose/isclose the largest
difference, isinstance the type, anything else the values of the names it uses (shortened).
A message only evaluates what the condition itself evaluated, so it cannot raise in turn.
Only the assert's own lines change; review the result by hand where the generic form is poor.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from pathlib import Path

try:
    from tools import nbtool
except ImportError:  # run as a script: tools/ is on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import nbtool

MAX_LINE = 100
WIDTH = 60  # characters of a repr shown per value
_MAGIC = re.compile(r"^(\s*)[%!]")
_BUILTINS = set(dir(builtins))
_MODULES = {
    "np",
    "torch",
    "math",
    "nn",
    "F",
    "bookutils",
    "plt",
    "pd",
    "tf",
    "keras",
    "os",
    "sys",
    "re",
    "json",
    "random",
    "itertools",
    "functools",
    "collections",
}


def parseable(src: str) -> str:
    """The cell source with IPython magics and shell lines replaced by `pass` (same lines)."""
    return "\n".join(
        _MAGIC.sub(r"\1pass #", line) if _MAGIC.match(line) else line
        for line in src.split("\n")
    )


def bare_asserts(src: str) -> list[ast.Assert]:
    """The asserts without a message in a cell's source, in source order."""
    tree = ast.parse(parseable(src))
    found = [
        n for n in ast.walk(tree) if isinstance(n, ast.Assert) and n.msg is None
    ]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _bound(node: ast.AST) -> set[str]:
    """Names bound inside the condition (comprehension targets, lambda arguments)."""
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.comprehension):
            out |= {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
        elif isinstance(n, ast.Lambda):
            out |= {a.arg for a in ast.walk(n.args) if isinstance(a, ast.arg)}
    return out


def _called(node: ast.AST) -> set[str]:
    """Names called as functions (`f(x)`): their repr shows nothing about the failure."""
    return {
        n.func.id
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def imported(src: str) -> set[str]:
    """The names a notebook's imports bind (modules and imported functions)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(parseable(src))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return out


def _chain_root(node: ast.expr) -> str | None:
    """The name under `a.b[0].c` (attributes and literal subscripts), else None."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Subscript) and not _literal(node.slice):
            return None
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _guards(node: ast.expr) -> bool:
    """Whether an operand may protect the next one (`x is not None and x.shape ...`)."""
    return any(
        isinstance(n, ast.Compare)
        and any(
            isinstance(o, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for o in n.ops
        )
        or isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id in ("isinstance", "hasattr", "callable", "len")
        for n in ast.walk(node)
    )


def value_names(
    test: ast.expr, skip_names: set[str] = frozenset(), chains: bool = True
) -> list[str]:
    """What to show of the condition, in order of use: its free names, or attribute chains
    (`run.converged`, `x.grad`) where the condition surely evaluated them."""
    skip = _bound(test) | _called(test) | _BUILTINS | _MODULES | set(skip_names)
    out: list[str] = []

    def add(text: str) -> None:
        if text not in out:
            out.append(text)

    def visit(node: ast.AST, chains: bool) -> None:
        if isinstance(node, ast.BoolOp):
            guarded = False
            for value in node.values:
                visit(value, chains and not guarded)
                guarded = guarded or _guards(value)
            return
        if isinstance(node, (ast.Attribute, ast.Subscript)) and chains:
            root = _chain_root(node)
            if root is not None and root not in skip:
                add(ast.unparse(node))
                return
        if isinstance(node, ast.Name):
            if node.id not in skip and (not node.id.isupper() or len(node.id) < 3):
                add(node.id)  # constants like N_EPOCHS add nothing
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.Call) and child is node.func:
                if isinstance(child, ast.Attribute):
                    visit(child.value, chains)  # x.mean(): show x
                continue
            visit(child, chains)

    visit(test, chains)
    return out


def _embeddable(src: str) -> bool:
    """Whether an expression's source can sit inside a py310 f-string "{...}"."""
    return (
        bool(src) and not any(c in src for c in '"\\\n#{}') and "lambda" not in src
    )


def _lit(text: str) -> str:
    """Literal text for an f-string: braces doubled, quotes and backslashes avoided."""
    return (
        text.replace("\\", "/")
        .replace('"', "'")
        .replace("{", "{{")
        .replace("}", "}}")
    )


def _show(src: str, width: int = WIDTH) -> str:
    return f"{_lit(src)} = {{{src}!r:.{width}}}"


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _simple(node: ast.expr) -> bool:
    """A side that is cheap and safe to evaluate again (no calls with side effects likely)."""
    return isinstance(
        node,
        (
            ast.Name,
            ast.Attribute,
            ast.Subscript,
            ast.Call,
            ast.BinOp,
            ast.UnaryOp,
            ast.Constant,
        ),
    ) or _literal(node)


def _func_name(call: ast.Call) -> str:
    f = call.func
    return (
        f.attr
        if isinstance(f, ast.Attribute)
        else f.id
        if isinstance(f, ast.Name)
        else ""
    )


def _root(call: ast.Call) -> str:
    f = call.func
    while isinstance(f, ast.Attribute):
        f = f.value
    return f.id if isinstance(f, ast.Name) else ""


def proposals(
    test: ast.expr, src: str, skip_names: set[str] = frozenset()
) -> list[str]:
    """Candidate messages (f-string sources), richest first."""

    def seg(
        node: ast.expr,
    ) -> str:  # the source, else one line with strings in '...'
        text = ast.get_source_segment(src, node) or ""
        if _embeddable(text):
            return text
        if (
            isinstance(node, ast.Call)
            and len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], ast.GeneratorExp)
        ):  # f(x for x in y), not f((..))
            return f"{ast.unparse(node.func)}({ast.unparse(node.args[0])[1:-1]})"
        return ast.unparse(node)

    out: list[str] = []
    node, negated = test, False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node, negated = node.operand, True
    if isinstance(node, ast.Compare) and not negated:
        sides = [node.left, *node.comparators]
        safe = len(sides) == 2 or all(
            isinstance(s, (ast.Name, ast.Attribute, ast.Constant)) for s in sides
        )
        shown = [seg(s) for s in sides if not _literal(s)]
        if (
            safe
            and shown
            and all(_simple(s) for s in sides)
            and all(map(_embeddable, shown))
        ):
            for width in (WIDTH, 30):
                out.append('f"' + ", ".join(_show(s, width) for s in shown) + '"')
            if len(shown) == 1:
                out.append(f'f"got {{{shown[0]}!r:.{WIDTH}}}"')
    if isinstance(node, ast.Call) and not negated and len(node.args) >= 2:
        a, b = (seg(x) for x in node.args[:2])
        name, root = _func_name(node), _root(node)
        if _embeddable(a) and _embeddable(b):
            if name == "allclose" and root == "torch":
                out.append(
                    f'f"max |{_lit(a)} - {_lit(b)}| = '
                    f'{{({a} - {b}).abs().max().item():.2e}}"'
                )
            elif (
                name in ("allclose", "isclose")
                and root == "np"
                and len(node.args) == 2
            ):
                out.append(
                    f'f"max |{_lit(a)} - {_lit(b)}| = '
                    f'{{np.max(np.abs(np.subtract({a}, {b}, dtype=float))):.2e}}"'
                )
            elif name == "isclose" and root == "math":
                out.append(f'f"|{_lit(a)} - {_lit(b)}| = {{abs({a} - {b}):.2e}}"')
            elif name in ("isclose", "array_equal", "equal") and _literal(
                node.args[1]
            ):
                out.append(f'f"got {{{a}!r:.{WIDTH}}}"')
            elif name == "isinstance":
                out.append(
                    f'f"{_lit(a)} is a {{type({a}).__name__}}, not {_lit(b)}"'
                )
    text = ast.get_source_segment(src, test) or ""
    text = text if "\n" not in text else seg(test)
    cond = _lit(text)
    plain = value_names(test, skip_names, chains=False)
    full = [n for n in value_names(test, skip_names) if _embeddable(n)]
    plain = [n for n in plain if _embeddable(n)]
    for names, keep, width in (
        (full, 3, WIDTH),
        (full, 1, 40),
        (plain, 3, WIDTH),
        (plain, 2, 40),
        (plain, 1, 40),
    ):
        if names:
            shown = ", ".join(_show(n, width) for n in names[:keep])
            out.append(f'f"{cond} failed: {shown}"')
            out.append(f'f"failed: {shown}"')
    out.append(f'"{text.replace(chr(92), "/").replace(chr(34), chr(39))} failed"')
    out.append('"check failed"')
    return out


def _valid(msg: str) -> bool:
    try:
        ast.parse(f"assert x, {msg}")
    except SyntaxError:
        return False
    return True


def add_message(
    src: str, node: ast.Assert, skip_names: set[str] = frozenset()
) -> str:
    """The cell source with a message added to one bare assert (the shortest line that fits)."""
    lines = src.split("\n")
    row = node.end_lineno - 1
    raw = lines[row].encode("utf-8")
    head = raw[: node.end_col_offset].decode("utf-8")
    tail = raw[node.end_col_offset :].decode("utf-8")
    first = lines[node.lineno - 1]
    indent = first[: len(first) - len(first.lstrip())]
    candidates = [
        m for m in proposals(node.test, parseable(src), skip_names) if _valid(m)
    ]
    comment = tail.strip()
    tails = [tail] + (
        [f"  {comment}"] if comment and tail != f"  {comment}" else []
    )
    single = (
        node.lineno == node.end_lineno
        and head.strip().startswith("assert ")
        and head.startswith(indent + "assert ")
    )
    cond = head[len(indent) + len("assert ") :].strip()
    short = tails[-1]

    def fits(text: str) -> bool:
        return all(len(line) <= MAX_LINE for line in text.split("\n"))

    for msg in candidates:
        layouts = [f"{head}, {msg}{t}" for t in tails]
        layouts.append(f"{head}, (\n{indent}    {msg}\n{indent}){short}")
        if single:
            layouts.append(
                f"{indent}assert (\n{indent}    {cond}\n{indent}), {msg}{short}"
            )
            layouts.append(
                f"{indent}assert (\n{indent}    {cond}\n{indent}), (\n"
                f"{indent}    {msg}\n{indent}){short}"
            )
        for text in layouts:
            if fits(text):
                lines[row] = text
                return "\n".join(lines)
    lines[row] = f'{head}, "check failed"{tail}'
    return "\n".join(lines)


def fix_source(src: str, skip_names: set[str] = frozenset()) -> tuple[str, int]:
    """A cell source with every bare assert given a message, and how many were changed."""
    count = 0
    while True:
        found = bare_asserts(src)
        if not found:
            return src, count
        src = add_message(
            src, found[-1], skip_names
        )  # last first: earlier positions stay valid
        count += 1


def notebooks(args: list[str]) -> list[Path]:
    return [Path(a) for a in args] or sorted(nbtool.NOTEBOOKS.rglob("*.ipynb"))


def report(paths: list[Path]) -> list[str]:
    """'notebook cell N line L: source' for each bare assert."""
    out = []
    for path in paths:
        nb = nbtool.load(path)
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            src = nbtool.source(cell)
            for node in bare_asserts(src):
                line = src.split("\n")[node.lineno - 1].strip()
                out.append(f"{path} cell {i} line {node.lineno}: {line}")
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("check", "fix"):
        print(__doc__)
        return 2
    paths = notebooks(argv[1:])
    if argv[0] == "check":
        found = report(paths)
        print("\n".join(found) or "every assert has a message")
        return 1 if found else 0
    total = 0
    for path in paths:
        nb = nbtool.load(path)
        changed = 0
        code = [nbtool.source(c) for c in nb["cells"] if c["cell_type"] == "code"]
        skip = imported("\n".join(code))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                new, n = fix_source(nbtool.source(cell), skip)
                if n:
                    cell["source"] = new
                    changed += n
        if changed:
            nbtool.save(path, nb)
            print(f"{path}: {changed} messages added")
            total += changed
    print(f"{total} messages added")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
