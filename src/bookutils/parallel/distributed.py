"""Run a function in several processes with ``torch.distributed`` (gloo by default), and the jobs
chapter 2.3 runs that way: data-parallel training with DistributedDataParallel, ZeRO-1, and
a timing of the gradient all-reduce.

Worker functions must live in a module, not in a notebook: a spawned child re-imports the
function by name, and one defined in ``__main__`` of a kernel cannot be found. ``launch``
gives every run a free port, collects each rank's result through files in a temporary
folder, stops everything after a timeout, and raises an error that carries the failing
rank's own traceback instead of a bare exit code.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import socket
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.multiprocessing.spawn import ProcessException
from torch.nn.parallel import DistributedDataParallel

from ..optim.optimizers import make_torch_optimizer
from ..training.loop import fit

with (
    warnings.catch_warnings()
):  # its import uses torch.jit, which warns of its deprecation
    warnings.simplefilter("ignore", DeprecationWarning)
    from torch.distributed.optim import ZeroRedundancyOptimizer

START_METHODS = ("spawn", "forkserver", "fork")
# gloo runs everywhere (the chapters' jobs use it, on CPU tensors); NCCL needs one CUDA GPU
# per process, so the single-GPU machines of the GPU leg cannot run a 2-process NCCL group.
BACKENDS = ("gloo", "nccl")
DEFAULT_START = (
    "forkserver"
    if "forkserver" in multiprocessing.get_all_start_methods()
    else "spawn"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody is listening on (the OS picks it: bind to 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _entry(
    rank: int,
    job: Callable[..., Any],
    world_size: int,
    port: int,
    folder: str,
    kwargs: dict[str, Any],
    timeout_s: float,
    backend: str = "gloo",
) -> None:
    """What every child process runs: join the group, run ``job``, save its result."""
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), OMP_NUM_THREADS="1"
    )
    torch.set_num_threads(1)
    out = Path(folder)
    try:
        if backend == "nccl":
            torch.cuda.set_device(
                rank
            )  # one GPU per rank; the job puts its tensors there
        dist.init_process_group(
            backend,
            rank=rank,
            world_size=world_size,
            timeout=timedelta(seconds=timeout_s),
        )
        try:
            result = job(rank, world_size, **kwargs)
        finally:
            dist.destroy_process_group()
        torch.save(result, out / f"rank{rank}.pt")
    except BaseException:
        (out / f"rank{rank}.err").write_text(
            traceback.format_exc(), encoding="utf-8"
        )
        raise


def _errors(folder: Path) -> str:
    texts = [
        f"--- rank {p.stem[4:]} ---\n{p.read_text(encoding='utf-8')}"
        for p in sorted(folder.glob("rank*.err"))
    ]
    return "\n".join(texts) if texts else "(no worker wrote a traceback)"


def launch(
    job: Callable[..., Any],
    world_size: int = 2,
    *,
    timeout_s: float = 120.0,
    start_method: str = DEFAULT_START,
    backend: str = "gloo",
    **kwargs: Any,
) -> list[Any]:
    """Run ``job(rank, world_size, **kwargs)`` in ``world_size`` processes; return the results.

    Each process joins a process group (``backend``: ``"gloo"``, or ``"nccl"`` with one CUDA GPU
    per process, rank ``r`` on GPU ``r``) on a fresh port, uses one thread, and returns a
    picklable result; the list holds them in rank order. ``job`` must be importable by name
    (defined in a module). ``start_method`` is ``"forkserver"`` (the default where it exists:
    children fork from a server process that imported torch and this module once), ``"spawn"``
    (portable, but every child imports torch anew) or ``"fork"`` (Unix, CPU only). A worker
    that fails raises ``RuntimeError`` with its traceback; a run longer than ``timeout_s``
    seconds is stopped with ``TimeoutError``.
    """
    if not callable(job):
        raise TypeError(
            f"job must be a function (rank, world_size, ...), got {type(job)}"
        )
    if (
        getattr(job, "__module__", "__main__") == "__main__"
        and start_method != "fork"
    ):
        raise ValueError(
            "job is defined in __main__ (a notebook or script); a spawned child"
            " cannot import it. Put it in a module, or use start_method='fork'."
        )
    if not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be a positive int, got {world_size!r}")
    if start_method not in START_METHODS:
        raise ValueError(
            f"start_method must be one of {START_METHODS}, got {start_method!r}"
        )
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "nccl":
        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if gpus < world_size or not dist.is_nccl_available():
            raise ValueError(
                f"backend='nccl' needs one CUDA GPU per process ({world_size}) and"
                f" a torch built with NCCL; this machine has {gpus} GPU(s)."
                " Use backend='gloo' (it also runs on one GPU or none)."
            )
        if start_method == "fork":
            raise ValueError(
                "backend='nccl' cannot use start_method='fork' (CUDA does not"
                " survive a fork); use 'spawn' or 'forkserver'."
            )
    if start_method == "forkserver":
        multiprocessing.get_context("forkserver").set_forkserver_preload([__name__])
    with tempfile.TemporaryDirectory(prefix="bookutils-dist-") as tmp:
        folder = Path(tmp)
        context = torch.multiprocessing.start_processes(
            _entry,
            args=(job, world_size, free_port(), tmp, kwargs, timeout_s, backend),
            nprocs=world_size,
            join=False,
            start_method=start_method,
        )
        deadline = time.monotonic() + timeout_s
        spawn_log = logging.getLogger("torch.multiprocessing.spawn")
        level = spawn_log.level
        spawn_log.setLevel(
            logging.ERROR
        )  # our error says which worker failed, and why
        try:
            while not context.join(timeout=0.2):
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the {world_size} workers did not finish within"
                        f" {timeout_s:g} s; they were stopped.\n" + _errors(folder)
                    )
        except ProcessException as exc:
            written = _errors(folder) if any(folder.glob("rank*.err")) else str(exc)
            raise RuntimeError(
                f"worker rank {exc.error_index} of {world_size} failed;"
                f" its traceback:\n{written}"
            ) from None
        finally:
            spawn_log.setLevel(level)
            for process in context.processes:
                if process.is_alive():
                    process.terminate()
                    process.join(5)
        return [
            torch.load(folder / f"rank{r}.pt", weights_only=False)
            for r in range(world_size)
        ]


# --- the model and data every data-parallel job shares --------------------------------------


def make_regression(
    n: int = 32, d: int = 4, seed: int = 0, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    """A small regression data set: ``n`` inputs in R^d and a noisy nonlinear target."""
    if n < 1 or d < 1:
        raise ValueError(f"n and d must be positive, got n={n}, d={d}")
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=dtype)
    y = torch.sin(X.sum(dim=1, keepdim=True)) + 0.1 * torch.randn(
        n, 1, generator=g, dtype=dtype
    )
    return X, y


def make_mlp(
    d: int = 4, hidden: int = 8, seed: int = 0, dtype: torch.dtype = torch.float64
) -> nn.Sequential:
    """The d → hidden → tanh → 1 network, initialised from ``seed`` (the same in every rank)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, 1)).to(
        dtype
    )


_TORCH_NAMES = {"sgd": "SGD", "adam": "Adam"}


def _job_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """``torch.optim.SGD`` or ``torch.optim.Adam`` by a job's name for it, "sgd" or "adam"."""
    if name not in _TORCH_NAMES:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {name!r}")
    return make_torch_optimizer(_TORCH_NAMES[name], params, lr=lr)


def _train(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    steps: int,
) -> list[float]:
    """Full-batch mean-squared-error training for ``steps`` steps (the jobs' shared loop)."""
    return fit(
        model,
        itertools.repeat((X, y), steps),
        lambda m, X, y: nn.functional.mse_loss(m(X), y),
        optimizer,
    )


def train_single(
    optimizer: str = "sgd",
    *,
    steps: int = 20,
    lr: float = 0.1,
    n: int = 32,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> dict[str, torch.Tensor]:
    """Full-batch training in one process: the reference a data-parallel run must match.

    Returns the final weights (float64, on the CPU) as a state dict.
    """
    X, y = make_regression(n, seed=seed)
    model = make_mlp(seed=seed).to(device)
    _train(
        model,
        _job_optimizer(optimizer, model.parameters(), lr),
        X.to(device),
        y.to(device),
        steps,
    )
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def _check_split(n: int, world_size: int) -> None:
    if n % world_size:
        raise ValueError(f"n={n} must split evenly over {world_size} ranks")


def _adam_state_numel(optimizer: torch.optim.Optimizer) -> int:
    """How many Adam moment numbers (exp_avg, exp_avg_sq) ``optimizer`` holds."""
    return sum(
        t.numel()
        for state in optimizer.state.values()
        for k, t in state.items()
        if k in ("exp_avg", "exp_avg_sq")
    )


def ddp_job(rank, world_size, *, steps=20, lr_sgd=0.1, lr_adam=0.01, n=32, seed=0):
    """Data-parallel training in one rank: DDP with SGD, with Adam, and with ZeRO-1 Adam.

    Every rank builds the same data and keeps its own contiguous slice of ``n / world_size``
    examples. Returns the final weights of each run and, for ZeRO-1, how many optimizer-state
    numbers this rank holds.
    """
    _check_split(n, world_size)
    X, y = make_regression(n, seed=seed)  # the same data in every rank ...
    part = slice(rank * n // world_size, (rank + 1) * n // world_size)
    X, y = X[part], y[part]  # ... of which each keeps its own slice
    result = {}
    for name, lr in (("sgd", lr_sgd), ("adam", lr_adam), ("zero1", lr_adam)):
        model = DistributedDataParallel(
            make_mlp(seed=seed)
        )  # all-reduces gradients
        if name == "zero1":  # Adam with its state split over the ranks
            opt = ZeroRedundancyOptimizer(
                model.parameters(), torch.optim.Adam, lr=lr
            )
        else:
            opt = _job_optimizer(name, model.parameters(), lr)
        result[f"{name}_losses"] = _train(model, opt, X, y, steps)
        result[name] = {
            k: v.detach().clone() for k, v in model.module.state_dict().items()
        }
        if name == "zero1":
            result["zero1_state_numel"] = _adam_state_numel(opt.optim)
    return result


def allreduce_timing_job(
    rank: int, world_size: int, *, sizes: list[int], repeats: int = 5
) -> dict[int, float]:
    """Median seconds of one ``all_reduce`` (sum) of a float32 tensor of each size."""
    times = {}
    for size in sizes:
        t = torch.ones(size, dtype=torch.float32)
        dist.all_reduce(t)  # warm-up, and a check of the sum
        if not torch.all(t == world_size):
            raise RuntimeError(
                f"all_reduce gave {t[0].item()}, expected {world_size}"
            )
        runs = []
        for _ in range(repeats):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            runs.append(time.perf_counter() - start)
        times[size] = sorted(runs)[len(runs) // 2]
    return times


def sleeping_job(rank: int, world_size: int, *, seconds: float = 60.0) -> int:
    """A job that only waits: shows how ``launch`` stops a run that takes too long."""
    time.sleep(seconds)
    return rank


def failing_job(rank: int, world_size: int, *, bad_rank: int = 1) -> int:
    """A job in which one rank raises: shows how ``launch`` reports a worker's error."""
    if rank == bad_rank:
        raise ValueError(f"rank {rank} was told to fail")
    return rank
