"""Preprocessing and augmentation of grey images such as Fashion-MNIST (chapter 9.3).

Images are NumPy arrays of shape (n, height, width). Normalisation statistics come from the
training images only; augmentations make new training images that keep their labels:
small shifts (the vacated pixels become 0, the background), left-right flips and Gaussian
noise. Random choices come from a ``numpy.random.Generator`` passed in, so runs repeat.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

__all__ = [
    "add_noise",
    "augment",
    "fit_normalization",
    "horizontal_flip",
    "normalize",
    "random_shift",
    "shift_image",
]


def _images(images: object) -> np.ndarray:
    if not isinstance(images, np.ndarray) or images.ndim != 3:
        raise TypeError(
            "images must be a NumPy array of shape (n, height, width), got "
            + (
                f"shape {images.shape}"
                if isinstance(images, np.ndarray)
                else type(images).__name__
            )
        )
    return images


def _rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)),"
            f" got {type(rng).__name__}"
        )
    return rng


def _non_negative(name: str, value: object, *, integer: bool = False) -> float:
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(
            f"{name} must be {'an integer' if integer else 'a real number'},"
            f" got {type(value).__name__}"
        )
    if not value >= 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


def fit_normalization(images: np.ndarray) -> tuple[float, float]:
    """The mean and standard deviation of all pixels of the (training) images."""
    x = _images(images).astype(np.float64)
    std = float(x.std())
    if std == 0.0:
        raise ValueError("the images are constant: their standard deviation is 0")
    return float(x.mean()), std


def normalize(images: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``(images - mean) / std`` as float32: pixels centred on 0 with spread about 1."""
    x = _images(images)
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    return ((x.astype(np.float64) - mean) / std).astype(np.float32)


def shift_image(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move the content of one 2-D image ``dx`` pixels right and ``dy`` pixels down.

    Negative values move it left or up. Pixels shifted out are lost and the vacated ones are
    0; nothing wraps round to the other side.
    """
    _check_shift(image, dx, dy)
    h, w = image.shape
    out = np.zeros_like(image)  # vacated pixels stay 0, the background
    if abs(dx) >= w or abs(dy) >= h:  # the content moved out entirely
        return out
    # pixel (r, c) moves to (r + dy, c + dx); copy the part that stays inside
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = image[
        max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def _check_shift(image: object, dx: object, dy: object) -> None:
    if not isinstance(image, np.ndarray) or image.ndim != 2:
        raise TypeError("image must be a 2-D NumPy array (height, width)")
    for name, v in (("dx", dx), ("dy", dy)):
        if isinstance(v, bool) or not isinstance(v, Integral):
            raise TypeError(f"{name} must be an integer, got {type(v).__name__}")


def _shift_batch(x: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """:func:`shift_image` for a batch ``(n, height, width)``, all by the same offset."""
    h, w = x.shape[-2:]
    out = np.zeros_like(x)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        ..., max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def random_shift(
    images: np.ndarray, max_shift: int, rng: np.random.Generator
) -> np.ndarray:
    """Shift every image by its own random (dx, dy), each uniform in [-max_shift, max_shift]."""
    x = _images(images)
    m = int(_non_negative("max_shift", max_shift, integer=True))
    rng = _rng(rng)
    offsets = rng.integers(-m, m + 1, size=(len(x), 2))
    out = np.empty_like(x)
    for dx, dy in {
        (int(a), int(b)) for a, b in offsets
    }:  # one slice per distinct shift
        rows = (offsets[:, 0] == dx) & (offsets[:, 1] == dy)
        out[rows] = _shift_batch(x[rows], dx, dy)
    return out


def horizontal_flip(
    images: np.ndarray, p: float, rng: np.random.Generator
) -> np.ndarray:
    """Mirror each image left-right with probability ``p``."""
    x = _images(images)
    p = float(_non_negative("p", p))
    if p > 1:
        raise ValueError(f"p must be a probability in [0, 1], got {p}")
    flip = _rng(rng).random(len(x)) < p
    out = x.copy()
    out[flip] = x[flip, :, ::-1]
    return out


def add_noise(
    images: np.ndarray, std: float, rng: np.random.Generator
) -> np.ndarray:
    """Add independent Gaussian noise of standard deviation ``std`` to every pixel."""
    x = _images(images)
    std = float(_non_negative("std", std))
    return (x + _rng(rng).normal(0.0, std, size=x.shape)).astype(x.dtype)


def augment(
    images: np.ndarray,
    rng: np.random.Generator,
    *,
    max_shift: int = 2,
    flip_p: float = 0.5,
    noise_std: float = 0.0,
) -> np.ndarray:
    """Random shift, then random left-right flip, then noise: one fresh view of each image."""
    x = random_shift(images, max_shift, rng)
    x = horizontal_flip(x, flip_p, rng)
    return add_noise(x, noise_std, rng) if noise_std > 0 else x
