"""Self-supervised pre-training and transfer, small enough for a CPU (chapters 8.3, 9.2).

The recipe of large models in miniature: an encoder first learns from *unlabelled* inputs
by filling in masked-out entries (a masked-autoencoder objective, the image cousin of
BERT's masked language model), and is then fine-tuned, with a fresh classification head,
on a small labelled set. Everything works on float tensors of shape ``(n, features)``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from .._validate import positive_number
from ..tasks.classification import stratified_subset
from .loop import fit

__all__ = [
    "PretrainRun",
    "few_labels",
    "fine_tune",
    "mask_inputs",
    "masked_reconstruction_loss",
    "mlp_encoder",
    "pretrain_masked",
]


def _check_rows(name: str, X: object) -> Tensor:
    if not isinstance(X, Tensor) or X.ndim != 2 or not X.is_floating_point():
        raise TypeError(
            f"{name} must be a float torch.Tensor of shape (n, features), got"
            f" {type(X).__name__} {tuple(getattr(X, 'shape', ()))}"
        )
    return X


def _check_positive(**values: object) -> None:
    for name, value in values.items():
        positive_number(name, value)


def mlp_encoder(
    d_in: int,
    widths: Sequence[int],
    *,
    seed: int = 0,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """Linear + ReLU layers ``d_in → widths[0] → … → widths[-1]``, seeded."""
    widths = list(widths)
    if not widths or any(
        isinstance(w, bool) or not isinstance(w, int) or w < 1
        for w in [d_in, *widths]
    ):
        raise ValueError(
            f"d_in and widths must be positive ints (at least one width), got"
            f" {d_in!r} and {widths!r}"
        )
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for a, b in zip([d_in, *widths[:-1]], widths, strict=True):
        layers += [nn.Linear(a, b, device=device, dtype=dtype), nn.ReLU()]
    torch.random.set_rng_state(
        gen_state
    )  # leave the caller's random stream untouched
    return nn.Sequential(*layers)


def mask_inputs(
    X: Tensor, rate: float, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Hide a random fraction ``rate`` of the entries of X (set them to 0).

    Returns the masked copy and the boolean mask, True where an entry was hidden.
    """
    _check_rows("X", X)
    if not 0 < rate < 1:
        raise ValueError(f"rate must be a fraction in (0, 1), got {rate!r}")
    hidden = (
        torch.rand(X.shape, generator=generator, device=generator.device) < rate
    )
    hidden = hidden.to(X.device)
    return X.masked_fill(hidden, 0.0), hidden


def masked_reconstruction_loss(
    prediction: Tensor, X: Tensor, hidden: Tensor
) -> Tensor:
    """Mean squared error over the *hidden* entries only: the model is scored on what it
    could not see, so copying its input earns nothing."""
    _check_rows("prediction", prediction)
    _check_rows("X", X)
    if (
        prediction.shape != X.shape
        or hidden.shape != X.shape
        or hidden.dtype != torch.bool
    ):
        raise ValueError(
            f"prediction, X and the boolean mask must share a shape; got"
            f" {tuple(prediction.shape)}, {tuple(X.shape)},"
            f" {tuple(hidden.shape)} ({hidden.dtype})"
        )
    if not hidden.any():
        raise ValueError(
            "the mask hides nothing, so there is nothing to reconstruct"
        )
    return ((prediction - X)[hidden] ** 2).mean()


@dataclass
class PretrainRun:
    """The decoder trained alongside the encoder, and the loss after every epoch."""

    decoder: nn.Module
    losses: list[float] = field(default_factory=list)


def _out_features(encoder: nn.Module) -> int:
    linears = [m for m in encoder.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise TypeError("the encoder must contain at least one nn.Linear layer")
    return linears[-1].out_features


def pretrain_masked(
    encoder: nn.Module,
    X: Tensor,
    *,
    rate: float = 0.5,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
) -> PretrainRun:
    """Train ``encoder`` (in place) with a linear decoder to restore masked inputs.

    No labels are involved: the targets are the inputs themselves. Uses Adam and a fresh
    mask for every mini-batch; returns the decoder and the mean loss of each epoch.
    """
    _check_rows("X", X)
    _check_positive(epochs=epochs, batch_size=batch_size, lr=lr)
    gen = torch.Generator(device=X.device).manual_seed(seed)
    width = _out_features(encoder)
    ref = next(encoder.parameters())
    decoder = nn.Linear(width, X.shape[1], device=ref.device, dtype=ref.dtype)
    with torch.no_grad():
        decoder.weight.normal_(
            0, 0.01, generator=gen if X.device.type == "cpu" else None
        )
        decoder.bias.copy_(X.mean(dim=0))
    opt = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
    sizes = []

    def batches():
        for _ in range(int(epochs)):
            order = torch.randperm(len(X), generator=gen, device=X.device)
            for start in range(0, len(X), int(batch_size)):
                xb = X[order[start : start + int(batch_size)]]
                masked, hidden = mask_inputs(xb, rate, gen)
                sizes.append(len(xb))
                yield masked, xb, hidden

    model = nn.Sequential(encoder, decoder)
    losses = fit(
        model,
        batches(),
        lambda m, masked, xb, hidden: masked_reconstruction_loss(
            m(masked), xb, hidden
        ),
        opt,
    )
    run = PretrainRun(decoder)
    per_epoch = len(losses) // int(epochs)
    for epoch in range(int(epochs)):
        total = 0.0
        for i in range(epoch * per_epoch, (epoch + 1) * per_epoch):
            total += losses[i] * sizes[i]
        run.losses.append(total / len(X))
    return run


def fine_tune(
    encoder: nn.Module,
    X: Tensor,
    y: Tensor,
    *,
    n_classes: int,
    epochs: int = 100,
    lr: float = 1e-3,
    freeze: bool = False,
    seed: int = 0,
) -> nn.Sequential:
    """A classifier: a *copy* of ``encoder`` plus a new linear head, trained on (X, y).

    Full-batch Adam on the cross-entropy; ``freeze=True`` trains the head only (a linear
    probe). The encoder passed in is never changed, so one pre-trained encoder can be
    fine-tuned many times.
    """
    _check_rows("X", X)
    if not isinstance(y, Tensor) or y.shape != (len(X),) or y.is_floating_point():
        raise TypeError(f"y must be an integer tensor of {len(X)} labels")
    _check_positive(n_classes=n_classes, epochs=epochs, lr=lr)
    body = copy.deepcopy(encoder)
    ref = next(body.parameters())
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    head = nn.Linear(
        _out_features(body), int(n_classes), device=ref.device, dtype=ref.dtype
    )
    torch.random.set_rng_state(gen_state)
    model = nn.Sequential(body, head)
    if freeze:
        body.requires_grad_(False)
    opt = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=lr
    )
    fit(
        model,
        itertools.repeat((X, y), int(epochs)),
        lambda m, X, y: nn.functional.cross_entropy(m(X), y),
        opt,
    )
    return model


def few_labels(y: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` randomly chosen examples of every class in ``y``, sorted.

    The same draw as :func:`bookutils.tasks.classification.stratified_subset`, in index order.
    """
    return np.sort(stratified_subset(y, per_class, seed=seed))
