"""First-order optimizers written from scratch: SGD, momentum, Nesterov, AdaGrad, RMSProp,
Adam and AdamW, with exactly the conventions of ``torch.optim``.

Each method is two things:

* a *rule*, a pure function ``rule(p, g, state, **hyper) -> (new_p, new_state)`` that takes
  the parameter ``p``, its gradient ``g`` and the optimizer's memory ``state`` (a dict, empty
  before the first step) and returns new ones without changing its inputs. A rule uses only
  arithmetic (``+ - * /`` and ``** 0.5``), so it works on NumPy arrays and torch tensors
  alike; the self-checks feed it NumPy arrays.
* a small class with ``torch.optim``'s interface (``step()`` reads ``p.grad``,
  ``zero_grad()``), holding torch tensors. Tensors, because the book trains ``torch.nn``
  models with these classes on any device, and compares them with ``torch.optim`` on the
  very same parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

State = dict[str, Any]

# name: (lowest, highest, highest allowed?) -- every range includes its lower end.
_RANGES: dict[str, tuple[float, float, bool]] = {
    "lr": (0.0, math.inf, False),
    "momentum": (0.0, 1.0, False),
    "dampening": (0.0, 1.0, True),
    "weight_decay": (0.0, math.inf, False),
    "lr_decay": (0.0, math.inf, False),
    "alpha": (0.0, 1.0, False),
    "eps": (0.0, math.inf, False),
    "beta1": (0.0, 1.0, False),
    "beta2": (0.0, 1.0, False),
}


def check_hyperparameter(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a valid ``name`` (e.g. "lr"), else raise.

    Raises TypeError for a non-number and ValueError for a value outside the allowed range
    (lr, weight_decay, lr_decay, eps >= 0; momentum, alpha, beta1, beta2 in [0, 1);
    dampening in [0, 1]).
    """
    if name not in _RANGES:
        raise ValueError(
            f"unknown hyper-parameter {name!r}; expected one of {sorted(_RANGES)}"
        )
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.floating, np.integer)
    ):
        raise TypeError(
            f"{name} must be a number, got {type(value).__name__}: {value!r}"
        )
    value = float(value)
    low, high, closed = _RANGES[name]
    inside = low <= value < high or (closed and value == high)
    if math.isnan(value) or not inside:
        bracket = "]" if closed else ")"
        raise ValueError(
            f"{name} must lie in [{low:g}, {high:g}{bracket}, got {value!r}"
        )
    return value


def _check_betas(betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return check_hyperparameter("beta1", betas[0]), check_hyperparameter(
        "beta2", betas[1]
    )


# --------------------------------------------------------------------------- the rules


def sgd_rule(
    p,
    g,
    state: State,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
):
    """One SGD step, with optional heavy-ball momentum, dampening, Nesterov and L2 decay.

    As in ``torch.optim.SGD``: the momentum buffer starts as the first gradient (no
    dampening on that step), ``m ← μ m + (1 - dampening) g`` afterwards, and Nesterov steps
    along ``g + μ m`` instead of ``m``.
    """
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        buf = (
            1.0 * g
            if "momentum_buffer" not in state
            else (momentum * state["momentum_buffer"] + (1 - dampening) * g)
        )
        state = {**state, "momentum_buffer": buf}
        g = g + momentum * buf if nesterov else buf
    return p - lr * g, state


def adagrad_rule(
    p,
    g,
    state: State,
    *,
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    eps: float = 1e-10,
):
    """One AdaGrad step: divide by the root of the running *sum* of squared gradients.

    As in ``torch.optim.Adagrad``: eps is added after the square root, and the learning rate
    at step t is ``lr / (1 + (t - 1) lr_decay)``.
    """
    t = state.get("step", 0) + 1
    if weight_decay:
        g = g + weight_decay * p
    total = state.get("sum", 0.0 * g) + g * g
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * g / (total**0.5 + eps), {"step": t, "sum": total}


def rmsprop_rule(
    p,
    g,
    state: State,
    *,
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
):
    """One RMSProp step: divide by the root of a running *average* of squared gradients.

    As in ``torch.optim.RMSprop``: eps is added outside the square root; ``centered``
    subtracts the squared running mean of the gradients; momentum accumulates the scaled step.
    """
    if weight_decay:
        g = g + weight_decay * p
    square_avg = alpha * state.get("square_avg", 0.0 * g) + (1 - alpha) * g * g
    new = {"square_avg": square_avg}
    if centered:
        grad_avg = alpha * state.get("grad_avg", 0.0 * g) + (1 - alpha) * g
        new["grad_avg"] = grad_avg
        avg = (square_avg - grad_avg * grad_avg) ** 0.5 + eps
    else:
        avg = square_avg**0.5 + eps
    if momentum:
        buf = momentum * state.get("momentum_buffer", 0.0 * g) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def adam_rule(
    p,
    g,
    state: State,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled: bool = False,
):
    """One Adam step (``decoupled=True``: AdamW), with bias correction.

    ``m ← β₁m + (1-β₁)g``, ``v ← β₂v + (1-β₂)g²``, then
    ``p ← p - lr·(m / (1-β₁ᵗ)) / (√v / √(1-β₂ᵗ) + eps)``. Weight decay is added to the
    gradient (Adam, coupled) or shrinks the parameter first, ``p ← p (1 - lr·wd)`` (AdamW).
    """
    beta1, beta2 = betas
    t = state.get("step", 0) + 1
    if weight_decay and decoupled:
        p = p * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    m = beta1 * state.get("exp_avg", 0.0 * g) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", 0.0 * g) + (1 - beta2) * g * g
    step_size = lr / (1 - beta1**t)
    denom = v**0.5 / (1 - beta2**t) ** 0.5 + eps
    return p - step_size * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}


def adamw_rule(
    p,
    g,
    state: State,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
):
    """One AdamW step: Adam with decoupled weight decay ``p ← p (1 - lr·wd)``."""
    return adam_rule(
        p,
        g,
        state,
        lr=lr,
        betas=betas,
        eps=eps,
        weight_decay=weight_decay,
        decoupled=True,
    )


# --------------------------------------------------------------------------- the classes


def _check_params(params: Iterable[torch.Tensor]) -> list[torch.Tensor]:
    if isinstance(params, torch.Tensor):
        raise TypeError(
            "params must be an iterable of tensors (e.g. model.parameters()),"
            " not a single tensor: wrap it in a list"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"params must be an iterable of tensors, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError("params is empty: the optimizer has nothing to optimize")
    for p in params:
        if not isinstance(p, torch.Tensor) or not p.is_floating_point():
            raise TypeError(
                f"every parameter must be a floating-point torch.Tensor, got {p!r}"
            )
    return params


class Optimizer:
    """The common interface: ``step()`` applies ``rule`` to every parameter with a gradient.

    Subclasses set ``rule`` and validate their hyper-parameters into ``self.hyper``; an
    instance's own ``rule`` attribute, if set, takes precedence.
    """

    rule: Callable[..., Any]

    def __init__(self, params: Iterable[torch.Tensor], **hyper: Any) -> None:
        self.params = _check_params(params)
        self.hyper = hyper
        self.state: list[State] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Forget the gradients (set ``p.grad = None``), as torch does by default."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for i, p in enumerate(self.params):
            if p.grad is not None:
                new_p, self.state[i] = self.rule(
                    p, p.grad, self.state[i], **self.hyper
                )
                p.copy_(new_p)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (see :func:`sgd_rule`)."""

    rule = staticmethod(sgd_rule)

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        hyper = {
            k: check_hyperparameter(k, v)
            for k, v in (
                ("lr", lr),
                ("momentum", momentum),
                ("dampening", dampening),
                ("weight_decay", weight_decay),
            )
        }
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "Nesterov momentum needs momentum > 0 and dampening = 0,"
                f" got momentum={momentum}, dampening={dampening}"
            )
        super().__init__(params, **hyper, nesterov=nesterov)


class Momentum(SGD):
    """SGD with heavy-ball momentum (``momentum=0.9`` by default)."""

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        momentum: float = 0.9,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        if momentum == 0:
            raise ValueError(
                "Momentum needs momentum > 0 (use SGD for plain gradient descent)"
            )
        super().__init__(
            params, lr, momentum, dampening, weight_decay, nesterov=False
        )


class Nesterov(SGD):
    """SGD with Nesterov momentum in torch's form (``momentum=0.9`` by default)."""

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, momentum, 0.0, weight_decay, nesterov=True)


class AdaGrad(Optimizer):
    """AdaGrad, as ``torch.optim.Adagrad`` (see :func:`adagrad_rule`)."""

    rule = staticmethod(adagrad_rule)

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(
            params,
            **{
                k: check_hyperparameter(k, v)
                for k, v in (
                    ("lr", lr),
                    ("lr_decay", lr_decay),
                    ("weight_decay", weight_decay),
                    ("eps", eps),
                )
            },
        )


class RMSProp(Optimizer):
    """RMSProp, as ``torch.optim.RMSprop`` (see :func:`rmsprop_rule`)."""

    rule = staticmethod(rmsprop_rule)

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        hyper = {
            k: check_hyperparameter(k, v)
            for k, v in (
                ("lr", lr),
                ("alpha", alpha),
                ("eps", eps),
                ("weight_decay", weight_decay),
                ("momentum", momentum),
            )
        }
        if not isinstance(centered, bool):
            raise TypeError(f"centered must be True or False, got {centered!r}")
        super().__init__(params, **hyper, centered=centered)


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (see :func:`adam_rule`); weight decay is coupled (L2)."""

    rule = staticmethod(adam_rule)

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            lr=check_hyperparameter("lr", lr),
            betas=_check_betas(betas),
            eps=check_hyperparameter("eps", eps),
            weight_decay=check_hyperparameter("weight_decay", weight_decay),
        )


class AdamW(Optimizer):
    """AdamW, as ``torch.optim.AdamW`` (see :func:`adamw_rule`): decoupled weight decay."""

    rule = staticmethod(adamw_rule)

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(
            params,
            lr=check_hyperparameter("lr", lr),
            betas=_check_betas(betas),
            eps=check_hyperparameter("eps", eps),
            weight_decay=check_hyperparameter("weight_decay", weight_decay),
        )


#: Our class and torch's, with the keyword arguments that make torch's the same method.
OPTIMIZERS: dict[
    str, tuple[type[Optimizer], type[torch.optim.Optimizer], dict[str, Any]]
] = {
    "SGD": (SGD, torch.optim.SGD, {}),
    "Momentum": (Momentum, torch.optim.SGD, {"momentum": 0.9}),
    "Nesterov": (Nesterov, torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "AdaGrad": (AdaGrad, torch.optim.Adagrad, {}),
    "RMSProp": (RMSProp, torch.optim.RMSprop, {}),
    "Adam": (Adam, torch.optim.Adam, {}),
    "AdamW": (AdamW, torch.optim.AdamW, {}),
}


def make_optimizer(
    name: str, params: Iterable[torch.Tensor], **hyper: Any
) -> Optimizer:
    """Build our optimizer ``name`` (a key of :data:`OPTIMIZERS`) with ``hyper``."""
    if name not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}"
        )
    return OPTIMIZERS[name][0](params, **hyper)


def hyperparameters_for(name: str, lr: float, beta: float) -> dict[str, Any]:
    """The keyword arguments of optimizer ``name`` for a learning rate and one β.

    The optimizer widget and the playground pass these for their (lr, β) controls.

    β is the momentum of Momentum and Nesterov, RMSProp's averaging constant α, and Adam's
    and AdamW's β₁ (β₂ stays 0.999); SGD and AdaGrad ignore it.
    """
    if name not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}"
        )
    if name in ("Momentum", "Nesterov"):
        return {"lr": lr, "momentum": beta}
    if name == "RMSProp":
        return {"lr": lr, "alpha": beta}
    if name in ("Adam", "AdamW"):
        return {"lr": lr, "betas": (beta, 0.999)}
    return {"lr": lr}


def make_torch_optimizer(
    name: str, params: Iterable[torch.Tensor], **hyper: Any
) -> torch.optim.Optimizer:
    """Build ``torch.optim``'s counterpart of our optimizer ``name`` with ``hyper``."""
    if name not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}"
        )
    _, cls, fixed = OPTIMIZERS[name]
    return cls(params, **{**fixed, **hyper})


def trajectory(
    name: str,
    loss: Callable[[torch.Tensor], torch.Tensor],
    start: Iterable[float],
    steps: int,
    **hyper: Any,
) -> np.ndarray:
    """Run our optimizer ``name`` on ``loss`` from ``start``; return the (steps+1, d) path.

    ``loss`` maps a 1-D float64 tensor to a scalar; its gradient comes from autograd. The path
    stops early (and is shorter) if the point or the loss becomes infinite or NaN.
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if not callable(loss):
        raise TypeError("loss must be a function of a 1-D tensor")
    theta = torch.tensor(
        np.asarray(start, dtype=float), dtype=torch.float64, requires_grad=True
    )
    if theta.ndim != 1:
        raise ValueError(
            f"start must be a 1-D point, got shape {tuple(theta.shape)}"
        )
    opt = make_optimizer(name, [theta], **hyper)
    path = [theta.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        value = loss(theta)
        if not torch.isfinite(value):
            break
        value.backward()
        opt.step()
        if not torch.all(torch.isfinite(theta)):
            break
        path.append(theta.detach().clone())
    return torch.stack(path).numpy()
