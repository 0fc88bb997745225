"""The benchmark script runs (on one small notebook, one run) and writes its report."""

import pytest

from tools import bench


@pytest.mark.slow
def test_bench_writes_a_report(tmp_path):
    out = tmp_path / "bench.md"
    notebook = (
        bench.ROOT / "notebooks" / "04_math" / "4_2_backprop_derivation.ipynb"
    )
    assert (
        bench.main(["--runs", "1", "--notebooks", str(notebook), "--out", str(out)])
        == 0
    )
    text = out.read_text()
    assert "| 4.2 Deriving back-propagation |" in text
    for row in (
        "median chapter",
        "environment (`.venv`) on disk",
        "NumPy / torch",
        "scaled_dot_product_attention",
        "playground redraw",
    ):
        assert row in text
    assert "all chapters under nbval, 2 workers (wall) | not measured" in text


def test_best_of_returns_a_positive_median():
    assert bench.best_of(lambda: sum(range(100)), repeats=5) > 0


def test_tree_bytes_counts_files_not_links(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 24)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert bench.tree_bytes(tmp_path) == 1024
