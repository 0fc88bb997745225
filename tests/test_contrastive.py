"""Tests for bookutils.training.contrastive: the CLIP-style loss."""

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from lesson_code import assert_notebook_shows

from bookutils.training import contrastive
from bookutils.training.contrastive import (
    clip_loss,
    retrieval_accuracy,
    similarity_logits,
)


def test_clip_loss_matches_torch_cross_entropy_and_its_gradient():
    gen = torch.Generator().manual_seed(0)
    u = torch.randn(8, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    v = torch.randn(8, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    ours = clip_loss(u, v, 0.2)
    logits = F.normalize(u, dim=1) @ F.normalize(v, dim=1).T / 0.2
    target = torch.arange(8)
    reference = (
        F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)
    ) / 2
    assert torch.allclose(ours, reference, atol=1e-12)
    g_ours = torch.autograd.grad(ours, (u, v))
    g_ref = torch.autograd.grad(reference, (u, v))
    assert all(
        torch.allclose(a, b, atol=1e-12) for a, b in zip(g_ours, g_ref, strict=True)
    )


def test_similarity_logits_are_cosines_over_temperature():
    u = torch.tensor([[3.0, 0.0], [0.0, 2.0]])
    v = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, -5.0]])
    expected = (
        torch.tensor([[1.0, 1 / math.sqrt(2), 0.0], [0.0, 1 / math.sqrt(2), -1.0]])
        / 0.5
    )
    assert torch.allclose(similarity_logits(u, v, 0.5), expected)


def test_retrieval_accuracy_and_perfect_alignment():
    e = torch.eye(5)
    assert retrieval_accuracy(e, e) == 1.0
    assert retrieval_accuracy(e, e.roll(1, 0)) == 0.0
    assert clip_loss(e, e, 0.01).item() < 1e-6


def test_bad_inputs_are_clear_errors():
    with pytest.raises(TypeError, match="2-D"):
        clip_loss(torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match="pair up"):
        clip_loss(torch.ones(3, 2), torch.ones(4, 2))
    with pytest.raises(ValueError, match="pair up"):
        similarity_logits(torch.ones(3, 2), torch.ones(3, 4))
    with pytest.raises(ValueError, match="temperature"):
        similarity_logits(torch.ones(2, 2), torch.ones(2, 2), 0.0)


def test_retrieval_accuracy_by_hand_goes_from_images_to_texts():
    # images e0, e1, e2; texts e0, e0 + 0.1 e1, e2. Each image's most similar text is its
    # own (image 1: cosine 0.0995 with text 1, 0 with the others): 3 of 3. From the texts,
    # text 1 is closer to image 0 (cosine 0.995) than to image 1: 2 of 3.
    images = torch.eye(3)
    texts = torch.tensor([[1.0, 0, 0], [1.0, 0.1, 0], [0, 0, 1.0]])
    forward, backward = (
        retrieval_accuracy(images, texts),
        retrieval_accuracy(texts, images),
    )
    assert forward == 1.0, f"retrieval_accuracy images -> texts {forward}"
    assert math.isclose(backward, 2 / 3, rel_tol=1e-6), (
        f"retrieval_accuracy texts -> images {backward}"
    )


NOTEBOOK_8_1 = Path(__file__).parents[1] / "notebooks/08_outlook/8_1_trends.ipynb"


def test_chapter_8_1_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(
        NOTEBOOK_8_1,
        contrastive,
        {"similarity_logits", "diagonal_cross_entropy", "clip_loss"},
    )
