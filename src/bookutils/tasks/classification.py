"""Fashion-MNIST as tensors for a PyTorch classifier, and the tools to judge one (chapter 5.1).

Images arrive from :func:`bookutils.data.fashion_mnist.load_fashion_mnist` as uint8 arrays of shape
(n, 28, 28). Here they become flat float rows (n, 784), scaled to [0, 1] and standardised
with the *training* set's mean and standard deviation, so that test images are treated
exactly like training images. The confusion matrix to judge the classifier is
:func:`bookutils.metrics.confusion_matrix`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "images_to_tensor",
    "params_from_linears",
    "pixel_stats",
    "stratified_subset",
]


def _check_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"images must be a uint8 array of shape (n, height, width), got"
            f" {images.dtype} array of shape {images.shape}"
        )
    return images


def stratified_subset(
    labels: np.ndarray, per_class: int, *, seed: int = 0
) -> np.ndarray:
    """Indices of ``per_class`` examples of every class in ``labels``, in random order.

    Every class present in ``labels`` contributes exactly ``per_class`` examples, drawn
    without replacement with ``np.random.default_rng(seed)``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must be a 1-D integer array, got {labels.dtype}"
            f" array of shape {labels.shape}"
        )
    if (
        isinstance(per_class, bool)
        or not isinstance(per_class, (int, np.integer))
        or per_class < 1
    ):
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}")
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) < per_class:
            raise ValueError(
                f"class {cls} has only {len(members)} examples,"
                f" fewer than per_class={per_class}"
            )
        chosen.append(rng.choice(members, per_class, replace=False))
    return rng.permutation(np.concatenate(chosen))


def pixel_stats(images: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of all pixels of ``images`` after scaling to [0, 1]."""
    scaled = _check_images(images).astype(np.float64) / 255.0
    return float(scaled.mean()), float(scaled.std())


def images_to_tensor(
    images: np.ndarray,
    mean: float = 0.0,
    std: float = 1.0,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Flatten uint8 images (n, h, w) to rows (n, h·w), scale to [0, 1], then standardise.

    Each pixel p becomes ``(p / 255 - mean) / std``; pass the training set's
    :func:`pixel_stats` for both the training and the test images.
    """
    images = _check_images(images)
    if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
        raise ValueError(
            f"mean must be finite and std a positive number, got {mean!r}, {std!r}"
        )
    flat = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return torch.as_tensor((flat - mean) / std, dtype=dtype, device=device)


def params_from_linears(linears: Sequence[nn.Linear]) -> dict[str, np.ndarray]:
    """The weights of a stack of ``nn.Linear`` layers as a :mod:`bookutils.foundations.mlp_numpy`
    dict.

    Layer ``l`` (1-based) gives ``W{l}`` (out, in) and ``b{l}`` (out,), copied to float64
    NumPy arrays, so the NumPy MLP of chapter 3.1 computes the same function.
    """
    linears = list(linears)
    if not linears or not all(isinstance(m, nn.Linear) for m in linears):
        raise TypeError(
            "expected a non-empty sequence of torch.nn.Linear layers, got"
            f" {[type(m).__name__ for m in linears]}"
        )
    params: dict[str, np.ndarray] = {}
    for layer, (m, nxt) in enumerate(
        zip(linears, [*linears[1:], None], strict=True), 1
    ):
        if m.bias is None:
            raise ValueError(
                f"layer {layer} has no bias; the NumPy MLP expects one"
            )
        if nxt is not None and nxt.in_features != m.out_features:
            raise ValueError(
                f"layer {layer} outputs {m.out_features} features but layer"
                f" {layer + 1} expects {nxt.in_features}"
            )
        params[f"W{layer}"] = m.weight.detach().cpu().double().numpy().copy()
        params[f"b{layer}"] = m.bias.detach().cpu().double().numpy().copy()
    return params
