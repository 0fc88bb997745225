"""The training playground's engine: a setting that fits in one line, and the network it trains.

In the spirit of TensorFlow Playground (Smilkov and Carter, 2016): a small two-class data set
in the plane, a choice of input features, a fully connected network, an optimizer and a
regularizer. Everything is built from the book's own pieces: the data from
:mod:`bookutils.data`, the network, its loss and its gradients from
:mod:`bookutils.foundations.mlp_numpy`
(chapter 3.1), and the update rules from :mod:`bookutils.optim.optimizers` (chapter 3.2), applied
to NumPy arrays.

A :class:`PlaygroundConfig` is every setting plus the number of epochs trained. It turns
into a short string (:meth:`PlaygroundConfig.to_string`) that reproduces the state exactly
(:meth:`PlaygroundConfig.from_string`, then :class:`PlaygroundModel`): an instructor can
paste it into a notebook cell to hand out an exact setting. Only settings that differ
from the defaults are written; the defaults of format ``pg1`` are frozen.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..data.toy import make_moons, make_separable, make_spirals, make_xor
from ..foundations import mlp_numpy as mn
from ..optim.optimizers import OPTIMIZERS, hyperparameters_for, make_optimizer

FORMAT = "pg1"


def _separable(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_separable(n, 0.1, seed=seed, labels="01")
    X = 2 * X + np.random.default_rng([seed, 1]).normal(scale=noise, size=X.shape)
    return X, y


#: Data sets by name: ``f(n, noise, seed) -> (X, y)`` with labels 0/1.
DATASETS: dict[str, Callable[[int, float, int], tuple[np.ndarray, np.ndarray]]] = {
    "moons": lambda n, noise, seed: make_moons(n, noise, seed=seed),
    "xor": lambda n, noise, seed: make_xor(n, noise, seed=seed),
    "spirals": lambda n, noise, seed: make_spirals(n, noise, seed=seed),
    "separable": _separable,
}

#: Input features by name, with the label figures use: functions of the point (x₁, x₂).
FEATURES: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "x1": ("$x_1$", lambda X: X[:, 0]),
    "x2": ("$x_2$", lambda X: X[:, 1]),
    "x1sq": ("$x_1^2$", lambda X: X[:, 0] ** 2),
    "x2sq": ("$x_2^2$", lambda X: X[:, 1] ** 2),
    "x1x2": ("$x_1x_2$", lambda X: X[:, 0] * X[:, 1]),
    "sinx1": (r"$\sin x_1$", lambda X: np.sin(X[:, 0])),
    "sinx2": (r"$\sin x_2$", lambda X: np.sin(X[:, 1])),
}

REGULARIZERS = ("none", "L1", "L2")
MAX_LAYERS, MAX_WIDTH = 6, 8


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, bool)
        and math.isfinite(v)
    )


@dataclass(frozen=True)
class PlaygroundConfig:
    """Every setting of the playground, and how many epochs have been trained.

    ``hidden`` lists the widths of the hidden layers (``()``: no hidden layer, a logistic
    regression on the features). ``beta`` is the optimizer's β as in chapter 3.2's widget
    (momentum, RMSProp's α, Adam's β₁). ``reg`` penalises the weights (not the biases) by
    ``reg_rate·Σ|w|`` (L1) or ``reg_rate·Σw²/2`` (L2). ``split`` is the training fraction.
    """

    data: str = "moons"
    noise: float = 0.15
    points: int = 200
    split: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    optimizer: str = "Adam"
    lr: float = 0.03
    beta: float = 0.9
    reg: str = "none"
    reg_rate: float = 0.0
    batch: int = 10
    seed: int = 0
    epochs: int = 0
    hyper: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def bad(name: str, expected: str) -> ValueError:
            return ValueError(
                f"{name} must be {expected}, got {getattr(self, name)!r}"
            )

        if self.data not in DATASETS:
            raise bad("data", f"one of {list(DATASETS)}")
        for name, low, high in (
            ("noise", 0.0, 1.0),
            ("split", 0.05, 0.95),
            ("beta", 0.0, 0.99),
        ):
            value = getattr(self, name)
            if not _is_number(value) or not low <= value <= high:
                raise bad(name, f"a number in [{low:g}, {high:g}]")
            object.__setattr__(self, name, float(value))
        for name, low in (("lr", 0.0), ("reg_rate", 0.0)):
            value = getattr(self, name)
            if (
                not _is_number(value)
                or value < low
                or (name == "lr" and value == 0)
            ):
                raise bad(
                    name, "a positive number" if name == "lr" else "a number >= 0"
                )
            object.__setattr__(self, name, float(value))
        for name, low, high in (
            ("points", 20, 2000),
            ("batch", 1, 2000),
            ("seed", 0, 2**31),
            ("epochs", 0, 10**6),
        ):
            value = getattr(self, name)
            if not _is_int(value) or not low <= value <= high:
                raise bad(name, f"an int in [{low}, {high}]")
            object.__setattr__(self, name, int(value))
        features = (
            tuple(self.features) if not isinstance(self.features, str) else ()
        )
        if (
            not features
            or len(set(features)) != len(features)
            or any(f not in FEATURES for f in features)
        ):
            raise bad(
                "features",
                f"a non-empty tuple of distinct names from {list(FEATURES)}",
            )
        object.__setattr__(
            self, "features", tuple(f for f in FEATURES if f in features)
        )
        hidden = self.hidden
        if (
            isinstance(hidden, (str, bytes))
            or not all(_is_int(h) for h in hidden)
            or len(hidden) > MAX_LAYERS
            or any(not 1 <= h <= MAX_WIDTH for h in hidden)
        ):
            raise bad(
                "hidden",
                f"up to {MAX_LAYERS} layer widths, each from 1 to {MAX_WIDTH}",
            )
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))
        if self.activation not in mn.ACTIVATIONS:
            raise bad("activation", f"one of {mn.ACTIVATIONS}")
        if self.optimizer not in OPTIMIZERS:
            raise bad("optimizer", f"one of {list(OPTIMIZERS)}")
        if self.reg not in REGULARIZERS:
            raise bad("reg", f"one of {REGULARIZERS}")
        # The book's optimizer classes validate (and complete) their hyper-parameters.
        probe = torch.zeros(1, dtype=torch.float64)
        hyper = make_optimizer(
            self.optimizer,
            [probe],
            **hyperparameters_for(self.optimizer, self.lr, self.beta),
        ).hyper
        object.__setattr__(self, "hyper", dict(hyper))

    # ------------------------------------------------------------------ serialisation

    def to_string(self) -> str:
        """The short string of this setting, e.g. ``"pg1:data=xor&hidden=4&epochs=200"``.

        Only the fields that differ from the defaults are written, in a fixed order.
        """
        parts = []
        for f in _FIELDS:
            value = getattr(self, f.name)
            if value != f.default:
                parts.append(f"{f.name}={_format(value)}")
        return f"{FORMAT}:" + "&".join(parts)

    @classmethod
    def from_string(cls, text: str) -> PlaygroundConfig:
        """Parse a string written by :meth:`to_string` (unknown keys are an error)."""
        if not isinstance(text, str):
            raise TypeError(
                f"expected a playground string, got {type(text).__name__}"
            )
        text = text.strip()
        prefix = f"{FORMAT}:"
        if not text.startswith(prefix):
            raise ValueError(
                f"a playground string starts with {prefix!r}, got {text[:20]!r}"
            )
        body = text[len(prefix) :]
        values: dict[str, Any] = {}
        known = {f.name: f for f in _FIELDS}
        for part in body.split("&") if body else []:
            key, sep, raw = part.partition("=")
            if not sep or key not in known:
                raise ValueError(
                    f"unknown setting {part!r}; expected key=value with a key"
                    f" from {list(known)}"
                )
            if key in values:
                raise ValueError(f"setting {key!r} given twice")
            values[key] = _parse(known[key].default, raw, key)
        return cls(**values)

    def replace(self, **changes: Any) -> PlaygroundConfig:
        """A copy with some settings changed (validated like a new config)."""
        return dataclasses.replace(self, **changes)


_FIELDS = [f for f in dataclasses.fields(PlaygroundConfig) if f.init]


def _format(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)  # the shortest string that reads back to the same float
    return str(value)


def _parse(default: Any, raw: str, key: str) -> Any:
    try:
        if isinstance(default, tuple):
            items = [r for r in raw.split(",") if r] if raw else []
            return tuple(int(r) for r in items) if key == "hidden" else tuple(items)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, int):
            return int(raw)
    except ValueError:
        raise ValueError(f"setting {key!r} has a malformed value {raw!r}") from None
    return raw


# ---------------------------------------------------------------------- the engine


def feature_matrix(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The columns of the chosen ``features`` for every row (x₁, x₂) of ``points``."""
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features:
        raise ValueError(
            f"features must be names from {list(FEATURES)}, got {features!r}"
        )
    return np.column_stack([FEATURES[f][1](points) for f in features])


def penalty(params: mn.Params, reg: str, rate: float) -> tuple[float, mn.Params]:
    """The weight penalty and its gradient: L1 ``rate·Σ|w|``, L2 ``rate·Σw²/2``, or none.

    Biases are not penalised (their gradient is zero), as in TensorFlow Playground.
    """
    if reg not in REGULARIZERS:
        raise ValueError(f"reg must be one of {REGULARIZERS}, got {reg!r}")
    grads = {k: np.zeros_like(p) for k, p in params.items()}
    if reg == "none" or rate == 0:
        return 0.0, grads
    total = 0.0
    for key, p in params.items():
        if key.startswith("W"):
            if reg == "L1":
                total += rate * float(np.abs(p).sum())
                grads[key] = rate * np.sign(p)
            else:
                total += rate * 0.5 * float((p * p).sum())
                grads[key] = rate * p
    return total, grads


class PlaygroundModel:
    """The data, the network and the optimizer state for one :class:`PlaygroundConfig`.

    Building it from a config with ``epochs = k`` trains k epochs, so the same string
    always gives the same weights. ``config`` always describes the current state.
    """

    def __init__(self, config: PlaygroundConfig | str | None = None) -> None:
        if config is None:
            config = PlaygroundConfig()
        elif isinstance(config, str):
            config = PlaygroundConfig.from_string(config)
        elif not isinstance(config, PlaygroundConfig):
            raise TypeError(
                f"config must be a PlaygroundConfig or its string, got"
                f" {type(config).__name__}"
            )
        self.settings = config.replace(epochs=0)
        X, y = DATASETS[config.data](config.points, config.noise, config.seed)
        n_train = max(2, min(len(y) - 2, round(config.split * len(y))))
        self.points, self.labels = X, y.astype(np.int64)
        self.train_idx, self.test_idx = (
            np.arange(n_train),
            np.arange(n_train, len(y)),
        )
        self.inputs = feature_matrix(X, config.features)
        sizes = (len(config.features), *config.hidden, 2)
        self.params = mn.init_params(
            sizes, activation=config.activation, seed=config.seed
        )
        self.rule = OPTIMIZERS[config.optimizer][0].rule
        self.state: dict[str, dict] = {k: {} for k in self.params}
        self.epoch = 0
        self.history: dict[str, list[float]] = {"train": [], "test": []}
        self._record()
        self.train(config.epochs)

    @property
    def config(self) -> PlaygroundConfig:
        """The setting that rebuilds exactly this state (settings and epochs trained)."""
        return self.settings.replace(epochs=self.epoch)

    def loss(self, which: str = "train") -> float:
        """Mean cross-entropy on the training or the test points (without the penalty)."""
        idx = self._split(which)
        logits, _ = mn.forward(
            self.params, self.inputs[idx], self.settings.activation
        )
        return mn.softmax_cross_entropy(logits, self.labels[idx])[0]

    def accuracy(self, which: str = "test") -> float:
        """Fraction of the training or the test points classified correctly."""
        idx = self._split(which)
        predicted = mn.predict(
            self.params, self.inputs[idx], self.settings.activation
        )
        return float(np.mean(predicted == self.labels[idx]))

    def _split(self, which: str) -> np.ndarray:
        if which not in ("train", "test"):
            raise ValueError(f"which must be 'train' or 'test', got {which!r}")
        return self.train_idx if which == "train" else self.test_idx

    def _record(self) -> None:
        self.history["train"].append(self.loss("train"))
        self.history["test"].append(self.loss("test"))

    def gradients(self, idx: np.ndarray) -> tuple[float, mn.Params]:
        """Loss (data plus penalty) and gradients on the examples ``idx``."""
        s = self.settings
        loss, grads = mn.loss_and_grads(
            self.params, self.inputs[idx], self.labels[idx], s.activation
        )
        extra, extra_grads = penalty(self.params, s.reg, s.reg_rate)
        return loss + extra, {k: g + extra_grads[k] for k, g in grads.items()}

    def step(self, idx: np.ndarray) -> float:
        """One optimizer step on the mini-batch ``idx``; returns its loss before the step."""
        loss, grads = self.gradients(idx)
        for key, p in self.params.items():
            self.params[key], self.state[key] = self.rule(
                p, grads[key], self.state[key], **self.settings.hyper
            )
        return loss

    def train(self, epochs: int = 1) -> None:
        """Train ``epochs`` passes over the training points, in mini-batches of ``batch``.

        Epoch e visits the points in an order drawn from the seed and e alone, so training
        10 epochs in one call or in ten calls gives the same weights.
        """
        if not _is_int(epochs) or epochs < 0:
            raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
        batch = self.settings.batch
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(epochs):
                order = np.random.default_rng(
                    [self.settings.seed, self.epoch]
                ).permutation(self.train_idx)
                for start in range(0, len(order), batch):
                    self.step(order[start : start + batch])
                self.epoch += 1
                self._record()

    def predict_proba(self, points: np.ndarray) -> np.ndarray:
        """The network's probability of class 1 at every row (x₁, x₂) of ``points``."""
        logits, _ = mn.forward(
            self.params,
            feature_matrix(points, self.settings.features),
            self.settings.activation,
        )
        return mn.softmax(logits)[:, 1]

    def neuron_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """Every unit's value at ``points``: the features, each hidden layer, P(class 1).

        One (m, width) array per column of the network diagram.
        """
        inputs = feature_matrix(points, self.settings.features)
        logits, cache = mn.forward(self.params, inputs, self.settings.activation)
        return [inputs, *cache.post, mn.softmax(logits)[:, 1:]]

    def diagram_weights(self) -> list[np.ndarray]:
        """The weight matrices (out, in) of the diagram's links.

        Two softmax outputs depend only on the difference of their logits, so the last
        layer is drawn as one output unit with weights ``W[1] - W[0]``.
        """
        n = mn.num_layers(self.params)
        weights = [self.params[f"W{i}"] for i in range(1, n)]
        last = self.params[f"W{n}"]
        return [*weights, (last[1] - last[0])[None, :]]
