"""The book's metrics, one home each: classification, and three benchmark data sets.

- Classification: :func:`accuracy` of a torch model and :func:`confusion_matrix` (rows are
  the true class, as in scikit-learn's ``confusion_matrix(y_true, y_pred)``).

- ImageNet: top-k accuracy (:func:`topk_accuracy`).
- COCO: intersection over union of boxes (:func:`bookutils.tasks.vision.box_iou`, from chapter
  6.2, used here and not written twice), greedy matching of detections to
  ground truth (:func:`match_detections`) and 101-point interpolated average precision
  (:func:`average_precision`).
- SQuAD: exact match and token F1 after the official answer normalisation
  (:func:`normalize_answer`, :func:`exact_match`, :func:`token_f1`).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np
import torch


@torch.no_grad()
def accuracy(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of rows of ``X`` whose highest logit is at the label in ``y``.

    Runs without gradients, in evaluation mode and on the model's device (``X``'s device
    for a model without parameters); the model's training mode is restored afterwards.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}: wrap a"
            " function in a module, or compare its argmax with y yourself"
        )
    if not isinstance(X, torch.Tensor) or X.ndim < 1:
        raise TypeError(f"X must be a torch.Tensor of rows, got {type(X).__name__}")
    if not isinstance(y, torch.Tensor) or y.shape != (len(X),):
        raise ValueError(
            f"y must be a tensor of {len(X)} labels, one per row of X, got"
            f" {tuple(getattr(y, 'shape', ()))}"
        )
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters(), X).device
        predicted = model(X.to(device)).argmax(dim=-1).cpu()
    finally:
        model.train(was_training)
    return (predicted == y.cpu()).float().mean().item()


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int
) -> np.ndarray:
    """Counts ``C[i, j]`` of examples (or pixels) of true class ``i`` predicted as class ``j``.

    The argument order is scikit-learn's. ``y_true`` and ``y_pred`` are integer labels of
    the same shape (a segmentation mask counts pixel by pixel). The diagonal holds the
    correct predictions, so ``C.trace() / C.sum()`` is the accuracy, and row ``i`` sums to
    the number of examples of class ``i``.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise ValueError(
            f"num_classes must be a positive integer, got {num_classes!r}"
        )
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got shapes"
            f" {y_true.shape} and {y_pred.shape}"
        )
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"{name} must hold integer class labels, got {y.dtype}")
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(
                f"{name}: labels must lie in 0..{num_classes - 1}, got"
                f" {y.min()}..{y.max()}"
            )
    counts = np.bincount(
        y_true.ravel() * num_classes + y_pred.ravel(),
        minlength=num_classes * num_classes,
    )
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int = 1) -> float:
    """Fraction of rows whose true label is among the ``k`` highest scores of that row."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)
    if scores.ndim != 2 or labels.shape != (scores.shape[0],):
        raise ValueError(
            f"need scores (n, C) and labels (n,), got {scores.shape}, "
            f"{labels.shape}"
        )
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be an int in 1..{scores.shape[1]}, got {k!r}")
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """COCO boxes ``[x, y, width, height]`` to corners ``[x1, y1, x2, y2]``."""
    boxes = np.asarray(boxes, dtype=float)
    if boxes.shape[-1] != 4:
        raise ValueError(f"boxes must end in 4 numbers, got shape {boxes.shape}")
    return np.concatenate(
        [boxes[..., :2], boxes[..., :2] + boxes[..., 2:]], axis=-1
    )


def match_detections(
    det_boxes: np.ndarray,
    det_scores: np.ndarray,
    gt_boxes: np.ndarray,
    iou_threshold: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy matching of one image's detections (one class) to its ground-truth boxes.

    In order of falling score, each detection takes the unmatched ground-truth box it overlaps
    most, if that IoU is at least ``iou_threshold`` (a true positive); otherwise it is a false
    positive. Returns the scores in falling order and a boolean array "true positive".
    """
    det_boxes = np.asarray(det_boxes, dtype=float).reshape(-1, 4)
    det_scores = np.asarray(det_scores, dtype=float)
    gt_boxes = np.asarray(gt_boxes, dtype=float).reshape(-1, 4)
    if det_scores.shape != (det_boxes.shape[0],):
        raise ValueError(
            f"need one score per box, got {det_scores.shape} for "
            f"{det_boxes.shape[0]} boxes"
        )
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in (0, 1], got {iou_threshold}")
    order = np.argsort(-det_scores, kind="stable")
    taken = np.zeros(len(gt_boxes), dtype=bool)
    tp = np.zeros(len(order), dtype=bool)
    from .tasks.vision import box_iou  # here: tasks.vision uses confusion_matrix

    ious = (
        box_iou(det_boxes[order], gt_boxes)
        if len(gt_boxes) and len(order)
        else None
    )
    for i in range(len(order)):
        if ious is None:
            break
        candidates = np.where(taken, -1.0, ious[i])
        j = int(np.argmax(candidates))
        if candidates[j] >= iou_threshold:
            taken[j], tp[i] = True, True
    return det_scores[order], tp


def average_precision(
    scores: np.ndarray, is_tp: np.ndarray, n_gt: int, recall_points: int = 101
) -> float:
    """Interpolated average precision, as COCO computes it (101 recall points by default).

    Detections are ranked by score. After each, precision and recall are computed; the
    precision is made non-increasing in recall (each value replaced by the best precision
    at any higher recall), then read at recall ``0, 0.01, ..., 1`` (0 where the recall is
    never reached) and averaged.
    """
    scores, is_tp = np.asarray(scores, dtype=float), np.asarray(is_tp, dtype=bool)
    if scores.shape != is_tp.shape or scores.ndim != 1:
        raise ValueError(
            f"scores and is_tp must be 1-D of one length, got {scores.shape}, "
            f"{is_tp.shape}"
        )
    if not isinstance(n_gt, (int, np.integer)) or n_gt < 1:
        raise ValueError(f"n_gt must be a positive int, got {n_gt!r}")
    if scores.size == 0:
        return 0.0  # nothing detected: no recall reached
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(is_tp[order])
    recall = hits / n_gt
    precision = hits / np.arange(1, len(order) + 1)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    grid = np.linspace(0, 1, recall_points)
    first = np.searchsorted(
        recall, grid, side="left"
    )  # first rank reaching each recall
    reached = first < len(order)
    return float(
        np.mean(np.where(reached, envelope[np.minimum(first, len(order) - 1)], 0.0))
    )


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    if not isinstance(text, str):
        raise TypeError(f"expected a string, got {type(text).__name__}")
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, ground_truths: str | Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised ground truth, else 0.0."""
    truths = (
        [ground_truths] if isinstance(ground_truths, str) else list(ground_truths)
    )
    if not truths:
        raise ValueError("need at least one ground-truth answer")
    return float(
        any(normalize_answer(prediction) == normalize_answer(t) for t in truths)
    )


def _f1(prediction: str, truth: str) -> float:
    pred, gold = (
        normalize_answer(prediction).split(),
        normalize_answer(truth).split(),
    )
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, ground_truths: str | Sequence[str]) -> float:
    """Harmonic mean of token precision and recall (tokens counted with multiplicity),
    after :func:`normalize_answer`; the best over several ground truths."""
    truths = (
        [ground_truths] if isinstance(ground_truths, str) else list(ground_truths)
    )
    if not truths:
        raise ValueError("need at least one ground-truth answer")
    if not isinstance(prediction, str):
        raise TypeError(
            f"prediction must be a string, got {type(prediction).__name__}"
        )
    return max(_f1(prediction, t) for t in truths)
