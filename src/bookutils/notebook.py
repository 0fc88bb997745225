"""What the setup cell at the top of every notebook calls."""

from __future__ import annotations

import torch

from .device import choose_device
from .reproducibility import seed_everything
from .viz.plotting import use_book_style


def setup_notebook(seed: int = 0, device: str | None = None) -> torch.device:
    """Seed every random generator, apply the book's figure style and pick the device.

    Returns the chosen ``torch.device`` (see :func:`bookutils.device.choose_device`; ``device``
    overrides the ``BOOK_DEVICE`` environment variable).
    """
    seed_everything(seed)
    use_book_style()
    chosen = choose_device(device)
    print(f"bookutils ready: device={chosen}, seed={seed}, torch {torch.__version__}")
    return chosen
