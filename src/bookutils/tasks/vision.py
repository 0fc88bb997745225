"""Computer vision pieces for chapter 6.2: a from-scratch 2-D convolution, box IoU,
segmentation scores, and generators of synthetic images for detection and segmentation.

``conv_output_size``, ``conv2d``, ``box_area``, ``box_iou``, ``pixel_accuracy`` and
``mean_iou`` are shown in notebook 6.2 as code cells; a test keeps them identical to this file.

Boxes are ``(x1, y1, x2, y2)`` in pixel coordinates with ``x1 < x2`` and ``y1 < y2``: a box
``(0, 0, 2, 3)`` covers the pixels with column 0-1 and row 0-2, and has area 6.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .._validate import positive_int as _positive_int
from ..metrics import confusion_matrix

__all__ = [
    "SHAPE_CLASSES",
    "box_area",
    "box_iou",
    "conv2d",
    "conv_output_size",
    "make_detection_data",
    "make_segmentation_data",
    "mean_iou",
    "pixel_accuracy",
]

#: The classes of :func:`make_segmentation_data`, by label.
SHAPE_CLASSES = ("background", "disc", "frame")


# --------------------------------------------------------------------------- convolution


def _check_conv_size(size: int, kernel: int, stride: int, padding: int) -> None:
    for name, value in (("size", size), ("kernel", kernel), ("stride", stride)):
        _positive_int(name, value)
    _positive_int("padding", padding, 0)
    if size + 2 * padding < kernel:
        raise ValueError(
            f"kernel {kernel} is larger than the padded input {size + 2 * padding}"
        )


def conv_output_size(
    size: int, kernel: int, *, stride: int = 1, padding: int = 0
) -> int:
    """Output length of a convolution along one axis: ``(size + 2p - k) // s + 1``."""
    _check_conv_size(size, kernel, stride, padding)
    return (size + 2 * padding - kernel) // stride + 1


def _check_conv(x: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("x and weight must be torch tensors")
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(
            f"x must be (batch, C_in, H, W) and weight (C_out, C_in, k_h, k_w),"
            f" got shapes {tuple(x.shape)} and {tuple(weight.shape)}"
        )
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels but weight expects {weight.shape[1]}"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(
            f"bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}"
        )


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
) -> Tensor:
    """2-D convolution (cross-correlation, as in deep learning) written out by hand.

    ``x``: ``(batch, C_in, H, W)``, ``weight``: ``(C_out, C_in, k_h, k_w)``, ``bias``:
    ``(C_out,)``. Output ``(batch, C_out, H_out, W_out)`` with
    ``out[b, o, i, j] = bias[o] + Σ_c Σ_u Σ_v weight[o, c, u, v] · x[b, c, i·s + u, j·s + v]``
    on the zero-padded input; the same as ``torch.nn.functional.conv2d``.
    """
    _check_conv(x, weight, bias)
    c_out, _, kh, kw = weight.shape
    h_out = conv_output_size(x.shape[2], kh, stride=stride, padding=padding)
    w_out = conv_output_size(x.shape[3], kw, stride=stride, padding=padding)
    x = torch.nn.functional.pad(x, (padding, padding, padding, padding))
    out = x.new_zeros(
        x.shape[0], c_out, h_out, w_out
    )  # (batch, C_out, H_out, W_out)
    for u in range(kh):  # one kernel offset at a time: a shifted, strided view
        for v in range(kw):
            patch = x[
                :,
                :,
                u : u + stride * (h_out - 1) + 1 : stride,
                v : v + stride * (w_out - 1) + 1 : stride,
            ]  # (batch, C_in, H_out, W_out): the pixels weight[:, :, u, v] multiplies
            out = out + torch.einsum("bchw,oc->bohw", patch, weight[:, :, u, v])
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out


# --------------------------------------------------------------------------- boxes


def _boxes(name: str, boxes: object) -> np.ndarray:
    b = np.asarray(boxes, dtype=float)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(
            f"{name} must have shape (n, 4) as (x1, y1, x2, y2), got {b.shape}"
        )
    if np.any(b[:, 2] < b[:, 0]) or np.any(b[:, 3] < b[:, 1]):
        raise ValueError(f"{name}: every box needs x1 <= x2 and y1 <= y2")
    return b


def box_area(boxes: np.ndarray) -> np.ndarray:
    """Areas ``(x2 - x1)·(y2 - y1)`` of ``(n, 4)`` boxes."""
    b = _boxes("boxes", boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """Intersection over union of every pair: ``(n, 4)`` and ``(m, 4)`` boxes give ``(n, m)``.

    Two boxes that do not overlap have IoU 0; two empty boxes have IoU 0 too.
    """
    a, b = _boxes("boxes1", boxes1), _boxes("boxes2", boxes2)
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])  # (n, m, 2)
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])  # (n, m, 2)
    wh = np.clip(bottom_right - top_left, 0, None)  # no overlap: width or height 0
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


# --------------------------------------------------------------------------- segmentation


def _labels(pred: object, target: object) -> tuple[np.ndarray, np.ndarray]:
    p, t = np.asarray(pred), np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {p.shape}, {t.shape}"
        )
    if p.size == 0:
        raise ValueError("pred and target are empty")
    if not (
        np.issubdtype(p.dtype, np.integer) and np.issubdtype(t.dtype, np.integer)
    ):
        raise TypeError("pred and target must hold integer class labels")
    return p.ravel(), t.ravel()


def pixel_accuracy(pred: np.ndarray, target: np.ndarray) -> float:
    """The fraction of pixels whose predicted class equals the true class."""
    p, t = _labels(pred, target)
    return float(np.mean(p == t))


def mean_iou(pred: np.ndarray, target: np.ndarray, num_classes: int) -> float:
    """Mean over classes of ``TP / (TP + FP + FN)``; a class absent from both is skipped."""
    p, t = _labels(pred, target)
    c = confusion_matrix(t, p, _positive_int("num_classes", num_classes))
    tp = np.diag(c).astype(float)
    union = c.sum(0) + c.sum(1) - tp
    present = union > 0
    return float(np.mean(tp[present] / union[present]))


# --------------------------------------------------------------------------- synthetic images


def _disc(size: int, cx: float, cy: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size] + 0.5
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r**2


def make_detection_data(
    n: int, *, size: int = 32, seed: int | None = None, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` grey images each holding one disc or one square frame, with its box and class.

    Returns ``images`` float32 ``(n, 1, size, size)``, ``boxes`` float32 ``(n, 4)`` as
    ``(x1, y1, x2, y2)`` (the tight box around the shape's pixels) and ``labels`` int64
    ``(n,)`` with 0 = disc and 1 = frame (a square outline 2 pixels thick). Gaussian noise
    of std ``noise`` is added.
    """
    n, size = _positive_int("n", n), _positive_int("size", size, 16)
    rng = np.random.default_rng(seed)
    images = rng.normal(0, noise, size=(n, 1, size, size)).astype(np.float32)
    boxes = np.zeros((n, 4), np.float32)
    labels = rng.integers(2, size=n)
    for i in range(n):
        side = int(rng.integers(size // 5, size // 2 + 1))
        x1, y1 = (int(v) for v in rng.integers(0, size - side + 1, size=2))
        if labels[i] == 0:
            mask = _disc(size, x1 + side / 2, y1 + side / 2, side / 2)
        else:  # a square frame, 2 pixels thick
            mask = np.zeros((size, size), bool)
            mask[y1 : y1 + side, x1 : x1 + side] = True
            mask[y1 + 2 : y1 + side - 2, x1 + 2 : x1 + side - 2] = False
        images[i, 0][mask] += rng.uniform(0.6, 1.0)
        rows, cols = np.nonzero(mask)
        boxes[i] = cols.min(), rows.min(), cols.max() + 1, rows.max() + 1
    return images, boxes, labels.astype(np.int64)


def make_segmentation_data(
    n: int,
    *,
    size: int = 24,
    seed: int | None = None,
    max_shapes: int = 3,
    noise: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` grey images of 1 to ``max_shapes`` discs and square frames, and their masks.

    Returns ``images`` float32 ``(n, 1, size, size)`` and ``masks`` int64 ``(n, size, size)``
    with the classes of :data:`SHAPE_CLASSES` (0 background, 1 disc, 2 frame: a square
    outline 2 pixels thick); a shape drawn later covers earlier ones. Every shape has a
    random brightness, so only its form tells the two classes apart.
    """
    n, size = _positive_int("n", n), _positive_int("size", size, 12)
    max_shapes = _positive_int("max_shapes", max_shapes)
    rng = np.random.default_rng(seed)
    images = rng.normal(0, noise, size=(n, 1, size, size)).astype(np.float32)
    masks = np.zeros((n, size, size), np.int64)
    for i in range(n):
        for _ in range(int(rng.integers(1, max_shapes + 1))):
            side = int(rng.integers(size // 4, size // 2))
            x1, y1 = (int(v) for v in rng.integers(0, size - side + 1, size=2))
            kind = int(rng.integers(1, 3))
            if kind == 1:
                region = _disc(size, x1 + side / 2, y1 + side / 2, side / 2)
            else:  # a square frame, 2 pixels thick
                region = np.zeros((size, size), bool)
                region[y1 : y1 + side, x1 : x1 + side] = True
                region[y1 + 2 : y1 + side - 2, x1 + 2 : x1 + side - 2] = False
            masks[i][region] = kind
            images[i, 0][region] = rng.uniform(0.5, 1.0) + rng.normal(
                0, noise, region.sum()
            )
    return images, masks
