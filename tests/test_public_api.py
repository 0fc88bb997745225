"""Every public function and class of bookutils is documented and named by a test."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import bookutils

TESTS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in Path(__file__).parent.glob("test_*.py")
    if p.name != Path(__file__).name
)


def public_objects():
    for info in pkgutil.walk_packages(bookutils.__path__, "bookutils."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not (
                inspect.isfunction(obj) or inspect.isclass(obj)
            ):
                continue
            if obj.__module__ == module.__name__:
                yield module.__name__, name, obj


def test_everything_exported_exists():
    for name in bookutils.__all__:
        assert hasattr(bookutils, name), name


def test_public_api_is_documented():
    missing = [
        f"{m}.{n}" for m, n, obj in public_objects() if not inspect.getdoc(obj)
    ]
    assert not missing, f"no docstring: {missing}"


def test_public_api_is_tested():
    untested = [f"{m}.{n}" for m, n, _ in public_objects() if n not in TESTS]
    assert not untested, f"not named by any test: {untested}"
