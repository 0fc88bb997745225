"""Tests for bookutils.metrics (ImageNet, COCO, SQuAD metrics) and the chapter-7.3 checks.

box_iou is bookutils.tasks.vision's (chapter 6.2); it is tested here again as COCO uses it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import top_k_accuracy_score

from bookutils.checks.metrics import check_token_f1
from bookutils.metrics import (
    accuracy,
    average_precision,
    confusion_matrix,
    exact_match,
    match_detections,
    normalize_answer,
    token_f1,
    topk_accuracy,
    xywh_to_xyxy,
)
from bookutils.tasks.vision import box_iou


def test_topk_accuracy_matches_sklearn_and_torch():
    rng = np.random.default_rng(0)
    scores, labels = rng.normal(size=(200, 12)), rng.integers(0, 12, 200)
    for k in (1, 2, 5, 11):
        ours = topk_accuracy(scores, labels, k)
        assert np.isclose(
            ours, top_k_accuracy_score(labels, scores, k=k, labels=range(12))
        )
        top = torch.topk(torch.from_numpy(scores), k, dim=1).indices
        hit = (top == torch.from_numpy(labels)[:, None]).any(dim=1)
        assert np.isclose(ours, hit.double().mean().item())


def test_topk_accuracy_bad_input():
    with pytest.raises(ValueError, match="labels"):
        topk_accuracy(np.zeros((3, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="k must"):
        topk_accuracy(np.zeros((3, 4)), np.zeros(3), k=5)


def test_xywh_to_xyxy():
    np.testing.assert_array_equal(xywh_to_xyxy([[1, 2, 3, 4]]), [[1, 2, 4, 6]])
    with pytest.raises(ValueError, match="4 numbers"):
        xywh_to_xyxy([1, 2, 3])


def _torch_box_iou(a, b):
    """The same IoU rebuilt with torch operations, as an independent check."""
    a, b = (
        torch.as_tensor(a, dtype=torch.float64),
        torch.as_tensor(b, dtype=torch.float64),
    )
    low = torch.maximum(a[:, None, :2], b[None, :, :2])
    high = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (high - low).clamp(min=0).prod(-1)
    area_a, area_b = (a[:, 2:] - a[:, :2]).prod(-1), (b[:, 2:] - b[:, :2]).prod(-1)
    return (inter / (area_a[:, None] + area_b[None] - inter)).numpy()


def test_box_iou_hand_cases_and_torch():
    assert np.isclose(box_iou([[0, 0, 2, 2]], [[1, 0, 3, 2]])[0, 0], 1 / 3)
    assert box_iou([[0, 0, 1, 1]], [[1, 1, 2, 2]])[0, 0] == 0.0
    assert box_iou([[0, 0, 0, 0]], [[0, 0, 0, 0]])[0, 0] == 0.0  # empty boxes
    rng = np.random.default_rng(1)
    corners = rng.uniform(0, 10, size=(2, 30, 2))
    a = np.concatenate(
        [corners[0], corners[0] + rng.uniform(0.1, 5, (30, 2))], axis=1
    )
    b = np.concatenate(
        [corners[1], corners[1] + rng.uniform(0.1, 5, (30, 2))], axis=1
    )
    np.testing.assert_allclose(box_iou(a, b), _torch_box_iou(a, b), rtol=1e-12)


def test_box_iou_bad_input():
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        box_iou(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="x1 <= x2"):
        box_iou([[2, 0, 1, 1]], [[0, 0, 1, 1]])


def test_match_detections_greedy_by_score():
    gt = [[0, 0, 10, 10], [20, 20, 30, 30]]
    dets = [[1, 1, 10, 10], [0, 0, 10, 9], [21, 21, 30, 30], [50, 50, 60, 60]]
    scores, tp = match_detections(dets, [0.5, 0.9, 0.8, 0.7], gt, 0.5)
    np.testing.assert_array_equal(scores, [0.9, 0.8, 0.7, 0.5])
    assert tp.tolist() == [True, True, False, False]  # the 0.5 box is a duplicate
    _, tp = match_detections(dets, [0.5, 0.9, 0.8, 0.7], np.zeros((0, 4)), 0.5)
    assert not tp.any()
    with pytest.raises(ValueError, match="one score per box"):
        match_detections(dets, [0.5], gt)
    with pytest.raises(ValueError, match="iou_threshold"):
        match_detections(dets, [0.1] * 4, gt, 0.0)


def test_average_precision_hand_cases():
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    assert np.isclose(
        average_precision(s, np.array([1, 0, 1, 0, 1], bool), 3), 76.4 / 101
    )
    assert average_precision(s, np.zeros(5, bool), 3) == 0.0
    assert average_precision(np.array([]), np.array([], bool), 2) == 0.0
    # both objects found by the first two detections: precision 1 at every recall
    assert (
        average_precision(s, np.array([1, 1, 0, 0, 0], bool), 2, recall_points=11)
        == 1.0
    )
    with pytest.raises(ValueError, match="n_gt"):
        average_precision(s, np.ones(5, bool), 0)
    with pytest.raises(ValueError, match="one length"):
        average_precision(s, np.ones(4, bool), 3)


def test_squad_normalisation_and_scores():
    assert normalize_answer("The  Cat, a dog!") == "cat dog"
    assert exact_match("the cat", ["a dog", "Cat"]) == 1.0
    assert exact_match("cat", "dog") == 0.0
    assert np.isclose(token_f1("in Paris, France", "Paris"), 0.5)
    assert token_f1("x", ["y", "x"]) == 1.0
    with pytest.raises(TypeError, match="string"):
        normalize_answer(3)
    with pytest.raises(ValueError, match="at least one"):
        exact_match("a", [])
    with pytest.raises(ValueError, match="at least one"):
        token_f1("a", [])
    with pytest.raises(TypeError, match="prediction"):
        token_f1(None, "a")


def test_self_checks_pass_the_book_functions():
    assert check_token_f1(token_f1)


def test_token_f1_counts_repeats_on_both_sides_by_hand():
    # "x y y z" vs "y y y w": the common multiset is {y, y}, so P = R = 2/4 and F1 = 1/2;
    # counted as sets it would be {y}: P = 1/3, R = 1/2, F1 = 0.4.
    assert math.isclose(token_f1("x y y z", "y y y w"), 0.5), (
        "token_f1 must count repeats"
    )
    # Case, punctuation and articles go before counting: "The Tower, tower!" -> [tower, tower].
    assert math.isclose(
        token_f1("The Tower, tower!", "tower"), 2 * 0.5 * 1 / 1.5
    ), "token_f1"


def test_average_precision_envelope_lifts_a_later_precision_by_hand():
    # hits at ranks 1, 4, 5 of 3 objects: precision 1, 1/2, 1/3, 1/2, 3/5; the envelope
    # (best precision at any higher recall) is 1, 3/5, 3/5, 3/5, 3/5. Recall 1/3 is first
    # reached at rank 1, 2/3 at rank 4 (raw 1/2, envelope 3/5), 1 at rank 5. On the
    # 101-point grid: 34 points read 1 (0..0.33), 33 read 3/5 (0.34..0.66), 34 read 3/5.
    # Without the envelope the middle 33 would read 1/2: 70.9 / 101 instead of 74.2 / 101.
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    ap = average_precision(s, np.array([1, 0, 0, 1, 1], bool), 3)
    assert math.isclose(ap, (34 + 33 * 0.6 + 34 * 0.6) / 101), (
        f"average_precision {ap}, expected 74.2/101 = {74.2 / 101}"
    )
    # the same detections given out of order: ranking is by score, not by position
    perm = np.array([4, 2, 0, 3, 1])
    ap_shuffled = average_precision(
        s[perm], np.array([1, 0, 0, 1, 1], bool)[perm], 3
    )
    assert math.isclose(ap_shuffled, ap), (
        f"average_precision {ap_shuffled} on shuffled input, {ap} in order"
    )


def test_accuracy_by_hand_in_eval_mode_and_restores_training():
    # logits = X itself: rows predict 1, 0, 2, 2; labels 1, 0, 0, 2 -> 3 of 4 right.
    # The dropout (p=0.9) must be off while counting, and training mode restored after.
    identity = torch.nn.Linear(3, 3)
    with torch.no_grad():
        identity.weight.copy_(torch.eye(3))
        identity.bias.zero_()
    model = torch.nn.Sequential(identity, torch.nn.Dropout(0.9))
    X = torch.tensor(
        [[0.0, 2.0, 1.0], [3.0, 1.0, 0.0], [0.0, 1.0, 5.0], [1.0, 0, 4]]
    )
    y = torch.tensor([1, 0, 0, 2])
    torch.manual_seed(0)
    acc = accuracy(model.train(), X, y)
    assert acc == 0.75, f"accuracy {acc}, expected 3/4"
    assert model.training, "accuracy must restore the training mode"
    assert accuracy(model.eval(), X, y) == 0.75 and not model.training


def test_accuracy_of_a_model_without_parameters_and_of_a_function():
    X = torch.tensor([[0.0, 2.0], [3.0, 1.0], [1.0, 0.0]])
    y = torch.tensor([1, 0, 1])
    assert accuracy(torch.nn.Identity(), X, y) == pytest.approx(2 / 3)
    with pytest.raises(TypeError, match="must be a torch.nn.Module, got function"):
        accuracy(lambda x: x, X, y)


def test_confusion_matrix_by_hand_with_an_absent_class():
    # class 1 never occurs and class 3 (the last) neither: the matrix is still 4 x 4
    C = confusion_matrix(np.array([0, 0, 2, 2, 2]), np.array([0, 2, 2, 0, 2]), 4)
    expected = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
    assert C.shape == (4, 4) and np.array_equal(C, expected), (
        f"confusion_matrix gave\n{C}\nexpected\n{expected}"
    )
    assert np.issubdtype(C.dtype, np.integer), f"confusion_matrix dtype {C.dtype}"


def test_match_detections_falls_back_to_the_next_unmatched_box_by_hand():
    # Two overlapping objects. The 0.9 detection is object 1 exactly. The 0.8 detection
    # overlaps object 1 most (IoU 95/105) but it is taken; its IoU with object 2 is
    # 85/115 = 0.74 >= 0.5, so it matches object 2: two true positives.
    gt = [[0, 0, 10, 10], [2, 0, 12, 10]]
    dets = [[0.5, 0, 10.5, 10], [0, 0, 10, 10]]
    scores, tp = match_detections(dets, [0.8, 0.9], gt, 0.5)
    assert scores.tolist() == [0.9, 0.8] and tp.tolist() == [True, True], (
        f"match_detections gave scores {scores.tolist()}, true positives {tp.tolist()}"
    )
    # an IoU exactly at the threshold counts: [0, 0, 1, 1] covers half of [0, 0, 2, 1]
    _, tp = match_detections([[0, 0, 1, 1]], [0.5], [[0, 0, 2, 1]], 0.5)
    assert tp.tolist() == [True], f"IoU 0.5 at threshold 0.5: {tp.tolist()}"
