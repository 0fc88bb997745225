"""tools/execute_book.py: the book's notebooks executed in parallel into the build cache."""

from __future__ import annotations

import nbformat
import pytest
from jupyter_cache import get_cache

from tools import execute_book, nbtool


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_the_book_is_the_table_of_contents():
    assert set(execute_book.book_notebooks()) == set(nbtool.all_notebooks())


@pytest.mark.slow
def test_executes_each_notebook_in_its_folder_into_the_cache(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "data.txt").write_text("41")
    first = _notebook(
        tmp_path / "a" / "first.ipynb", "print(int(open('data.txt').read()) + 1)"
    )
    second = _notebook(tmp_path / "second.ipynb", "x = 2\nx * 3")
    cache_path = tmp_path / "cache"
    assert execute_book.execute([first, second], cache_path, workers=2) == 0
    cache = get_cache(str(cache_path))
    for path, shown in ((first, "42"), (second, "6")):
        record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
        outputs = cache.get_cache_bundle(record.pk).nb.cells[0].outputs
        assert shown in str(
            outputs
        )  # run where the notebook lies (it read data.txt)
    assert "executed 2 notebooks with 2 workers" in capsys.readouterr().out


@pytest.mark.slow
def test_a_failing_notebook_fails_with_its_error(tmp_path, capsys):
    good = _notebook(tmp_path / "good.ipynb", "1 + 1")
    bad = _notebook(tmp_path / "bad.ipynb", "assert 1 == 2, 'one is not two'")
    assert execute_book.execute([good, bad], tmp_path / "cache", workers=2) == 1
    out = capsys.readouterr()
    assert "bad.ipynb  FAILED" in out.out and "one is not two" in out.err
    assert "good.ipynb" in out.out and "good.ipynb  FAILED" not in out.out


def test_workers_must_be_positive():
    with pytest.raises(SystemExit):
        execute_book.main(["--workers", "0"])


def test_the_slowest_chapters_start_first(tmp_path):
    table = tmp_path / "benchmarks.md"
    table.write_text(
        "| chapter | seconds (median) | runs | within 60 s |\n|---|---:|---|---|\n"
        "| 1.1 AI history | 3.5 | 3.5, 3.5, 3.4 | yes |\n"
        "| 5.7 Tuning and aligning a real LLM | 40.0 | 39.9, 40.0, 40.5 | yes |\n"
        "| 2.1 Artificial neural networks | 5.3 | 5.3, 5.3, 5.3 | yes |\n"
    )
    names = ["1_1_a.ipynb", "2_1_b.ipynb", "5_7_c.ipynb", "6_1_new.ipynb"]
    order = execute_book.longest_first([tmp_path / n for n in names], table)
    # never measured (6.1) first: it may be slow; then by measured time
    assert [p.name for p in order] == [
        "6_1_new.ipynb",
        "5_7_c.ipynb",
        "2_1_b.ipynb",
        "1_1_a.ipynb",
    ]
    missing = execute_book.longest_first(
        [tmp_path / n for n in names], tmp_path / "none.md"
    )
    assert [
        p.name for p in missing
    ] == names  # no table: the table of contents' order
