"""The GPU leg: every notebook under nbval with ``BOOK_DEVICE=cuda``, one at a time.

    python tools/gpu_leg.py [--dry-run] [NOTEBOOK ...]      (make test-gpu)

On a machine with an NVIDIA GPU the notebooks run on it, serially (one kernel holds the GPU
at a time). Without one, the script says so and runs the same serial leg on the CPU
(``BOOK_DEVICE=cpu``), so the command is never a silent no-op.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def plan(
    cuda: bool, notebooks: list[str] | None = None
) -> tuple[dict[str, str], list[str], str]:
    """Environment, command and a one-line message for the leg this machine can run."""
    device = "cuda" if cuda else "cpu"
    env = {**os.environ, "BOOK_DEVICE": device, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *(notebooks or ["notebooks"]),
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-cell-timeout=600",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
    ]
    message = (
        "CUDA GPU found: running every notebook on it, one at a time"
        if cuda
        else "no CUDA GPU here: running the same serial leg on the CPU (BOOK_DEVICE=cpu)"
    )
    return env, cmd, message


def main(argv: list[str]) -> int:
    import torch

    dry = "--dry-run" in argv
    notebooks = [a for a in argv if a != "--dry-run"]
    env, cmd, message = plan(torch.cuda.is_available(), notebooks)
    print(message)
    print(f"BOOK_DEVICE={env['BOOK_DEVICE']} " + " ".join(cmd))
    if dry:
        return 0
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
