"""Connectionist temporal classification (CTC) from scratch, and the error rate of a transcript.

A CTC model emits, for every frame, a distribution over the characters plus a *blank*. A
frame-by-frame path becomes a transcript by merging repeated symbols and then deleting the
blanks (:func:`ctc_collapse`). The CTC loss is minus the log of the total probability of all
paths that collapse to the target (:func:`ctc_loss`, a forward recursion over the target with
blanks between its characters). Recognisers are scored with the edit distance.

``ctc_loss`` and ``greedy_decode`` are shown in notebook 6.3 as code cells; a test keeps them
identical to this file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

_LOG_ZERO = -1e30


def ctc_collapse(path: Sequence[int], blank: int = 0) -> list[int]:
    """Merge runs of the same symbol, then drop blanks: ``[1, 1, 0, 1, 2, 2] -> [1, 1, 2]``."""
    out: list[int] = []
    prev = None
    for symbol in path:
        symbol = int(symbol)
        if symbol != prev and symbol != blank:
            out.append(symbol)
        prev = symbol
    return out


def _check_scores(log_probs: torch.Tensor | np.ndarray) -> torch.Tensor:
    scores = torch.as_tensor(log_probs)
    if scores.ndim != 2:
        raise ValueError(
            f"log_probs must have shape (T, C), got {tuple(scores.shape)}"
        )
    return scores


def greedy_decode(
    log_probs: torch.Tensor | np.ndarray, blank: int = 0
) -> list[int]:
    """Best path decoding: the most likely symbol of each frame, collapsed.

    ``log_probs`` has shape ``(T, C)`` (scores of any kind: only the arg-max matters).
    """
    scores = _check_scores(log_probs)  # (T, C)
    best_path = scores.argmax(dim=1).tolist()  # the likeliest symbol of every frame
    return ctc_collapse(best_path, blank)


def _check_ctc_args(
    log_probs: torch.Tensor, target: Sequence[int], blank: int
) -> list[int]:
    """The target as a list of ints, after checking the shapes and the blank."""
    if not isinstance(log_probs, torch.Tensor) or log_probs.ndim != 2:
        raise ValueError(
            "log_probs must be a (T, C) torch.Tensor of log-probabilities"
        )
    target = [int(c) for c in target]
    if blank in target:
        raise ValueError(f"the target must not contain the blank symbol {blank}")
    return target


def ctc_loss(
    log_probs: torch.Tensor, target: Sequence[int], blank: int = 0
) -> torch.Tensor:
    """``-log p(target | x)`` summed over every alignment, for one sequence.

    ``log_probs`` is ``(T, C)``, log-softmax outputs. The target is extended with blanks,
    ``y_ext = (blank, y1, blank, y2, ..., yU, blank)`` (the text's y'), and ``xi[j]`` is the
    log probability of all paths through the first frames that end in ``y_ext[j]``. A path
    may stay on ``y_ext[j]``, move to ``y_ext[j+1]``, or skip a blank to ``y_ext[j+2]`` when
    ``y_ext[j+2]`` differs from ``y_ext[j]``.
    Differentiable with autograd; returns ``inf`` when the target cannot fit in ``T`` frames.
    """
    target = _check_ctc_args(log_probs, target, blank)
    y_ext = [blank]
    for c in target:
        y_ext += [c, blank]
    S = len(y_ext)
    # a path may skip the blank before y'_j if y'_j is a character unlike y'_{j-2}
    can_skip = torch.tensor(
        [
            j >= 2 and y_ext[j] != blank and y_ext[j] != y_ext[j - 2]
            for j in range(S)
        ],
        device=log_probs.device,
    )
    # "log 0" is _LOG_ZERO, a large finite number: logsumexp over -inf alone has NaN
    # gradients. Anything below _LOG_ZERO / 2 counts as probability 0.
    xi = torch.full((S,), _LOG_ZERO, dtype=log_probs.dtype, device=log_probs.device)
    # frame 1: on the first blank or on the first character
    xi[:2] = log_probs[0, y_ext[:2]]
    for t in range(1, log_probs.shape[0]):
        stay = xi  # from y'_j
        step = F.pad(xi, (1, 0), value=_LOG_ZERO)[:S]  # from y'_{j-1}
        skip = F.pad(xi, (2, 0), value=_LOG_ZERO)[:S]  # from y'_{j-2}
        skip = skip.masked_fill(~can_skip, _LOG_ZERO)
        xi = torch.logsumexp(torch.stack([stay, step, skip]), dim=0)
        xi = xi + log_probs[t, y_ext]
    # a path ends on the last character or on the final blank
    loss = -torch.logsumexp(xi[-2:], dim=0)
    return torch.where(loss > -_LOG_ZERO / 2, torch.inf, loss)  # inf: no path fits


def edit_distance(ref: Sequence, hyp: Sequence) -> int:
    """Levenshtein distance: fewest insertions, deletions and substitutions from ref to hyp."""
    if isinstance(ref, (int, float)) or isinstance(hyp, (int, float)):
        raise TypeError("ref and hyp must be sequences (strings or lists)")
    previous = list(range(len(hyp) + 1))  # distances from the empty prefix of ref
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete r
                    current[j - 1] + 1,  # insert h
                    previous[j - 1] + (r != h),
                )
            )  # substitute (or keep)
        previous = current
    return previous[-1]


def character_error_rate(refs: Sequence[str], hyps: Sequence[str]) -> float:
    """Total edit distance divided by the total length of the references."""
    if isinstance(refs, str) or isinstance(hyps, str):
        raise TypeError(
            "refs and hyps must be lists of transcripts, not single strings"
        )
    if len(refs) != len(hyps):
        raise ValueError(f"got {len(refs)} references but {len(hyps)} hypotheses")
    total = sum(len(r) for r in refs)
    if total == 0:
        raise ValueError("the references are empty: the error rate is undefined")
    return sum(edit_distance(r, h) for r, h in zip(refs, hyps, strict=True)) / total
