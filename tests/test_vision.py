"""Tests for bookutils.tasks.vision (chapter 6.2): conv2d against F.conv2d, IoU, segmentation
metrics and the synthetic data generators; plus the self-check's wiring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows

from bookutils.checks.vision import check_box_iou, iou_reference
from bookutils.metrics import confusion_matrix
from bookutils.tasks import vision
from bookutils.tasks.vision import (
    SHAPE_CLASSES,
    box_area,
    box_iou,
    conv2d,
    conv_output_size,
    make_detection_data,
    make_segmentation_data,
    mean_iou,
    pixel_accuracy,
)


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 2), (2, 1), (3, 0)])
def test_conv2d_matches_torch_values_and_gradients(stride, padding):
    g = torch.Generator().manual_seed(stride * 10 + padding)
    x = torch.randn(
        2, 3, 10, 7, generator=g, dtype=torch.float64, requires_grad=True
    )
    w = torch.randn(
        5, 3, 3, 2, generator=g, dtype=torch.float64, requires_grad=True
    )
    b = torch.randn(5, generator=g, dtype=torch.float64, requires_grad=True)
    ours = conv2d(x, w, b, stride=stride, padding=padding)
    theirs = F.conv2d(x, w, b, stride=stride, padding=padding)
    assert torch.allclose(ours, theirs, atol=1e-12)
    grads = torch.autograd.grad(ours.square().sum(), (x, w, b))
    expected = torch.autograd.grad(theirs.square().sum(), (x, w, b))
    for a, e in zip(grads, expected, strict=True):
        assert torch.allclose(a, e, atol=1e-10)
    assert torch.allclose(
        conv2d(x, w, stride=stride, padding=padding),
        F.conv2d(x, w, stride=stride, padding=padding),
        atol=1e-12,
    )


def test_conv2d_bad_input():
    x, w = torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3)
    with pytest.raises(TypeError, match="torch tensors"):
        conv2d(x.numpy(), w)
    with pytest.raises(ValueError, match="batch, C_in"):
        conv2d(x[0], w)
    with pytest.raises(ValueError, match="channels"):
        conv2d(torch.zeros(1, 4, 5, 5), w)
    with pytest.raises(ValueError, match="bias"):
        conv2d(x, w, torch.zeros(2))
    with pytest.raises(ValueError, match="larger than"):
        conv2d(torch.zeros(1, 2, 2, 2), w)


def test_conv_output_size():
    assert conv_output_size(28, 3, padding=1) == 28
    assert conv_output_size(64, 5, stride=2, padding=2) == 32
    assert conv_output_size(7, 3, stride=3) == 2
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(5, 3, stride=0)


def test_box_area_and_iou_hand_cases():
    a = np.array([[0, 0, 2, 2], [0, 0, 4, 4], [0, 0, 1, 1]], float)
    b = np.array([[1, 1, 3, 3], [2, 2, 3, 3]], float)
    assert np.array_equal(box_area(a), [4, 16, 1])
    assert np.allclose(box_iou(a, b), [[1 / 7, 0], [1 / 4, 1 / 16], [0, 0]])
    assert np.allclose(box_iou(b, a), box_iou(a, b).T)
    assert box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]])[0, 0] == 0  # empty boxes
    assert iou_reference((0, 0, 2, 1), (1, 2, 3, 3)) == 0


def test_box_iou_matches_pixel_counting():
    rng = np.random.default_rng(0)
    for _ in range(50):
        boxes = np.sort(
            rng.integers(0, 12, size=(2, 2, 2)), axis=1
        )  # integer corners
        boxes = boxes.transpose(0, 2, 1).reshape(2, 4)[:, [0, 2, 1, 3]]
        masks = np.zeros((2, 12, 12), bool)
        for m, (x1, y1, x2, y2) in zip(masks, boxes, strict=True):
            m[y1:y2, x1:x2] = True
        union = np.sum(masks[0] | masks[1])
        expected = np.sum(masks[0] & masks[1]) / union if union else 0.0
        assert np.isclose(box_iou(boxes[:1], boxes[1:])[0, 0], expected)


def test_box_bad_input():
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        box_iou(np.zeros(4), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="x1 <= x2"):
        box_area([[2, 0, 1, 1]])


def test_segmentation_metrics_hand_case():
    target = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 0, 0]])
    pred = np.array([[0, 0, 1, 0], [0, 1, 1, 1], [2, 0, 0, 0]])
    assert np.array_equal(
        confusion_matrix(target, pred, 3), [[5, 1, 0], [1, 3, 0], [1, 0, 1]]
    )
    assert pixel_accuracy(pred, target) == 0.75
    assert np.isclose(mean_iou(pred, target, 3), (5 / 8 + 3 / 5 + 1 / 2) / 3)
    assert mean_iou(target, target, 5) == 1.0  # absent classes are skipped


def test_segmentation_metrics_match_torch():
    rng = np.random.default_rng(1)
    pred, target = rng.integers(0, 4, (3, 9, 9)), rng.integers(0, 4, (3, 9, 9))
    p, t = torch.tensor(pred).ravel(), torch.tensor(target).ravel()
    ious = [
        ((p == k) & (t == k)).sum() / ((p == k) | (t == k)).sum() for k in range(4)
    ]
    assert np.isclose(mean_iou(pred, target, 4), torch.stack(ious).mean().item())
    assert np.isclose(pixel_accuracy(pred, target), (p == t).float().mean().item())


def test_segmentation_metrics_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        pixel_accuracy(np.zeros(3, int), np.zeros(4, int))
    with pytest.raises(TypeError, match="integer"):
        mean_iou(np.zeros(3), np.zeros(3), 2)
    with pytest.raises(ValueError, match="labels must lie"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="empty"):
        pixel_accuracy(np.zeros(0, int), np.zeros(0, int))


def test_detection_data():
    images, boxes, labels = make_detection_data(40, seed=0)
    again = make_detection_data(40, seed=0)
    assert np.array_equal(images, again[0]) and np.array_equal(boxes, again[1])
    assert images.shape == (40, 1, 32, 32) and images.dtype == np.float32
    assert set(labels) <= {0, 1}
    clean, clean_boxes, _ = make_detection_data(20, seed=1, noise=0.0)
    for img, (x1, y1, x2, y2) in zip(
        clean[:, 0], clean_boxes.astype(int), strict=True
    ):
        rows, cols = np.nonzero(img)  # the box is tight
        assert (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1) == (
            x1,
            y1,
            x2,
            y2,
        )
    with pytest.raises(ValueError, match="size"):
        make_detection_data(3, size=8)


def test_segmentation_data():
    images, masks = make_segmentation_data(30, seed=0)
    assert images.shape == (30, 1, 24, 24) and masks.shape == (30, 24, 24)
    assert set(np.unique(masks)) <= set(range(len(SHAPE_CLASSES)))
    assert np.all(masks.reshape(30, -1).max(1) > 0)  # every image has a shape
    clean, clean_masks = make_segmentation_data(10, seed=1, noise=0.0)
    assert np.array_equal(clean[:, 0] > 0, clean_masks > 0)
    with pytest.raises(ValueError, match="max_shapes"):
        make_segmentation_data(3, max_shapes=0)


def test_check_box_iou_wiring(capsys):
    assert check_box_iou(iou_reference)
    assert not check_box_iou(lambda a, b: 0.5)
    assert "wrong answer" in capsys.readouterr().out


LESSON_NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "06_applications" / "6_2_vision.ipynb"
)


def test_chapter_6_2_shows_the_lesson_code():
    assert_notebook_shows(
        LESSON_NOTEBOOK,
        vision,
        {
            "conv_output_size",
            "conv2d",
            "box_area",
            "box_iou",
            "pixel_accuracy",
            "mean_iou",
        },
    )
