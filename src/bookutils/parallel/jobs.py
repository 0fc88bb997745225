"""Sharded data-parallel jobs for chapter 9.3: ZeRO-1 and FSDP next to plain DDP.

Run them with :func:`bookutils.parallel.distributed.launch`. Every job trains the same small MLP
with
Adam on the same data as :func:`train_reference`, which does it in one process, so a run can
be checked weight by weight; each also reports how many bytes of parameters and optimizer
state its rank holds, which is what the sharding saves.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .distributed import ZeroRedundancyOptimizer, _train, make_mlp, make_regression

__all__ = ["sharding_job", "state_bytes", "train_reference"]


def _check_sizes(
    n: int, d: int, hidden: int, steps: int, world_size: int = 1
) -> None:
    for name, value in (("n", n), ("d", d), ("hidden", hidden), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if n % world_size:
        raise ValueError(f"n={n} must split evenly over {world_size} ranks")


def _local_bytes(tensors: Any) -> int:
    """Bytes of the parts of ``tensors`` stored in this process."""
    return sum(_local(t).numel() * _local(t).element_size() for t in tensors)


def _full_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """The whole state dict, gathered from the shards, without DDP's ``module.`` prefix."""
    weights = {}
    for key, value in model.state_dict().items():
        full = value.full_tensor() if hasattr(value, "full_tensor") else value
        weights[key.removeprefix("module.")] = full.detach().clone()
    return weights


def _local(t: torch.Tensor) -> torch.Tensor:
    """The part of a tensor stored in this process (a DTensor's shard, or the tensor)."""
    return t.to_local() if hasattr(t, "to_local") else t


def _check_optimizer(optimizer: object) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer)}"
        )


def state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes of optimizer state (e.g. Adam's two moments) stored in this process.

    Adam's step counters are left out; for a sharded tensor it counts the local shard.
    """
    _check_optimizer(optimizer)
    return _local_bytes(
        value
        for state in optimizer.state.values()
        for key, value in state.items()
        if isinstance(value, torch.Tensor) and key != "step"
    )


def train_reference(
    *,
    steps: int = 20,
    lr: float = 0.01,
    n: int = 32,
    d: int = 4,
    hidden: int = 16,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """Full-batch Adam in one process: the weights every sharded run must reproduce."""
    _check_sizes(n, d, hidden, steps)
    X, y = make_regression(n, d, seed=seed)
    model = make_mlp(d, hidden, seed=seed)
    _train(model, torch.optim.Adam(model.parameters(), lr=lr), X, y, steps)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def sharding_job(
    rank: int,
    world_size: int,
    *,
    steps: int = 20,
    lr: float = 0.01,
    n: int = 32,
    d: int = 4,
    hidden: int = 16,
    seed: int = 0,
) -> dict[str, Any]:
    """Train with Adam three ways in one rank: DDP, DDP + ZeRO-1, and FSDP (``fully_shard``).

    Each rank keeps its contiguous slice of the ``n`` examples. For each run ``name`` in
    ``("ddp", "zero1", "fsdp")`` the result holds ``name`` (the full final weights),
    ``f"{name}_losses"``, ``f"{name}_param_bytes"`` (parameter bytes stored in this rank) and
    ``f"{name}_state_bytes"`` (optimizer-state bytes stored in this rank).
    """
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from torch.nn.parallel import DistributedDataParallel

    _check_sizes(n, d, hidden, steps, world_size)
    X, y = make_regression(n, d, seed=seed)
    part = slice(rank * n // world_size, (rank + 1) * n // world_size)
    X, y = X[part], y[part]  # this rank's share of the batch
    result: dict[str, Any] = {}
    for name in ("ddp", "zero1", "fsdp"):
        model = make_mlp(d, hidden, seed=seed)  # the same start on every rank
        if name == "fsdp":  # every layer's parameters cut into one shard per rank
            mesh = init_device_mesh("cpu", (world_size,))
            for layer in model:
                if isinstance(layer, nn.Linear):
                    fully_shard(layer, mesh=mesh)
            wrapped = fully_shard(model, mesh=mesh)
            optimizer = torch.optim.Adam(wrapped.parameters(), lr=lr)
        elif name == "zero1":  # the whole model everywhere, Adam's state split
            wrapped = DistributedDataParallel(model)
            optimizer = ZeroRedundancyOptimizer(
                wrapped.parameters(), torch.optim.Adam, lr=lr
            )
        else:  # plain DDP: everything on every rank, gradients all-reduced
            wrapped = DistributedDataParallel(model)
            optimizer = torch.optim.Adam(wrapped.parameters(), lr=lr)
        # a plain training loop: DDP and FSDP communicate inside backward()
        result[f"{name}_losses"] = _train(wrapped, optimizer, X, y, steps)
        inner = optimizer.optim if name == "zero1" else optimizer
        result[f"{name}_state_bytes"] = state_bytes(inner)
        result[f"{name}_param_bytes"] = _local_bytes(model.parameters())
        result[name] = _full_weights(model)
    return result
