"""Execute the book's notebooks in parallel into the build's execution cache.

    python tools/execute_book.py [--cache _build/.jupyter_cache] [--workers N]
                                 [--doctrees _build/.doctrees]

``make book`` runs this before the HTML build (``tools/build_html.py``): it empties the
cache and Sphinx's saved pages (so an edit to ``src/bookutils`` re-executes every chapter
and every page shows the new outputs), runs every notebook of ``_toc.yml`` in a pool of
worker processes, the slowest first, each in its own folder as myst-nb would, and stores
the outputs in jupyter-cache, where the build (``execute_notebooks: cache`` in
``_config.yml``) finds them. A failing notebook stops the build here with its error, as
``raise_on_error`` would.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT = 300  # seconds per cell, as _config.yml's execute.timeout


def _run_one(job: tuple[str, str]) -> tuple[str, float, str | None, str]:
    """Execute one notebook (its JSON) in its folder: (path, seconds, error, executed)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    path, text = job
    notebook = nbformat.reads(text, as_version=4)
    start = time.perf_counter()
    result = single_nb_execution(
        notebook,
        cwd=str(Path(path).parent),
        timeout=CELL_TIMEOUT,
        allow_errors=False,
    )
    seconds = time.perf_counter() - start
    error = (
        (result.exc_string or repr(result.err)) if result.err is not None else None
    )
    return path, seconds, error, nbformat.writes(notebook)


def _shown(path: Path) -> Path:
    """``path`` relative to the repository when it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def execute(
    notebooks: list[Path],
    cache_path: Path,
    workers: int,
    doctrees: Path | None = None,
) -> int:
    """Run ``notebooks`` with ``workers`` processes into a fresh cache; 0 if all passed.

    Only this process writes to the cache (an SQLite file); the workers execute. Sphinx's
    saved pages (``doctrees``) go with the old cache: they hold the old outputs, and Sphinx
    would reuse them for every page that depends on no image file (5.5, 5.6, 5.7 and 9.1
    kept their old outputs after an edit to ``src/bookutils``, before this)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    shutil.rmtree(cache_path, ignore_errors=True)
    if doctrees is not None:
        shutil.rmtree(doctrees, ignore_errors=True)
    cache = get_cache(str(cache_path))
    jobs = []
    for path in longest_first(notebooks):
        cache.add_nb_to_project(str(path))
        jobs.append((str(path), nbformat.writes(nbformat.read(path, as_version=4))))
    start = time.perf_counter()
    failed = []
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for path, seconds, error, executed in pool.imap_unordered(_run_one, jobs):
            name = _shown(Path(path))
            print(
                f"{seconds:6.1f} s  {name}{'  FAILED' if error else ''}", flush=True
            )
            if error:
                failed.append((name, error))
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    nbformat.reads(executed, as_version=4),
                    path,
                    data={"execution_seconds": seconds},
                ),
                check_validity=False,
                overwrite=True,
            )
    print(
        f"executed {len(jobs)} notebooks with {workers} workers in"
        f" {time.perf_counter() - start:.0f} s"
    )
    for name, error in failed:
        print(f"\n{name} failed:\n{error}", file=sys.stderr)
    return 1 if failed else 0


def longest_first(
    notebooks: list[Path], benchmarks: Path = ROOT / "book" / "benchmarks.md"
) -> list[Path]:
    """``notebooks``, the slowest first by the times ``make bench`` last measured, so that
    no long chapter starts last while the other worker sits idle; a chapter without a
    measured time goes first (it may be slow). The table's rows read
    ``| 5.7 Title | 40.0 | ...``; notebook 5.7 is ``5_7_*.ipynb``."""
    text = benchmarks.read_text(encoding="utf-8") if benchmarks.is_file() else ""
    measured = {
        number.replace(".", "_"): float(seconds)
        for number, seconds in re.findall(
            r"^\| (\d+\.\d+) [^|]*\| ([\d.]+) \|", text, re.M
        )
    }

    def expected(path: Path) -> float:
        return measured.get("_".join(path.name.split("_")[:2]), float("inf"))

    return sorted(
        notebooks, key=expected, reverse=True
    )  # stable: ties keep toc order


def book_notebooks() -> list[Path]:
    """The notebooks listed in _toc.yml, in order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Path] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                path = ROOT / f"{node['file']}.ipynb"
                if path.is_file():
                    found.append(path)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache"
    )
    parser.add_argument(
        "--workers", type=int, default=min(2, multiprocessing.cpu_count())
    )
    parser.add_argument(
        "--doctrees", type=Path, default=ROOT / "_build" / ".doctrees"
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    return execute(book_notebooks(), args.cache, args.workers, args.doctrees)


if __name__ == "__main__":
    sys.exit(main())
