import json

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
    assert nbtool.main(["new", str(path), "9.9 Demo"]) == 1   # never overwrites


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
    assert "execution" not in code["metadata"] and "widgets" not in clean["metadata"]
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
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# 1.1 Title\n"}]}
    with pytest.raises(ValueError, match="objectives, prerequisites, minutes"):
        nbtool.parse_header(nb)


def test_usage(capsys):
    assert nbtool.main([]) == 2
    assert "strip" in capsys.readouterr().out
