"""Pick the device a notebook computes on: CUDA, then Apple MPS, then the CPU.

The environment variable ``BOOK_DEVICE`` overrides the choice, so the same notebooks run
on a laptop, in Colab and on a GPU server without an edit (``BOOK_DEVICE=cuda make test``).
"""

from __future__ import annotations

import os

import torch

ENV_VAR = "BOOK_DEVICE"
_KINDS = ("cpu", "cuda", "mps")


def _available(kind: str) -> bool:
    if kind == "cpu":
        return True
    if kind == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def choose_device(prefer: str | None = None) -> torch.device:
    """Return the device to use.

    ``prefer`` (or else the ``BOOK_DEVICE`` environment variable) names a device such as
    ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"mps"``; when neither is set the best available
    one is taken, in the order CUDA, MPS, CPU. Asking for a device that is not there is an
    error rather than a silent fall-back, so a GPU run cannot quietly become a CPU run.
    """
    wanted = prefer if prefer is not None else os.environ.get(ENV_VAR, "")
    if not isinstance(wanted, str):
        raise TypeError(
            f"device name must be a string such as 'cpu' or 'cuda', got {wanted!r}"
        )
    wanted = wanted.strip()
    if not wanted:
        for kind in ("cuda", "mps"):
            if _available(kind):
                return torch.device(kind)
        return torch.device("cpu")
    kind = wanted.split(":", 1)[0].lower()
    if kind not in _KINDS:
        raise ValueError(
            f"unknown device {wanted!r}: expected one of 'cpu', 'cuda', 'cuda:N' or 'mps'"
            f" (set by {'the argument' if prefer is not None else ENV_VAR})"
        )
    if not _available(kind):
        raise RuntimeError(
            f"device {wanted!r} was asked for but is not available on this machine;"
            f" unset {ENV_VAR} or choose 'cpu'"
        )
    return torch.device(wanted.lower())
