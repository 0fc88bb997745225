"""The package's layout rules: one home per public name, and core code free of figures and widgets.

Core code (models, optimizers, training, data, metrics, sizing, the tasks and the parallel
jobs) must not import ipywidgets, ``bookutils.widgets``, ``bookutils.viz`` or the
playground's view and widget, directly or through another bookutils module.
"""

from __future__ import annotations

import ast
import collections
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import bookutils

PKG = Path(bookutils.__file__).parent
CORE = (
    "foundations",
    "optim",
    "transformer",
    "training",
    "parallel",
    "tasks",
    "data",
    "metrics",
    "sizing",
)
FORBIDDEN_INTERNAL = (
    "bookutils.widgets",
    "bookutils.viz",
    "bookutils.playground.view",
    "bookutils.playground.widget",
)
FORBIDDEN_EXTERNAL = ("ipywidgets",)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PKG.rglob("*.py"):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """Absolute names of what module ``name`` imports at any level of its code."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{alias.name}" for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path) for name, path in modules.items()}


def _forbidden(target: str) -> bool:
    return (
        any(target == f or target.startswith(f + ".") for f in FORBIDDEN_INTERNAL)
        or target.split(".")[0] in FORBIDDEN_EXTERNAL
    )


def _violations(graph: dict[str, set[str]], start: str) -> list[list[str]]:
    """Import chains from ``start`` to a forbidden module, through bookutils modules."""
    chains, seen, queue = [], {start}, collections.deque([[start]])
    while queue:
        chain = queue.popleft()
        for target in graph.get(chain[-1], ()):
            if _forbidden(target):
                chains.append([*chain, target])
            elif target in graph and target not in seen:
                seen.add(target)
                queue.append([*chain, target])
    return chains


def _core_modules(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        m
        for m in graph
        if any(
            m == f"bookutils.{c}" or m.startswith(f"bookutils.{c}.") for c in CORE
        )
        or m == "bookutils.playground.engine"
    )


def test_core_code_never_imports_figures_or_widgets():
    graph = _graph()
    core = _core_modules(graph)
    assert len(core) > 40, core  # the walk sees the package
    bad = {m: chains[0] for m in core if (chains := _violations(graph, m))}
    assert not bad, "core code imports figure or widget code:\n" + "\n".join(
        " -> ".join(chain) for chain in bad.values()
    )


def test_the_layering_check_catches_a_forbidden_import():
    graph = {
        "bookutils.optim.a": {"bookutils.optim.b"},
        "bookutils.optim.b": {"bookutils.viz.plotting"},
        "bookutils.viz.plotting": set(),
    }
    assert _violations(graph, "bookutils.optim.a") == [
        ["bookutils.optim.a", "bookutils.optim.b", "bookutils.viz.plotting"]
    ]
    assert _violations({"bookutils.tasks.x": {"ipywidgets"}}, "bookutils.tasks.x")


def test_importing_core_code_does_not_load_ipywidgets():
    code = (
        "import sys\n"
        "import bookutils.optim.optimizers, bookutils.training.monitoring, "
        "bookutils.playground.engine, bookutils.transformer.gpt, bookutils.metrics\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets'"
        " or m.startswith(('bookutils.widgets', 'bookutils.playground.widget')))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def _public_definitions() -> dict[str, list[str]]:
    """Public function and class names -> the modules that define them."""
    homes = collections.defaultdict(list)
    for info in pkgutil.walk_packages(bookutils.__path__, "bookutils."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not (
                inspect.isfunction(obj) or inspect.isclass(obj)
            ):
                continue
            if getattr(obj, "__module__", None) == module.__name__:
                homes[name].append(module.__name__)
    return homes


def test_no_two_public_functions_or_classes_share_a_name():
    homes = _public_definitions()
    assert len(homes) > 300, len(homes)
    shared = {name: mods for name, mods in homes.items() if len(mods) > 1}
    assert not shared, f"public names defined in more than one module: {shared}"


@pytest.mark.parametrize(
    "package",
    [
        "data",
        "foundations",
        "optim",
        "transformer",
        "training",
        "parallel",
        "tasks",
        "sizing",
        "viz",
        "widgets",
        "playground",
    ],
)
def test_every_subpackage_docstring_maps_each_of_its_modules(package):
    module = importlib.import_module(f"bookutils.{package}")
    doc = module.__doc__ or ""
    for info in pkgutil.iter_modules(module.__path__):
        assert f"``{info.name}``" in doc, (
            f"bookutils.{package} does not list {info.name}"
        )


def test_the_api_reference_documents_every_module_once():
    pages = (PKG.parents[1] / "book" / "api").glob("*.md")
    documented = collections.Counter(
        line.split()[-1]
        for page in pages
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith(".. automodule::")
    )
    modules = {
        m for m in _modules() if not any(p.startswith("_") for p in m.split("."))
    }
    assert set(documented) == modules, (
        sorted(modules - set(documented)),
        sorted(set(documented) - modules),
    )
    assert max(documented.values()) == 1, documented.most_common(3)
