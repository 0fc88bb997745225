"""The CLIP-style contrastive loss for paired embeddings (chapter 8.1).

Row i of ``image_emb`` and row i of ``text_emb`` describe the same thing. After L2
normalisation, ``logits = image · textᵀ / τ``; the loss is the mean of the cross-entropy
of each image over all texts and of each text over all images, with the matching pair as
the right answer.
"""

from __future__ import annotations

import torch


def _pair(
    image_emb: object,
    text_emb: object,
    same_batch: bool = False,
    temperature: float = 1.0,
) -> None:
    for name, x in (("image_emb", image_emb), ("text_emb", text_emb)):
        if not isinstance(x, torch.Tensor) or x.ndim != 2:
            raise TypeError(f"{name} must be a 2-D torch.Tensor (batch, dim)")
    if image_emb.shape[1] != text_emb.shape[1] or (
        same_batch and image_emb.shape != text_emb.shape
    ):
        raise ValueError(
            f"embedding shapes do not pair up: {tuple(image_emb.shape)} vs"
            f" {tuple(text_emb.shape)}"
        )
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")


def similarity_logits(
    image_emb: torch.Tensor, text_emb: torch.Tensor, temperature: float = 0.1
) -> torch.Tensor:
    """Cosine similarities of every image (row) with every text (column), over ``temperature``.

    The two batches may differ in size but not in embedding dimension.
    """
    _pair(image_emb, text_emb, temperature=temperature)
    img = image_emb / image_emb.norm(dim=1, keepdim=True)  # (n_img, dim), unit rows
    txt = text_emb / text_emb.norm(dim=1, keepdim=True)  # (n_txt, dim), unit rows
    return img @ txt.T / temperature  # (n_img, n_txt)


def diagonal_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Mean over rows of -log softmax(row)[i] at the row's own index i, written out."""
    row_max = logits.max(dim=1, keepdim=True).values  # for a stable log-sum-exp
    log_norm = row_max.squeeze(1) + torch.log(
        torch.exp(logits - row_max).sum(dim=1)
    )
    return (log_norm - logits.diagonal()).mean()


def clip_loss(
    image_emb: torch.Tensor, text_emb: torch.Tensor, temperature: float = 0.1
) -> torch.Tensor:
    """Symmetric contrastive loss: (image→text cross-entropy + text→image cross-entropy) / 2."""
    _pair(image_emb, text_emb, same_batch=True)
    logits = similarity_logits(image_emb, text_emb, temperature)  # (n, n)
    image_to_text = diagonal_cross_entropy(logits)  # each image picks its caption
    text_to_image = diagonal_cross_entropy(logits.T)  # each caption picks its image
    return 0.5 * (image_to_text + text_to_image)


def retrieval_accuracy(image_emb: torch.Tensor, text_emb: torch.Tensor) -> float:
    """Fraction of images whose most similar text is their own partner (chance: 1/batch)."""
    _pair(image_emb, text_emb, same_batch=True)
    logits = similarity_logits(image_emb, text_emb, 1.0)
    target = torch.arange(len(logits), device=logits.device)
    return float((logits.argmax(dim=1) == target).float().mean())
