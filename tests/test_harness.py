"""The test and build harness itself: a failing notebook must fail `make test` and `make book`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import nbtool

ROOT = nbtool.ROOT
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def notebook_with(tmp: Path, name: str, code: str) -> Path:
    nb = nbtool.new_notebook("9.9 Harness check")
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] == "markdown"][:1]
    nb["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "source": code,
            "outputs": [],
            "execution_count": None,
        }
    )
    path = tmp / name
    nbtool.save(path, nb)
    return path


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_nbval_fails_on_a_failing_assert_and_prints_the_time_table(tmp_path):
    shutil.copy(ROOT / "notebooks" / "conftest.py", tmp_path / "conftest.py")
    notebook_with(tmp_path, "good.ipynb", "assert 1 + 1 == 2")
    notebook_with(
        tmp_path, "bad.ipynb", "assert 1 + 1 == 3, 'arithmetic is broken'"
    )
    result = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "--dist",
            "loadfile",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        tmp_path,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "arithmetic is broken" in result.stdout
    assert "notebook execution times" in result.stdout
    assert "| bad.ipynb |" in result.stdout and "FAILED |" in result.stdout
    assert "| good.ipynb |" in result.stdout and "passed |" in result.stdout


def book_project(tmp: Path, code: str) -> Path:
    """A one-chapter book in ``tmp`` with the book's configuration; the chapter's path."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["sphinx"].pop(
        "local_extensions"
    )  # the book's own pages are not built here
    (tmp / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", tmp / "book" / "references.bib")
    (tmp / "_toc.yml").write_text(
        yaml.safe_dump({"format": "jb-book", "root": "chapter"})
    )
    return notebook_with(tmp, "chapter.ipynb", code)


def build_html(tmp: Path) -> subprocess.CompletedProcess:
    return run(
        [str(BIN / "python"), str(ROOT / "tools" / "build_html.py"), str(tmp)],
        tmp,
    )


def build_book(tmp: Path, code: str) -> subprocess.CompletedProcess:
    book_project(tmp, code)
    return build_html(tmp)


def test_book_build_fails_when_a_cell_raises(tmp_path):
    result = build_book(tmp_path, "raise RuntimeError('this cell is broken')")
    assert result.returncode != 0
    assert "this cell is broken" in result.stdout + result.stderr


def test_book_build_passes_the_same_book_without_the_error(tmp_path):
    result = build_book(tmp_path, "print('fine')")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def test_build_html_leaves_out_only_a_checker_the_config_validation_never_uses():
    # tools/build_html.py blocks jsonschema's optional URI checker (2.4 s of every
    # build); that changes nothing only while jupyter-book validates no string formats
    from jupyter_book.config import get_validator

    assert get_validator().format_checker is None


def test_make_book_shows_new_outputs_after_an_edit_outside_the_notebooks(tmp_path):
    # make book's two steps, twice, with an edit in between to code the chapter reads
    # (as an edit to src/bookutils): its page has no image, so Sphinx would reuse the
    # saved page with the old output unless execute_book removes the saved pages
    from tools import execute_book

    chapter = book_project(tmp_path, "print(open('value.txt').read())")
    page = tmp_path / "_build" / "html" / "chapter.html"
    for value in ("first-output", "second-output"):
        (tmp_path / "value.txt").write_text(value)
        assert (
            execute_book.execute(
                [chapter],
                tmp_path / "_build" / ".jupyter_cache",
                workers=1,
                doctrees=tmp_path / "_build" / ".doctrees",
            )
            == 0
        )
        result = build_html(tmp_path)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        assert value in page.read_text(encoding="utf-8"), f"{value} not on the page"
    assert "first-output" not in page.read_text(encoding="utf-8")
