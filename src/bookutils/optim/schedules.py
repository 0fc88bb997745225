"""Learning-rate schedules as pure functions of the step (chapter 3.3).

Each function returns the learning rate that the optimizer uses at step ``step``
(0 for the first update), with the same conventions as the matching scheduler in
``torch.optim.lr_scheduler`` when that scheduler's ``step()`` is called once after every
optimizer step. Writing them as plain functions makes them easy to plot, test and reuse.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["exponential_lr", "one_cycle_lr", "step_lr", "warmup_cosine_lr"]


def _int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _real(
    name: str,
    value: object,
    low: float,
    high: float = math.inf,
    *,
    open_low: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not (low < x if open_low else low <= x) or not x <= high:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name} must lie in {bracket}{low}, {high}], got {x}")
    return x


def step_lr(step: int, base_lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Step decay: ``base_lr * gamma ** (step // step_size)`` (torch's ``StepLR``)."""
    step = _int("step", step, 0)
    step_size = _int("step_size", step_size, 1)
    base_lr, gamma = _real("base_lr", base_lr, 0.0), _real("gamma", gamma, 0.0)
    return base_lr * gamma ** (step // step_size)


def exponential_lr(step: int, base_lr: float, gamma: float) -> float:
    """Exponential decay: ``base_lr * gamma ** step`` (torch's ``ExponentialLR``)."""
    step = _int("step", step, 0)
    base_lr, gamma = _real("base_lr", base_lr, 0.0), _real("gamma", gamma, 0.0)
    return base_lr * gamma**step


def _check_warmup_cosine(
    step, base_lr, warmup_steps, total_steps, min_lr, start_factor
) -> None:
    _int("step", step, 0)
    _int("total_steps", total_steps, _int("warmup_steps", warmup_steps, 0) + 1)
    _real("min_lr", min_lr, 0.0, _real("base_lr", base_lr, 0.0))
    _real("start_factor", start_factor, 0.0, 1.0)


def warmup_cosine_lr(
    step: int,
    base_lr: float,
    warmup_steps: int,
    total_steps: int,
    min_lr: float = 0.0,
    start_factor: float = 0.0,
) -> float:
    """Linear warm-up for ``warmup_steps`` steps, then cosine decay to ``min_lr``.

    During warm-up the rate rises linearly from ``start_factor * base_lr`` at step 0 to
    ``base_lr`` at step ``warmup_steps``; from there it follows half a cosine down to
    ``min_lr``, reached at step ``total_steps`` and kept afterwards. With
    ``start_factor > 0`` this equals torch's ``SequentialLR`` of ``LinearLR`` and
    ``CosineAnnealingLR(T_max=total_steps - warmup_steps)`` for steps up to ``total_steps``.
    """
    _check_warmup_cosine(
        step, base_lr, warmup_steps, total_steps, min_lr, start_factor
    )
    if step < warmup_steps:
        return base_lr * (start_factor + (1.0 - start_factor) * step / warmup_steps)
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return min_lr + (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0


def _anneal(start: float, end: float, pct: float, strategy: str) -> float:
    """From ``start`` at pct = 0 to ``end`` at pct = 1, by half a cosine or linearly."""
    if strategy == "cos":
        return end + (start - end) * (1.0 + math.cos(math.pi * pct)) / 2.0
    return start + (end - start) * pct


def _check_one_cycle(
    step,
    max_lr,
    total_steps,
    pct_start,
    div_factor,
    final_div_factor,
    anneal_strategy,
) -> None:
    total_steps = _int("total_steps", total_steps, 2)
    if _int("step", step, 0) >= total_steps:
        raise ValueError(
            f"step must be below total_steps={total_steps}, got {step}"
        )
    _real("max_lr", max_lr, 0.0)
    pct_start = _real("pct_start", pct_start, 0.0, 1.0)
    _real("div_factor", div_factor, 0.0, open_low=True)
    _real("final_div_factor", final_div_factor, 0.0, open_low=True)
    if anneal_strategy not in ("cos", "linear"):
        raise ValueError(
            f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
        )
    if not 0.0 < pct_start * total_steps - 1.0 < total_steps - 1:
        raise ValueError(
            "pct_start * total_steps must lie strictly between 1 and"
            f" total_steps, got {pct_start * total_steps}"
        )


def one_cycle_lr(
    step: int,
    max_lr: float,
    total_steps: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    anneal_strategy: str = "cos",
) -> float:
    """The two-phase one-cycle policy of torch's ``OneCycleLR`` (``three_phase=False``).

    The rate rises from ``max_lr / div_factor`` to ``max_lr`` until step
    ``pct_start * total_steps - 1`` and then falls to
    ``max_lr / (div_factor * final_div_factor)`` at step ``total_steps - 1``, both phases
    annealed by half a cosine (or linearly with ``anneal_strategy="linear"``).
    """
    _check_one_cycle(
        step,
        max_lr,
        total_steps,
        pct_start,
        div_factor,
        final_div_factor,
        anneal_strategy,
    )
    peak = pct_start * total_steps - 1.0  # the step where the rate is max_lr
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    if step <= peak:
        return _anneal(initial_lr, max_lr, step / peak, anneal_strategy)
    pct = (step - peak) / (total_steps - 1 - peak)
    return _anneal(max_lr, min_lr, pct, anneal_strategy)
