"""Preference tuning (chapter 5.7): the DPO loss, and how far a tuned model has drifted.

Direct preference optimization {Rafailov et al. 2023} tunes a *policy* model on pairs of
responses to the same prompt, one *chosen* and one *rejected*, without a reward model. Its
loss needs four numbers per pair: the log-probability of each response under the policy and
under a frozen *reference* model (the model before this tuning step). With the margin

    m = (log π(chosen) - log π_ref(chosen)) - (log π(rejected) - log π_ref(rejected)),

the loss is ``-log σ(β m)``, averaged over the pairs. :func:`mean_token_kl` measures how far
the policy's next-token distributions have moved from the reference's.

``dpo_loss`` and ``mean_token_kl`` are shown in notebook 5.7; a test keeps those cells
identical to this file.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .._validate import positive_number

__all__ = ["dpo_loss", "mean_token_kl"]


def _check_same_shape(**tensors: Tensor) -> None:
    """TypeError unless every value is a tensor, ValueError unless their shapes agree."""
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(t).__name__}"
            )
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"the shapes must agree, got {shapes}")


def dpo_loss(
    policy_chosen: Tensor,
    policy_rejected: Tensor,
    ref_chosen: Tensor,
    ref_rejected: Tensor,
    beta: float = 0.1,
) -> Tensor:
    """The DPO loss, averaged over pairs: ``-log σ(β · margin)``.

    Each argument holds one summed log-probability per pair, shape ``(pairs,)``.
    """
    _check_same_shape(
        policy_chosen=policy_chosen,
        policy_rejected=policy_rejected,
        ref_chosen=ref_chosen,
        ref_rejected=ref_rejected,
    )
    positive_number("beta", beta)
    chosen = policy_chosen - ref_chosen  # how much more likely chosen became
    rejected = policy_rejected - ref_rejected
    return -F.logsigmoid(beta * (chosen - rejected)).mean()


def mean_token_kl(policy_logits: Tensor, ref_logits: Tensor) -> Tensor:
    """``KL(π ‖ π_ref)`` of the next-token distributions, averaged over positions.

    Both are logits of shape ``(positions, vocab)``.
    """
    _check_same_shape(policy_logits=policy_logits, ref_logits=ref_logits)
    log_p = torch.log_softmax(policy_logits, dim=-1)  # (N, V)
    log_q = torch.log_softmax(ref_logits, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1).mean()
