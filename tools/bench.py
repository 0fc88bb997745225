"""The book's benchmark report: what each chapter and the whole book cost to run.

    OMP_NUM_THREADS=1 .venv/bin/python tools/bench.py [--runs 3] [--out book/benchmarks.md]

Measures, on this machine: each notebook's execution time in a fresh kernel (median of
``--runs``, kernel start included); the whole book under nbval serially (sum of the medians)
and with 2 workers (one wall-clock run); ``make book`` itself (parallel execution, then the
HTML build); a rebuild of the HTML book when nothing changed; the playground's redraw
latency; the NumPy-vs-torch training-step ratio of chapter 3.1's network; attention written
out vs ``F.scaled_dot_product_attention``; the built pages' weights (from the browser tests'
report, if present). It writes a markdown report; ``book/benchmarks.md`` is that report,
generated, never edited by hand. Timings are measurements, not tests: nothing here fails on
a slow machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import torch
from nbclient import NotebookClient

from tools import nbtool

ROOT = Path(__file__).resolve().parents[1]

BUDGET_S, MEDIAN_TARGET_S, BOOK_TARGET_S, REBUILD_TARGET_S = 60, 20, 300, 5
BUILD_TARGET_S = 150  # make book after the install: execute in parallel, then build


def run_notebook(path: Path) -> float:
    """Seconds to execute ``path`` top to bottom in a fresh kernel."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def timed_command(cmd: list[str]) -> float | None:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start if done.returncode == 0 else None


def best_of(fn, repeats: int = 20) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_vs_torch_ratio() -> tuple[float, float]:
    """Median seconds of one training step of 3.1's MLP (64-32-10, batch 32), NumPy / torch."""
    from bookutils.foundations import mlp_numpy as mn

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((32, 64)), rng.integers(0, 10, 32)
    params = mn.init_params((64, 32, 10), seed=0)
    net = mn.to_torch(params, dtype=torch.float64)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def numpy_step():
        _, grads = mn.loss_and_grads(params, X, y)
        mn.sgd_update(params, grads, 0.1)

    def torch_step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt), yt).backward()
        opt.step()

    return best_of(numpy_step), best_of(torch_step)


def attention_ratio() -> tuple[float, float]:
    """Median seconds of attention on (8, 4, 128, 32): written out / SDPA."""
    from bookutils.transformer.attention import scaled_dot_product_attention

    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(8, 4, 128, 32, generator=gen) for _ in range(3))
    return (
        best_of(lambda: scaled_dot_product_attention(q, k, v)),
        best_of(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v)),
    )


def playground_latency() -> tuple[float, float]:
    """Median and 95th percentile (ms) of a learning-rate change → finished redraw."""
    from bookutils.playground.widget import Playground
    from tools.bench_playground import timed

    pg = Playground()
    values = (0.01, 0.03, 0.1)

    def change(i: int) -> None:
        pg.controls["lr"].value = values[i % 3]

    timed(change, 5)
    wall, _ = timed(change, 40)
    return float(np.median(wall)), float(np.percentile(wall, 95))


def tree_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` (links not followed), as `du --apparent-size`."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "book" / "benchmarks.md")
    parser.add_argument("--notebooks", nargs="*", type=Path, help="default: all")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    notebooks = args.notebooks or nbtool.all_notebooks()

    times = {p: [run_notebook(p) for _ in range(args.runs)] for p in notebooks}
    medians = {p: statistics.median(t) for p, t in times.items()}
    serial = sum(medians.values())
    parallel = None
    if not args.notebooks:
        parallel = timed_command(
            [
                sys.executable,
                "-m",
                "pytest",
                "notebooks",
                "--nbval-lax",
                "--nbval-current-env",
                "-n",
                "2",
                "--dist",
                "loadfile",
                "-q",
                "-p",
                "no:cacheprovider",
            ]
        )
    book = None
    if not args.notebooks:  # the whole build, as `make book` runs it (data present)
        book = timed_command(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "book"]
        )
    rebuild = None
    if (ROOT / "_build" / ".doctrees").is_dir() and not args.notebooks:
        build = [sys.executable, str(ROOT / "tools" / "build_html.py")]
        timed_command(build)  # brings the cache up to date (re-runs edited pages)
        rebuild = timed_command(
            build
        )  # then the timed rebuild: nothing has changed
    env_gb = (
        tree_bytes(Path(sys.prefix).resolve()) / 1e9
    )  # the environment running this
    np_s, torch_s = numpy_vs_torch_ratio()
    ours_s, sdpa_s = attention_ratio()
    latency = playground_latency()
    weights = ROOT / "_build" / "browser" / "page-weights.md"

    def fmt(x: float | None, unit: str = " s") -> str:
        return "not measured" if x is None else f"{x:.1f}{unit}"

    load = os.getloadavg()[0]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`tools/bench.py`); do not edit by hand. Measured on "
        f"{platform.machine()} with {os.cpu_count()} CPU cores, OMP_NUM_THREADS="
        f"{os.environ['OMP_NUM_THREADS']}, torch {torch.__version__}, load average "
        f"{load:.1f} at the end. Timings vary by tens of percent between runs on a shared "
        "machine.",
        "",
        "## Each chapter",
        "",
        f"Execution in a fresh kernel, kernel start included, median of {args.runs} runs.",
        "",
        "| chapter | seconds (median) | runs | within 60 s |",
        "|---|---:|---|---|",
    ]
    for p, t in times.items():
        header = nbtool.parse_header(nbtool.load(p))
        lines.append(
            f"| {header['number']} {header['title']} | {medians[p]:.1f} | "
            + ", ".join(f"{x:.1f}" for x in t)
            + f" | {'yes' if medians[p] <= BUDGET_S else '**no**'} |"
        )
    med = statistics.median(medians.values())
    lines += [
        "",
        "## The whole book",
        "",
        "| quantity | measured | target |",
        "|---|---:|---:|",
        f"| median chapter | {med:.1f} s | ≤ {MEDIAN_TARGET_S} s |",
        f"| slowest chapter | {max(medians.values()):.1f} s | ≤ {BUDGET_S} s |",
        f"| all chapters, one after another (sum of medians) | {serial:.0f} s | |",
        f"| all chapters under nbval, 2 workers (wall) | {fmt(parallel)} | ≤ {BOOK_TARGET_S} s |",
        f"| `make book` (execute 2 at a time, then build the HTML) | {fmt(book)} |"
        f" ≤ {BUILD_TARGET_S} s |",
        f"| rebuild of the HTML book, nothing changed | {fmt(rebuild)} | ≤ {REBUILD_TARGET_S} s |",
        f"| the book's environment (`.venv`) on disk | {env_gb:.1f} GB | |",
        f"| playground redraw after a control change, median / p95 | {latency[0]:.0f} / "
        f"{latency[1]:.0f} ms | ≤ 100 / 200 ms |",
        f"| 3.1's MLP training step, NumPy / torch | {np_s / torch_s:.2f}× "
        f"({1e6 * np_s:.0f} / {1e6 * torch_s:.0f} µs) | ≤ 1.5× |",
        f"| attention written out / `scaled_dot_product_attention` | {ours_s / sdpa_s:.2f}× "
        f"({1e6 * ours_s:.0f} / {1e6 * sdpa_s:.0f} µs) | |",
        "",
    ]
    if weights.is_file():
        lines += [
            "## Page weights of the built book",
            "",
            "From the browser tests (`make browser-test`):",
            "",
            weights.read_text(encoding="utf-8").strip(),
            "",
        ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
