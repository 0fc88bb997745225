"""Tests for bookutils.training.augment and its self-check's wrong implementations."""

from pathlib import Path

import numpy as np
import pytest
import torch
from lesson_code import assert_notebook_shows

from bookutils.checks.augment import MISTAKES, check_shift_image
from bookutils.training import augment as augment_module
from bookutils.training.augment import (
    add_noise,
    augment,
    fit_normalization,
    horizontal_flip,
    normalize,
    random_shift,
    shift_image,
)


def test_normalization_round_trip():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(20, 5, 5)).astype(np.float32)
    mean, std = fit_normalization(x)
    z = normalize(x, mean, std)
    assert (
        z.dtype == np.float32 and abs(z.mean()) < 1e-6 and abs(z.std() - 1) < 1e-5
    )
    with pytest.raises(ValueError, match="constant"):
        fit_normalization(np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match="std"):
        normalize(x, 0.0, 0.0)
    with pytest.raises(TypeError, match="shape"):
        fit_normalization(np.ones((3, 3)))


def test_shift_image_matches_torch_pad_and_crop():
    rng = np.random.default_rng(1)
    image = rng.normal(size=(6, 7))
    for dx in range(-8, 9):
        for dy in range(-7, 8):
            padded = torch.nn.functional.pad(torch.tensor(image), (8, 8, 8, 8))
            expected = padded[8 - dy : 8 - dy + 6, 8 - dx : 8 - dx + 7].numpy()
            assert np.array_equal(shift_image(image, dx, dy), expected), (dx, dy)


def test_shift_image_bad_input():
    with pytest.raises(TypeError, match="2-D"):
        shift_image(np.ones((1, 3, 3)), 1, 1)
    with pytest.raises(TypeError, match="dx must be an integer"):
        shift_image(np.ones((3, 3)), 1.5, 0)


def test_random_shift_flip_noise():
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(300, 8, 8))
    moved = random_shift(x, 1, np.random.default_rng(3))
    offsets = np.random.default_rng(3).integers(-1, 2, size=(300, 2))
    for img, out, (dx, dy) in zip(x, moved, offsets, strict=True):
        assert np.array_equal(out, shift_image(img, int(dx), int(dy)))
    flipped = horizontal_flip(x, 0.5, np.random.default_rng(4))
    mirrored = np.all(flipped == x[:, :, ::-1], axis=(1, 2))
    assert (
        np.all(mirrored | np.all(flipped == x, axis=(1, 2)))
        and 100 < mirrored.sum() < 200
    )
    noisy = add_noise(x, 0.5, np.random.default_rng(5))
    assert noisy.dtype == x.dtype and abs((noisy - x).std() - 0.5) < 0.01
    a = augment(x, np.random.default_rng(6), max_shift=2, flip_p=0.5, noise_std=0.1)
    b = augment(x, np.random.default_rng(6), max_shift=2, flip_p=0.5, noise_std=0.1)
    assert a.shape == x.shape and np.array_equal(a, b)  # seeded: repeatable


def test_augment_bad_input():
    x = np.zeros((2, 4, 4))
    with pytest.raises(TypeError, match="Generator"):
        random_shift(x, 1, 0)
    with pytest.raises(ValueError, match="max_shift"):
        random_shift(x, -1, np.random.default_rng())
    with pytest.raises(TypeError, match="max_shift must be an integer"):
        random_shift(x, 1.5, np.random.default_rng())
    with pytest.raises(ValueError, match="probability"):
        horizontal_flip(x, 1.5, np.random.default_rng())
    with pytest.raises(ValueError, match="std"):
        add_noise(x, -0.1, np.random.default_rng())
    with pytest.raises(TypeError, match="images"):
        augment([[1.0]], np.random.default_rng())


def test_shift_check_names_each_mistake(capsys):
    assert check_shift_image(shift_image)
    for mistake in MISTAKES:
        result = check_shift_image(mistake.impl)
        assert not result and result.messages[-1] == f"  Hint: {mistake.hint}"


NOTEBOOK_9_3 = (
    Path(__file__).parents[1] / "notebooks/09_faq/9_3_efficient_training.ipynb"
)


def test_chapter_9_3_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(NOTEBOOK_9_3, augment_module, {"shift_image"})
