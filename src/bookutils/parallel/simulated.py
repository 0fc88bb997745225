"""Parallel training from scratch, in one process: data parallelism over simulated workers,
tensor (model) parallelism of a linear layer and an MLP, a ring all-reduce, and the memory
arithmetic of ZeRO.

Matrices follow the book's maths, ``y = x W + b`` with ``W`` of shape ``(d_in, d_out)``;
``torch.nn.Linear`` stores the transpose, so ``W = linear.weight.T``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


def _check_parts(n_parts: int, size: int, what: str) -> None:
    if (
        not isinstance(n_parts, (int, np.integer))
        or isinstance(n_parts, bool)
        or n_parts < 1
    ):
        raise ValueError(
            f"the number of parts must be a positive int, got {n_parts!r}"
        )
    if size % n_parts:
        raise ValueError(
            f"{what} of size {size} does not split into {n_parts} equal parts"
        )


def _check_linear(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor | None) -> None:
    for name, t in (("x", x), ("W", W)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(t).__name__}"
            )
    if W.ndim != 2 or x.shape[-1] != W.shape[0]:
        raise ValueError(
            f"x (…, d_in) and W (d_in, d_out) do not fit: x {tuple(x.shape)},"
            f" W {tuple(W.shape)}"
        )
    if b is not None and tuple(b.shape) != (W.shape[1],):
        raise ValueError(f"b must have shape ({W.shape[1]},), got {tuple(b.shape)}")


# --- data parallelism -----------------------------------------------------------------------


def worker_gradients(
    model: nn.Module,
    loss_fn: Callable[..., torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    n_workers: int,
) -> tuple[list[list[torch.Tensor]], list[int]]:
    """Each simulated worker's gradient of the mean loss on its slice of the batch.

    The batch is cut into ``n_workers`` contiguous slices (as equal as possible; every worker
    gets at least one example). Returns the gradients, one list per worker in the order of
    ``model.parameters()``, and the slice sizes.
    """
    if not isinstance(n_workers, int) or n_workers < 1 or n_workers > len(X):
        raise ValueError(
            f"n_workers must be an int in 1..{len(X)}, got {n_workers!r}"
        )
    if len(X) != len(y):
        raise ValueError(
            f"X and y hold different numbers of examples: {len(X)} and {len(y)}"
        )
    params = list(model.parameters())
    grads, sizes = [], []
    for X_k, y_k in zip(
        torch.tensor_split(X, n_workers),
        torch.tensor_split(y, n_workers),
        strict=True,
    ):
        loss = loss_fn(model(X_k), y_k)
        grads.append([g.detach() for g in torch.autograd.grad(loss, params)])
        sizes.append(len(X_k))
    return grads, sizes


def _check_worker_sizes(grads: Sequence, sizes: Sequence[int]) -> None:
    if len(grads) == 0 or len(grads) != len(sizes):
        raise ValueError(
            f"need one size per worker: {len(grads)} gradients, {len(sizes)} sizes"
        )
    if any(s <= 0 for s in sizes):
        raise ValueError(
            f"every worker needs a positive number of examples, got {sizes}"
        )


def average_gradients(grads, sizes):
    """Combine per-worker gradients of mean losses into the full batch's gradient.

    Worker k averaged over ``sizes[k]`` examples, so its gradient is weighted by
    ``sizes[k] / sum(sizes)``; with equal slices this is the plain mean that DDP computes.
    ``grads[k]`` is worker k's list of gradients, one per parameter.
    """
    _check_worker_sizes(grads, sizes)
    n = sum(sizes)
    return [
        sum(g_k[i] * (n_k / n) for g_k, n_k in zip(grads, sizes, strict=True))
        for i in range(len(grads[0]))  # parameter i
    ]


# --- tensor parallelism ---------------------------------------------------------------------


def split_columns(
    W: torch.Tensor, b: torch.Tensor | None, n_parts: int
) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """Cut ``W`` (d_in, d_out) and ``b`` into ``n_parts`` blocks of output columns."""
    _check_parts(n_parts, W.shape[1], "the output dimension of W")
    Ws = torch.chunk(W, n_parts, dim=1)
    bs = torch.chunk(b, n_parts) if b is not None else (None,) * n_parts
    return list(zip(Ws, bs, strict=True))


def column_parallel_linear(
    x: torch.Tensor, W: torch.Tensor, b: torch.Tensor | None, n_parts: int
) -> torch.Tensor:
    """``x W + b`` with W split by columns: each "device" makes some output features.

    Device k holds ``W[:, cols_k]`` and ``b[cols_k]``, sees all of ``x``, and computes its
    slice of the output; concatenating the slices (an all-gather) gives the whole output.
    """
    _check_linear(x, W, b)
    parts = [
        x @ W_k + (b_k if b_k is not None else 0)
        for W_k, b_k in split_columns(W, b, n_parts)
    ]
    return torch.cat(parts, dim=-1)


def row_parallel_linear(x, W, b, n_parts):
    """``x W + b`` with W split by rows: each "device" sees some input features.

    Device k holds ``W[rows_k, :]`` and the matching slice of ``x``, and computes a partial
    sum of the full output's shape; adding the partial sums (an all-reduce) and then ``b``,
    once, gives the output.
    """
    _check_linear(x, W, b)
    _check_parts(n_parts, W.shape[0], "the input dimension of W")
    x_parts = torch.chunk(x, n_parts, dim=-1)  # (..., d_in / P) each
    W_parts = torch.chunk(W, n_parts, dim=0)  # (d_in / P, d_out) each
    partial = [x_k @ W_k for x_k, W_k in zip(x_parts, W_parts, strict=True)]
    out = torch.stack(partial).sum(dim=0)  # the all-reduce: (..., d_out)
    return out + b if b is not None else out


def tensor_parallel_mlp(
    x: torch.Tensor,
    W1: torch.Tensor,
    b1: torch.Tensor,
    W2: torch.Tensor,
    b2: torch.Tensor,
    n_parts: int,
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu,
) -> torch.Tensor:
    """The two-layer MLP ``act(x W1 + b1) W2 + b2`` split Megatron-style over n devices.

    W1 is split by columns and W2 by rows, so device k computes ``act(x W1_k + b1_k) W2_k``
    without talking to the others (the activation acts elementwise), and a single sum over
    devices, plus ``b2``, finishes the layer.
    """
    _check_linear(x, W1, b1)
    _check_linear(torch.empty(W1.shape[1], dtype=W2.dtype), W2, b2)
    _check_parts(n_parts, W1.shape[1], "the hidden dimension")
    partial = [
        activation(x @ W1_k + b1_k) @ W2_k
        for (W1_k, b1_k), W2_k in zip(
            split_columns(W1, b1, n_parts),
            torch.chunk(W2, n_parts, dim=0),
            strict=True,
        )
    ]
    return torch.stack(partial).sum(dim=0) + b2


# --- ring all-reduce ------------------------------------------------------------------------


@dataclass
class RingAllReduce:
    """Result of :func:`ring_allreduce`: every worker's final vector and the traffic."""

    outputs: list[np.ndarray]
    steps: int
    sent_per_worker: list[int]


def _check_vectors(vectors: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The workers' vectors as float arrays: at least one, all 1-D of one length."""
    if len(vectors) == 0:
        raise ValueError("need at least one worker's vector")
    arrays = [np.asarray(v, dtype=float) for v in vectors]
    if any(a.ndim != 1 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError(
            "every worker must hold a 1-D vector of the same length,"
            f" got shapes {[a.shape for a in arrays]}"
        )
    return arrays


def ring_allreduce(vectors):
    """Sum P workers' vectors with the ring algorithm, simulated step by step.

    Each vector is cut into P chunks. In P - 1 *reduce-scatter* steps every worker passes one
    chunk to its right-hand neighbour, which adds it to its own; afterwards worker k holds
    the complete sum of chunk (k + 1) mod P. In P - 1 *all-gather* steps the finished chunks
    travel once more round the ring. Returns all workers' results, the number of steps,
    2(P - 1), and how many numbers each worker sent: 2(P - 1)/P of the vector's length
    when P divides it.
    """
    arrays = _check_vectors(vectors)
    n = len(arrays)
    chunks = [np.array_split(a.copy(), n) for a in arrays]  # chunks[worker][chunk]
    steps, sent = 0, [0] * n
    for phase in ("reduce-scatter", "all-gather"):
        for s in range(n - 1):
            # worker k sends chunk (k - s) (reduce-scatter) or (k + 1 - s) (all-gather)
            shift = 0 if phase == "reduce-scatter" else 1
            messages = [
                (k, (k - s + shift) % n, chunks[k][(k - s + shift) % n].copy())
                for k in range(n)
            ]
            for k, c, data in messages:  # all sends of a step happen at once
                right = (k + 1) % n
                if phase == "reduce-scatter":
                    chunks[right][c] = chunks[right][c] + data  # add to its own
                else:
                    chunks[right][c] = data  # replace by the finished chunk
            for k, _, data in messages:
                sent[k] += len(data)
            steps += 1
    return RingAllReduce([np.concatenate(c) for c in chunks], steps, sent)


# --- ZeRO memory ----------------------------------------------------------------------------


def zero_memory_per_worker(
    n_params: float,
    n_workers: int,
    stage: int,
    *,
    bytes_param: int = 2,
    bytes_grad: int = 2,
    bytes_optimizer: int = 12,
) -> float:
    """Bytes of model states one data-parallel worker holds under ZeRO stage 0–3.

    With mixed-precision Adam each parameter costs ``bytes_param`` (fp16 weights),
    ``bytes_grad`` (fp16 gradient) and ``bytes_optimizer`` (fp32 master weight, momentum and
    variance: 4 + 4 + 4). Stage 0 is plain data parallelism (every worker holds all of it);
    stage 1 partitions the optimizer states over the workers, stage 2 the gradients as well,
    stage 3 the parameters too. Activations and buffers are not counted.
    """
    if stage not in (0, 1, 2, 3):
        raise ValueError(f"ZeRO stage must be 0, 1, 2 or 3, got {stage!r}")
    if not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be a positive int, got {n_workers!r}")
    if n_params < 0:
        raise ValueError(f"n_params must be non-negative, got {n_params!r}")
    shares = [bytes_optimizer, bytes_grad, bytes_param]  # partitioned in this order
    split = sum(shares[:stage])
    return n_params * ((sum(shares) - split) + split / n_workers)
