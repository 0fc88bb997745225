"""The benchmark script runs (on one small notebook, one run) and writes its report."""

import pytest

from tools import bench


@pytest.mark.slow
def test_bench_writes_a_report(tmp_path):
    out = tmp_path / "bench.md"
    notebook = bench.ROOT / "notebooks" / "04_math" / "4_2_backprop_derivation.ipynb"
    assert bench.main(["--runs", "1", "--notebooks", str(notebook), "--out", str(out)]) == 0
    text = out.read_text()
    assert "| 4.2 Deriving back-propagation |" in text
    for row in ("median chapter", "NumPy / torch", "scaled_dot_product_attention",
                "playground redraw"):
        assert row in text
    assert "all chapters under nbval, 2 workers (wall) | not measured" in text


def test_best_of_returns_a_positive_median():
    assert bench.best_of(lambda: sum(range(100)), repeats=5) > 0
