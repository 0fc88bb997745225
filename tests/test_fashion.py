"""bookutils.tasks.classification: tensors, subsets, the confusion matrix and weight copying
(5.1)."""

import numpy as np
import pytest
import torch

from bookutils.foundations import mlp_numpy as mn
from bookutils.metrics import confusion_matrix
from bookutils.tasks.classification import (
    images_to_tensor,
    params_from_linears,
    pixel_stats,
    stratified_subset,
)

IMAGES = np.arange(4 * 3 * 3, dtype=np.uint8).reshape(4, 3, 3) * 7


def test_stratified_subset_is_balanced_and_seeded():
    labels = np.repeat(np.arange(5), 20)
    idx = stratified_subset(labels, 4, seed=3)
    assert len(idx) == 20 and len(set(idx)) == 20
    assert np.array_equal(np.bincount(labels[idx]), np.full(5, 4))
    assert np.array_equal(idx, stratified_subset(labels, 4, seed=3))
    assert not np.array_equal(idx, stratified_subset(labels, 4, seed=4))


@pytest.mark.parametrize(
    "labels,per_class",
    [(np.array([0.5, 1.0]), 1), (np.array([0, 1]), 0), (np.array([0, 1, 1]), 2)],
)
def test_stratified_subset_bad_input(labels, per_class):
    with pytest.raises(ValueError):
        stratified_subset(labels, per_class)


def test_pixel_stats_and_images_to_tensor_standardise():
    mean, std = pixel_stats(IMAGES)
    scaled = IMAGES.astype(float) / 255
    assert np.isclose(mean, scaled.mean()) and np.isclose(std, scaled.std())
    X = images_to_tensor(IMAGES, mean, std, dtype=torch.float64)
    assert X.shape == (4, 9)
    assert (
        abs(X.mean().item()) < 1e-12
        and abs(X.std(unbiased=False).item() - 1) < 1e-12
    )
    assert torch.allclose(
        images_to_tensor(IMAGES, dtype=torch.float64),
        torch.as_tensor(scaled.reshape(4, 9)),
    )


def test_images_to_tensor_bad_input():
    with pytest.raises(ValueError, match="uint8"):
        images_to_tensor(IMAGES.astype(float))
    with pytest.raises(ValueError, match="std"):
        images_to_tensor(IMAGES, 0.0, 0.0)
    with pytest.raises(ValueError, match="uint8"):
        pixel_stats(IMAGES[0])


def test_confusion_matrix_matches_counting_by_hand():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    C = confusion_matrix(y_true, y_pred, 4)
    for i in range(4):
        for j in range(4):
            assert C[i, j] == np.sum((y_true == i) & (y_pred == j))
    assert np.trace(C) == np.sum(y_true == y_pred)


@pytest.mark.parametrize(
    "y_true,y_pred,k",
    [
        (np.array([0, 1]), np.array([0]), 2),
        (np.array([0, 2]), np.array([0, 1]), 2),
        (np.array([0, 1]), np.array([0, 1]), 0),
    ],
)
def test_confusion_matrix_bad_input(y_true, y_pred, k):
    with pytest.raises(ValueError):
        confusion_matrix(y_true, y_pred, k)


def test_confusion_matrix_labels_of_the_wrong_type_are_a_type_error():
    with pytest.raises(TypeError, match="integer class labels"):
        confusion_matrix(np.array([0.0, 1.0]), np.array([0, 1]), 2)


def test_confusion_matrix_counts_masks_pixel_by_pixel_in_scikit_learns_order():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 3, (4, 5)), rng.integers(0, 3, (4, 5))
    expected = sklearn_metrics.confusion_matrix(
        y_true.ravel(), y_pred.ravel(), labels=[0, 1, 2]
    )
    assert np.array_equal(confusion_matrix(y_true, y_pred, 3), expected)


def test_params_from_linears_gives_the_same_network_and_gradients():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)
    ).double()
    params = params_from_linears([net[0], net[2]])
    X = torch.randn(8, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (8,))
    loss = torch.nn.functional.cross_entropy(net(X), y)
    loss.backward()
    loss_np, grads = mn.loss_and_grads(params, X.numpy(), y.numpy())
    assert np.isclose(loss.item(), loss_np)
    assert np.allclose(grads["W1"], net[0].weight.grad.numpy())
    assert np.allclose(grads["b2"], net[2].bias.grad.numpy())
    params["W1"][0, 0] += 1  # a copy, not a view of the weights
    assert net[0].weight[0, 0].item() != params["W1"][0, 0]


def test_params_from_linears_bad_input():
    with pytest.raises(TypeError):
        params_from_linears([torch.nn.ReLU()])
    with pytest.raises(ValueError, match="expects"):
        params_from_linears([torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)])
    with pytest.raises(ValueError, match="bias"):
        params_from_linears([torch.nn.Linear(2, 3, bias=False)])


def test_check_cross_entropy_passes_torch_and_names_mistakes():
    from bookutils.checks.fashion import CE_MISTAKES, check_cross_entropy

    assert check_cross_entropy(torch.nn.functional.cross_entropy)
    for mistake in CE_MISTAKES:
        result = check_cross_entropy(mistake.impl)
        assert not result and result.messages[-1] == f"  Hint: {mistake.hint}"
