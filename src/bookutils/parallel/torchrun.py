"""The data-parallel jobs of chapters 2.3 and 9.3 under ``torchrun``, on one machine or several.

``launch`` (in :mod:`bookutils.parallel.distributed`) starts the ranks itself; on a
cluster, ``torchrun`` starts them, one agent per machine, and the same job functions run
unchanged. On each of two machines (``HOST`` is the first machine's address, reachable
from the second)::

    torchrun --nnodes=2 --nproc-per-node=1 --rdzv-backend=c10d --rdzv-endpoint=HOST:29400 \\
        --rdzv-id=book -m bookutils.parallel.torchrun ddp --out results

Each rank joins the gloo group through the environment torchrun sets (``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), runs the job, saves its result to
``results/rank<r>.pt`` and checks its final weights against the same training done in one
process; the exit status is 1 if any run differs by more than float64 round-off.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from . import distributed
from . import jobs as distributed_jobs

TOLERANCE = 1e-12  # float64 round-off only: the ranks average the same gradients


def _ddp_reference() -> dict[str, dict[str, torch.Tensor]]:
    return {
        run: distributed.train_single(opt, steps=20, lr=lr, n=32)
        for run, opt, lr in (
            ("sgd", "sgd", 0.1),
            ("adam", "adam", 0.01),
            ("zero1", "adam", 0.01),
        )
    }


def _sharding_reference() -> dict[str, dict[str, torch.Tensor]]:
    reference = distributed_jobs.train_reference(steps=20, n=32, hidden=16)
    return dict.fromkeys(("ddp", "zero1", "fsdp"), reference)


# name -> (the job of chapter 2.3 or 9.3, its arguments there, the one-process reference)
JOBS: dict[str, tuple[Callable[..., Any], dict[str, Any], Callable[[], dict]]] = {
    "ddp": (distributed.ddp_job, {"steps": 20, "n": 32}, _ddp_reference),
    "sharding": (
        distributed_jobs.sharding_job,
        {"steps": 20, "n": 32, "hidden": 16},
        _sharding_reference,
    ),
}


def largest_gaps(
    result: dict[str, Any], reference: dict[str, dict[str, torch.Tensor]]
) -> dict[str, float]:
    """For each run of a job, the largest absolute difference between its final weights and the
    reference's."""
    return {
        run: max(
            (result[run][k] - v).abs().max().item() for k, v in weights.items()
        )
        for run, weights in reference.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run one job as this rank of a ``torchrun`` launch; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m bookutils.parallel.torchrun",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="folder for rank<r>.pt (default: results)",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds (default 120)"
    )
    args = parser.parse_args(argv)
    missing = [
        k
        for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
        if k not in os.environ
    ]
    if missing:
        parser.error(
            f"{', '.join(missing)} not set: start this module with torchrun"
            " (see the module's help), not with python directly"
        )
    torch.set_num_threads(1)
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    job, kwargs, reference = JOBS[args.job]
    dist.init_process_group("gloo", timeout=timedelta(seconds=args.timeout))
    try:
        result = job(rank, world_size, **kwargs)
    finally:
        dist.destroy_process_group()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(result, args.out / f"rank{rank}.pt")
    gaps = largest_gaps(result, reference())
    worst = max(gaps.values())
    print(
        f"rank {rank} of {world_size} ({args.job}): largest difference from one process "
        + ", ".join(f"{run} {gap:.1e}" for run, gap in gaps.items()),
        flush=True,
    )
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
