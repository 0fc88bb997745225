"""`make check-colab`: every notebook as a Colab user runs it, simulated on this machine.

1. A clean virtual environment on Python 3.12 (Colab's version) when this machine has it and
   a CPU build of torch installs there; otherwise the newest Python that has one. Only the
   kernel machinery (ipykernel, nbclient) is installed up front, newest versions.
2. A stub module `google.colab`, imported when each kernel starts (as in Colab), so every
   setup cell takes its Colab branch: `%pip install "bookutils[extras] @ git+<repo>@v<version>"`.
   No constraints file: pip picks the newest versions the package's ranges allow.
3. git rewrites the repository URL to a local mirror of this clone's HEAD (its own git config,
   through GIT_CONFIG_GLOBAL; the user's is not touched), with the tag v<version> made to point
   at HEAD there, so the install really goes through git and tests the code at hand.
4. Fashion-MNIST is served from a local HTTP mirror on 127.0.0.1 that the loader is pointed
   at (BOOK_DATA_URL), with the Debian copy hidden and an empty cache, so the download path a
   Colab user takes runs, checksums included.
5. Every notebook runs top to bottom in a fresh kernel; a table of pass/fail and time per
   notebook is printed and written to _build/colab/report.md. Exit status 1 if any fails.

Usage: python tools/check_colab.py [NOTEBOOK ...]   (default: every notebook, book order)
Environment: COLAB_PYTHON=/path/to/python to choose the interpreter.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

try:
    from tools import nbtool
except (
    ImportError
):  # run as a script (python tools/check_colab.py): tools/ is on the path
    import nbtool  # type: ignore[no-redef]

from bookutils.data import fashion_mnist as fm

ROOT = nbtool.ROOT
WORK = ROOT / "_build" / "colab"
CELL_TIMEOUT = (
    900  # seconds; the setup cells install torch, TensorFlow, transformers
)

# Run inside the clean environment: each notebook in a fresh kernel, one JSON line per notebook.
RUNNER = r"""
import json, os, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

timeout, paths = int(sys.argv[1]), sys.argv[2:]
for path in paths:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}})
    start, error = time.perf_counter(), ""
    try:
        client.execute()
    except CellExecutionError as err:
        error = f"{err.ename}: {err.evalue}"[:300]
    except CellTimeoutError as err:
        error = f"timeout: {err}"[:300]
    except Exception as err:  # the kernel died, or nbclient failed
        error = f"{type(err).__name__}: {err}"[:300]
    print(json.dumps({"notebook": path, "seconds": round(time.perf_counter() - start, 1),
                      "error": error}), flush=True)
"""

STARTUP = """\
# Colab imports google.colab before the first cell runs; the setup cell looks for it.
import google.colab  # noqa: F401
"""

STUB = '''\
"""A stand-in for Colab's module, for tools/check_colab.py: only its presence matters."""

IN_COLAB_SIMULATION = True
'''


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def python_candidates() -> list[tuple[tuple[int, int], str]]:
    """(version, executable) of every Python 3.10+ found, 3.12 first, then newest first."""
    found: dict[tuple[int, int], str] = {}
    names = [f"python3.{minor}" for minor in range(10, 20)] + ["python3"]
    exes = [shutil.which(n) for n in names]
    if shutil.which("pyenv"):
        bare = subprocess.run(
            ["pyenv", "versions", "--bare"], capture_output=True, text=True
        )
        for v in bare.stdout.split():
            if re.fullmatch(r"3\.\d+\.\d+", v):
                prefix = subprocess.run(
                    ["pyenv", "prefix", v], capture_output=True, text=True
                )
                minor = v.rsplit(".", 1)[0]
                exes.append(
                    str(Path(prefix.stdout.strip()) / "bin" / f"python{minor}")
                )
    for exe in filter(None, exes):
        out = subprocess.run(
            [exe, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:
            major, minor = map(int, out.stdout.split())
            if (major, minor) >= (3, 10):
                found.setdefault((major, minor), exe)
    return sorted(
        found.items(), key=lambda kv: (kv[0] != (3, 12), [-x for x in kv[0]])
    )


def make_venv(python: str, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    run([python, "-m", "venv", str(dest)])
    py = dest / "bin" / "python"
    run([str(py), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    return py


def local_cpu_torch(python: str) -> str | None:
    """The version of a CPU build of torch that pip can install for ``python`` from this
    machine's own wheels (pip's find-links, no index), or None. A CUDA build from PyPI pulls
    several GB of nvidia-* wheels and tests nothing more, so torch stays on that build."""
    out = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--ignore-installed",
            "--report",
            "-",
            "torch",
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return None
    torch = next(
        (
            i
            for i in json.loads(out.stdout)["install"]
            if i["metadata"]["name"] == "torch"
        ),
        None,
    )
    if torch is None or any(
        r.startswith("nvidia") for r in torch["metadata"].get("requires_dist", [])
    ):
        return None
    return torch["metadata"]["version"]


def choose_environment() -> tuple[Path, str]:
    """The clean venv, with torch (CPU) pre-installed from this machine's wheels."""
    venv = WORK / "venv"
    chosen = [
        (v, exe)
        for v, exe in python_candidates()
        if not os.environ.get("COLAB_PYTHON")
    ] or [((0, 0), os.environ["COLAB_PYTHON"])]
    for version, exe in chosen:
        torch = local_cpu_torch(exe)
        if torch is None:
            print(
                f"{exe}: no CPU build of torch among this machine's wheels; trying the next"
                " interpreter",
                flush=True,
            )
            continue
        py = make_venv(exe, venv)
        run(
            [str(py), "-m", "pip", "install", "--quiet", f"torch=={torch}"]
        )  # the local build
        label = subprocess.run(
            [str(py), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
        ).stdout.split()
        why = (
            "Colab's version"
            if version == (3, 12)
            else "no CPU torch wheel for 3.12 here"
        )
        return py, f"Python {'.'.join(label)} ({why}), torch {torch}"
    raise SystemExit(
        "no Python 3.10+ with a CPU build of torch among this machine's wheels"
        " (set COLAB_PYTHON, or add one to pip's find-links)"
    )


def make_mirror(version: str) -> tuple[Path, str]:
    """A bare clone of this repository with tag v<version> on HEAD; returns (path, commit)."""
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if dirty:
        print(
            "warning: uncommitted changes are not in the mirror (it holds HEAD)",
            flush=True,
        )
    mirror = WORK / "mirror.git"
    shutil.rmtree(mirror, ignore_errors=True)
    run(["git", "clone", "--quiet", "--bare", "--no-tags", str(ROOT), str(mirror)])
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    run(["git", "--git-dir", str(mirror), "tag", "-f", f"v{version}", head])
    return mirror, head


def serve(directory: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    served: list[str] = []

    def do_GET(self):
        _QuietHandler.served.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


def fashion_mnist_dir() -> Path:
    """The folder holding this machine's Fashion-MNIST files (run `make data` first)."""
    for d in fm._candidate_dirs(None):
        if all((d / name).is_file() for name, _ in fm._FILES.values()):
            return d
    raise SystemExit("Fashion-MNIST is not on this machine: run `make data` first")


def installed_from_git(py: Path, env: dict[str, str]) -> dict:
    """bookutils' PEP 610 record in the clean environment (how pip installed it). Run with
    the kernels' environment and away from the repository, so that no bookutils.egg-info
    on PYTHONPATH or in the working folder answers instead."""
    code = (
        "import importlib.metadata as m; d = m.distribution('bookutils');"
        " print(d.read_text('direct_url.json') or '{}')"
    )
    out = subprocess.run(
        [str(py), "-I", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(WORK),
    )
    return json.loads(out.stdout) if out.returncode == 0 else {}


def main(argv: list[str]) -> int:
    notebooks = [Path(a).resolve() for a in argv] or _book_order()
    WORK.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    py, why = choose_environment()
    run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            "ipykernel",
            "nbclient",
            "nbformat",
        ]
    )
    site = Path(
        subprocess.run(
            [
                str(py),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "google" / "colab").mkdir(parents=True, exist_ok=True)
    (site / "google" / "colab" / "__init__.py").write_text(STUB)
    ipython_dir = WORK / "ipython"
    shutil.rmtree(ipython_dir, ignore_errors=True)
    (ipython_dir / "profile_default" / "startup").mkdir(parents=True)
    (ipython_dir / "profile_default" / "startup" / "00-colab.py").write_text(
        STARTUP
    )

    version = nbtool.package_version()
    mirror, head = make_mirror(version)
    gitconfig = WORK / "gitconfig"
    gitconfig.write_text(
        f'[url "{mirror.as_uri()}"]\n\tinsteadOf = {nbtool.repo_url()}\n'
    )
    home = WORK / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    url, httpd = serve(fashion_mnist_dir())
    pip_cache = subprocess.run(
        [str(py), "-m", "pip", "cache", "dir"], capture_output=True, text=True
    ).stdout.strip()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOOK_OFFLINE", "BOOK_DATA_DIR", "PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(home),
        IPYTHONDIR=str(ipython_dir),
        BOOK_DATA_URL=url,
        BOOK_NO_SYSTEM_DATA="1",
        PATH=f"{py.parent}{os.pathsep}{env.get('PATH', '')}",
    )
    if pip_cache:
        env["PIP_CACHE_DIR"] = (
            pip_cache  # reuse downloads across runs (HOME is fresh)
        )
    setup_s = time.perf_counter() - start
    print(
        f"environment ready in {setup_s:.0f} s: {why}; bookutils from git at v{version}"
        f" = {head[:12]}; Fashion-MNIST from {url}",
        flush=True,
    )

    results = []
    proc = subprocess.Popen(
        [str(py), "-c", RUNNER, str(CELL_TIMEOUT), *map(str, notebooks)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(WORK),
    )
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        results.append(r)
        status = "pass" if not r["error"] else "FAIL"
        print(
            f"{status}  {r['seconds']:6.1f} s  {Path(r['notebook']).relative_to(ROOT)}"
            f"{'  ' + r['error'] if r['error'] else ''}",
            flush=True,
        )
    proc.wait()
    httpd.shutdown()

    record = installed_from_git(py, env)
    vcs = record.get("vcs_info", {})
    git_ok = (
        vcs.get("vcs") == "git"
        and vcs.get("commit_id") == head
        and vcs.get("requested_revision") == f"v{version}"
    )
    data_ok = sorted(set(_QuietHandler.served)) == sorted(
        f"/{name}" for name, _ in fm._FILES.values()
    )
    rows = results + [
        {
            "notebook": str(n),
            "seconds": 0.0,
            "error": "did not run (runner stopped)",
        }
        for n in notebooks[len(results) :]
    ]
    failed = [r for r in rows if r["error"]]
    total = time.perf_counter() - start
    lines = [
        "# Colab simulation (`make check-colab`)",
        "",
        f"{why}; `bookutils` installed by the setup cells from git"
        f" (`{record.get('url', '?')}` at `v{version}` = `{head[:12]}`: "
        f"{'yes' if git_ok else 'NO'}); Fashion-MNIST downloaded from the 127.0.0.1 mirror:"
        f" {'yes, all 4 files' if data_ok else 'NO'}. Environment {setup_s:.0f} s, total"
        f" {total:.0f} s.",
        "",
        "| notebook | result | seconds |",
        "|---|---|---:|",
        *[
            f"| {Path(r['notebook']).relative_to(ROOT)} | "
            f"{'pass' if not r['error'] else 'FAIL: ' + r['error'].replace('|', '/')} | "
            f"{r['seconds']:.1f} |"
            for r in rows
        ],
    ]
    (WORK / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)
    ok = not failed and git_ok and (data_ok or not _uses_fashion_mnist(notebooks))
    print(
        f"check-colab: {'PASS' if ok else 'FAIL'} ({len(rows) - len(failed)}/"
        f"{len(notebooks)} notebooks passed)"
    )
    return 0 if ok else 1


def _uses_fashion_mnist(notebooks: list[Path]) -> bool:
    return any(
        "load_fashion_mnist" in p.read_text(encoding="utf-8") for p in notebooks
    )


def _book_order() -> list[Path]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    paths = [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]
    rest = [p for p in nbtool.all_notebooks() if p not in paths]
    return paths + rest


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
