"""Self-checks for chapters 3.1 and 4.2: gradients of a sigmoid layer and of softmax + CE,
and the whole backward pass and training loop of the chapter-3.1 network."""

from __future__ import annotations

import contextlib
import copy
import io
import time

import numpy as np

from ..foundations.mlp_numpy import (
    backward,
    forward,
    init_params,
    layer_backward,
    loss_and_grads,
    predict,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    train_mlp,
)
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    _call,
    _error_lines,
    resampled,
    run_check,
    time_limit,
)

_rng = np.random.default_rng(42)


def _normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape)


# ---------------------------------------------------------------- softmax + cross-entropy


def _softmax_ce_reference(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    return softmax_cross_entropy(logits, y)[1]


def _one_hot(y: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[y]


def _unstable_softmax(logits: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


SOFTMAX_CE_CASES = (
    Case(
        (np.array([[1.0, 2.0, 0.5]]), np.array([1])), "one example, three classes"
    ),
    Case(
        (_normal(4, 5), np.array([0, 4, 2, 2])), "a batch of 4 examples, 5 classes"
    ),
    Case(
        (np.zeros((2, 4)), np.array([3, 0])),
        "all logits equal (softmax is uniform)",
    ),
    Case(
        (
            np.array([[1000.0, 0.0, -1000.0], [5.0, 1005.0, 1000.0]]),
            np.array([0, 2]),
        ),
        "huge logits (exp(1000) overflows unless you subtract the row maximum)",
    ),
)
# New values at other scales, and rows whose maxima differ by more than exp's range (~745),
# where one maximum for the whole batch instead of one per row underflows a row to 0/0.
SOFTMAX_CE_GENERATED = resampled(
    SOFTMAX_CE_CASES, 311, scales=(0.1, 3.0, 300.0)
) + (
    Case(
        (
            np.array(
                [[1000.0, 0.0, -5.0], [0.0, 1.0, 2.0], [-900.0, -901.0, -899.5]]
            ),
            np.array([0, 2, 1]),
        ),
        "rows whose maxima differ a lot (1000, 2 and -899.5)",
        teaching=False,
    ),
)

SOFTMAX_CE_MISTAKES = (
    Mistake(
        lambda z, y: softmax(z) - _one_hot(y, z.shape[1]),
        "the loss is the MEAN over the batch, so divide (p − y) by the number of"
        " examples n.",
    ),
    Mistake(
        lambda z, y: (_one_hot(y, z.shape[1]) - softmax(z)) / len(z),
        "sign error: the gradient is (p − y)/n, the predicted probabilities minus the"
        " one-hot labels.",
    ),
    Mistake(
        lambda z, y: softmax(z) / len(z),
        "subtract the one-hot label: the gradient is (p − y)/n, not p/n.",
    ),
    Mistake(
        lambda z, y: (
            np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)
            - _one_hot(y, z.shape[1])
        )
        / len(z),
        "softmax is taken over the classes of each example (axis=1, along a row),"
        " not over the batch (axis=0).",
    ),
    Mistake(
        lambda z, y: (_unstable_softmax(z) - _one_hot(y, z.shape[1])) / len(z),
        "exp overflows for large logits: subtract each row's maximum before exp"
        " (softmax does not change when a constant is added to a row).",
    ),
)


def check_softmax_ce_grad(fn) -> CheckResult:
    """Check ``fn(logits, y)`` returns ∂L/∂logits of the mean softmax cross-entropy.

    ``logits`` is an (n, K) array, ``y`` holds n integer labels in 0..K-1.
    """
    return run_check(
        "check_softmax_ce_grad",
        fn,
        _softmax_ce_reference,
        SOFTMAX_CE_CASES + SOFTMAX_CE_GENERATED,
        SOFTMAX_CE_MISTAKES,
        signature="(logits, y)",
    )


# ------------------------------------------------------ one sigmoid layer with the MSE loss


def _sigmoid_layer_grads(X, W, b, Y, *, dz=None, dw=None, db=None):
    """Gradients of L = (1/n)·Σ_j ½‖σ(W x_j + b) − y_j‖², with parts swappable for mistakes."""
    n = X.shape[0]
    A = sigmoid(X @ W.T + b)
    dZ = (A - Y) * A * (1 - A) / n if dz is None else dz(X, W, b, Y, A)
    dW, db_, _ = layer_backward(X, W, dZ)
    return (dW if dw is None else dw(X, dZ)), (db_ if db is None else db(dZ))


def _mlp_backward_reference(X, W, b, Y):
    return _sigmoid_layer_grads(X, W, b, Y)


def _wrong(**parts):
    return lambda X, W, b, Y: _sigmoid_layer_grads(X, W, b, Y, **parts)


MLP_BACKWARD_CASES = (
    Case(
        (
            np.array([[1.0, -2.0, 0.5]]),
            np.array([[0.3, -0.1, 0.2], [0.0, 0.5, -0.4]]),
            np.array([0.1, -0.2]),
            np.array([[1.0, 0.0]]),
        ),
        "one example, 3 inputs, 2 outputs",
    ),
    Case(
        (_normal(4, 3), _normal(2, 3), _normal(2), _rng.uniform(size=(4, 2))),
        "a batch of 4 examples, 3 inputs, 2 outputs",
    ),
    Case(
        (_normal(5, 2), _normal(3, 2), np.zeros(3), _rng.uniform(size=(5, 3))),
        "a batch of 5 examples, 2 inputs, 3 outputs, zero bias",
    ),
    Case(
        (_normal(6, 4), 0.1 * _normal(1, 4), np.array([2.0]), np.ones((6, 1))),
        "a batch of 6 examples and a single output unit",
    ),
)
MLP_BACKWARD_GENERATED = resampled(MLP_BACKWARD_CASES, 312)

MLP_BACKWARD_MISTAKES = (
    Mistake(
        _wrong(dw=lambda X, dZ: X.T @ dZ),
        "missing transpose: ∂L/∂W = Δᵀ X (with Δ = ∂L/∂Z) has the shape of W,"
        " (outputs, inputs); X.T @ Δ has the transposed shape.",
    ),
    Mistake(
        _wrong(dz=lambda X, W, b, Y, A: (A - Y) / len(X)),
        "you forgot the activation's derivative: multiply by σ'(z) = σ(z)(1 − σ(z))"
        " before passing the error through the linear layer.",
    ),
    Mistake(
        _wrong(dz=lambda X, W, b, Y, A: (A - Y) * A * (1 - A)),
        "summed instead of averaged over the batch: the loss is a mean over the"
        " n examples, so every gradient carries a factor 1/n.",
    ),
    Mistake(
        _wrong(db=lambda dZ: np.zeros(dZ.shape[1])),
        "you forgot the bias gradient: ∂L/∂b is the sum of δ over the batch, not zero.",
    ),
    Mistake(
        _wrong(db=lambda dZ: dZ),
        "the bias gradient must be summed over the examples (δ.sum(axis=0)), giving one"
        " number per output unit.",
    ),
    Mistake(
        _wrong(dz=lambda X, W, b, Y, A: (Y - A) * A * (1 - A) / len(X)),
        "sign error: ∂L/∂ŷ = ŷ − y for L = ½(y − ŷ)², not y − ŷ.",
    ),
    Mistake(
        _wrong(
            dz=lambda X, W, b, Y, A: (A - Y)
            * (X @ W.T + b)
            * (1 - (X @ W.T + b))
            / len(X)
        ),
        "σ'(z) = σ(z)(1 − σ(z)) uses the OUTPUT a = σ(z), not the pre-activation z.",
    ),
)


def check_mlp_backward(fn) -> CheckResult:
    """Check ``fn(X, W, b, Y)`` returns ``(dW, db)`` for one sigmoid layer with MSE.

    The layer computes A = σ(X Wᵀ + b) for the rows of X (n, d), with W (m, d) and b (m,);
    the loss is L = (1/n) Σ_j ½ ‖a_j − y_j‖² with targets Y (n, m).
    """
    return run_check(
        "check_mlp_backward",
        fn,
        _mlp_backward_reference,
        MLP_BACKWARD_CASES + MLP_BACKWARD_GENERATED,
        MLP_BACKWARD_MISTAKES,
        signature="(X, W, b, Y)",
    )


# ------------------------------------- the whole backward pass of a ReLU MLP (any depth)


def _as_params(flat) -> dict[str, np.ndarray]:
    """[W1, b1, W2, b2, ...] as the chapter's dict; the arrays are shared, not copied."""
    return {
        f"{kind}{i // 2 + 1}": array
        for i, (kind, array) in enumerate(
            zip("Wb" * (len(flat) // 2), flat, strict=True)
        )
    }


class _AnswerForm(Exception):
    """The learner's function returned, but not a dict of float64 gradients."""


ANSWER_FORM_HINT = (
    '  Hint: return a dict of float64 arrays, {"W1": dW1, "b1": db1, ...}, one'
    " gradient per parameter, each of its parameter's shape."
)


def _flat_grads(grads, params: dict[str, np.ndarray]) -> tuple:
    """The gradients in the order of ``params``; a clear error when they cannot be."""
    keys = list(params)
    if grads is None:
        return None  # run_check names a missing return
    if not isinstance(grads, dict):
        raise _AnswerForm(
            f"is a {type(grads).__name__}, not a dict: return the gradients as a dict"
            f" with the keys of params ({', '.join(keys)})"
        )
    if set(grads) != set(keys):
        raise _AnswerForm(
            f"has gradients for {sorted(grads)}; the dict needs exactly the keys of"
            f" params, {keys}"
        )
    for key in keys:
        dtype = getattr(grads[key], "dtype", None)
        if dtype is not None and dtype != np.float64:
            raise _AnswerForm(
                f"has dtype {dtype} for the gradient of {key}: the parameters and the"
                " data are float64, keep every step in float64 (float32 keeps only"
                " about 7 digits)"
            )
    return tuple(grads[key] for key in keys)


def _on_flat(fn):
    """``fn(params, X, y)`` seen as a function of the flat list of parameters."""

    def call(flat, X, y):
        params = _as_params(flat)
        return _flat_grads(fn(params, X, y), params)

    return call


def _relu_mlp_gradients(params, X, y):
    logits, cache = forward(params, X, "relu")
    return backward(params, cache, softmax_cross_entropy(logits, y)[1])


def _mistaken_gradients(params, X, y, mistake: str):
    """The gradients of a ReLU MLP computed with one typical ``mistake``."""
    n, n_layers = len(X), len(params) // 2
    inputs, pre, A = [], [], X
    for layer in range(1, n_layers + 1):
        inputs.append(A)
        Z = A @ params[f"W{layer}"].T + params[f"b{layer}"]
        pre.append(Z)
        A = np.maximum(Z, 0)
    logits = A if mistake == "relu on logits" else Z
    one_hot = np.eye(logits.shape[1])[y]
    dZ = {
        "sign": (one_hot - softmax(logits)) / n,
        "no mean": softmax(logits) - one_hot,
        "no softmax": (logits - one_hot) / n,
    }.get(mistake, (softmax(logits) - one_hot) / n)
    if mistake == "relu on logits":
        dZ = dZ * (pre[-1] > 0)
    grads = {}
    for layer in range(n_layers, 0, -1):
        X_prev, W = inputs[layer - 1], params[f"W{layer}"]
        grads[f"W{layer}"] = (
            X_prev.T @ dZ if mistake == "transpose" else dZ.T @ X_prev
        )
        grads[f"b{layer}"] = {
            "bias axis": lambda d: d.sum(axis=1),
            "bias mean": lambda d: d.mean(axis=0),
        }.get(mistake, lambda d: d.sum(axis=0))(dZ)
        if layer > 1:
            dA = dZ @ W
            if mistake == "no derivative":
                dZ = dA
            elif mistake == "derivative of this layer":
                dZ = dA * (pre[layer - 1] > 0)
            else:
                dZ = dA * (pre[layer - 2] > 0)
    return {key: grads[key] for key in params}


def _mlp_case(sizes, n: int, seed: int, description: str) -> Case:
    rng = np.random.default_rng(seed)
    flat = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        flat.append(rng.standard_normal((fan_out, fan_in)) * np.sqrt(2 / fan_in))
        flat.append(0.1 * rng.standard_normal(fan_out))
    X = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    keys = ", ".join(_as_params(flat))
    return Case(
        (flat, X, y), f"{description} (the values are the gradients of {keys})"
    )


MLP_GRADIENTS_CASES = (
    _mlp_case((3, 4), 5, 1, "no hidden layer: 3 inputs, 4 classes, 5 examples"),
    _mlp_case((4, 5, 3), 6, 2, "one hidden layer, sizes 4-5-3, 6 examples"),
    _mlp_case((4, 4, 4), 4, 3, "one hidden layer, sizes 4-4-4, 4 examples"),
    _mlp_case((5, 3, 6, 2), 7, 4, "two hidden layers, sizes 5-3-6-2, 7 examples"),
)
MLP_GRADIENTS_GENERATED = resampled(MLP_GRADIENTS_CASES, 313, scales=(0.3, 2.0))


def _wrong_mlp(mistake: str):
    return lambda params, X, y: _mistaken_gradients(params, X, y, mistake)


MLP_GRADIENTS_MISTAKES = (
    Mistake(
        _wrong_mlp("transpose"),
        "missing transpose: ∂L/∂W = Δᵀ X_prev has the shape of W (outputs, inputs);"
        " X_prev.T @ Δ has the transposed shape.",
    ),
    Mistake(
        _wrong_mlp("no mean"),
        "you forgot to divide by the batch size: the loss is the MEAN over the n"
        " examples, so ∂L/∂logits = (p − one_hot(y)) / n.",
    ),
    Mistake(
        _wrong_mlp("bias axis"),
        "the bias gradient sums Δ over the examples (axis 0), giving one number per"
        " unit of the layer; you summed over the units (axis 1).",
    ),
    Mistake(
        _wrong_mlp("bias mean"),
        "the bias gradient is the SUM of Δ over the examples: Δ already carries the"
        " 1/n of the mean, so taking the mean divides by n twice.",
    ),
    Mistake(
        _wrong_mlp("no derivative"),
        "you forgot the activation's derivative: between two layers multiply by"
        " relu'(Z) = (Z > 0) of the layer below before going on.",
    ),
    Mistake(
        _wrong_mlp("derivative of this layer"),
        "the activation derivative is taken at the wrong point: Δ_{l-1} = (Δ_l W_l) ⊙"
        " f'(Z_{l-1}) uses the pre-activation of the layer BELOW, not of layer l.",
    ),
    Mistake(
        _wrong_mlp("relu on logits"),
        "the last layer has no activation: its Z are the logits, which go straight"
        " into the softmax.",
    ),
    Mistake(
        _wrong_mlp("sign"),
        "sign error: ∂L/∂logits = (p − one_hot(y)) / n, the probabilities minus the"
        " one-hot labels.",
    ),
    Mistake(
        _wrong_mlp("no softmax"),
        "∂L/∂logits uses the softmax probabilities p = softmax(logits), not the"
        " logits themselves: (p − one_hot(y)) / n.",
    ),
)


def check_mlp_gradients(fn) -> CheckResult:
    """Check ``fn(params, X, y)`` returns the gradients of a ReLU MLP's mean softmax CE.

    ``params`` holds ``W1, b1, ..., WL, bL`` as in chapter 3.1 (W of shape (out, in), ReLU
    on every hidden layer, the last layer gives the logits), ``X`` is (n, d) float64 and
    ``y`` holds n integer labels; ``fn`` returns a dict of float64 gradients with the keys
    of ``params``. Networks of several depths and widths are compared with a float64
    reference.
    """
    signature = "(params, X, y)"
    if not callable(fn):
        return run_check("check_mlp_gradients", fn, None, (), signature=signature)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # the learner's own prints are kept
        result = run_check(
            "check_mlp_gradients",
            _on_flat(fn),
            _on_flat(_relu_mlp_gradients),
            MLP_GRADIENTS_CASES + MLP_GRADIENTS_GENERATED,
            [Mistake(_on_flat(m.impl), m.hint) for m in MLP_GRADIENTS_MISTAKES],
            signature=signature,
        )
    verdict = "\n".join(result.messages) + "\n"
    print(printed.getvalue().removesuffix(verdict), end="")
    raised = f"your function raised {_AnswerForm.__name__}: "
    if (
        raised in result.messages[0]
    ):  # not an error of the learner's code: its answer
        result = CheckResult(
            result.name,
            result.passed,
            [
                result.messages[0].replace(raised, "your function's answer "),
                result.messages[1],
                ANSWER_FORM_HINT,
            ],
        )
    print("\n".join(result.messages))
    return result


# --------------------------------------------------------- a training loop that learns

#: The held-out accuracy ``check_training_loop`` asks for. Chapter 3.1's reference run
#: (``train_mlp``: 20 epochs, learning rate 0.1, batches of 32) reaches about 97 %.
TRAINING_TARGET = 0.95

DIVERGED_HINT = "lower the learning rate, and check your gradients first with check_mlp_gradients."
UNCHANGED_HINT = (
    "update every parameter, params[k] = params[k] - lr * grads[k], and return the"
    " updated dict."
)
CHANCE_HINT = (
    "the network does no better than guessing: does each step go AGAINST the"
    " gradient (params - lr * grads), is the step small enough, are the gradients"
    " right (check_mlp_gradients)?"
)
BELOW_TARGET_HINT = (
    "check your gradients with check_mlp_gradients; then train for more epochs or try"
    " another learning rate."
)


def _train_reference(params, X, y):
    """Chapter 3.1's run: 20 epochs of SGD, learning rate 0.1, batches of 32."""
    train_mlp(params, X, y, lr=0.1, epochs=20, batch_size=32, seed=0)
    return params


def _train_with(*, lr: float, epochs: int, sign: float = 1.0):
    def train(params, X, y):
        rng = np.random.default_rng(0)
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), 32):
                idx = order[start : start + 32]
                _, grads = loss_and_grads(params, X[idx], y[idx])
                for key in params:
                    params[key] = params[key] - sign * lr * grads[key]
        return params

    return train


def _diverging(params, X, y):
    """Softmax without subtracting the row maximum, and far too large a step."""
    with np.errstate(all="ignore"):  # the overflow is the point
        for start in range(0, len(X), 32):
            Xb, yb = X[start : start + 32], y[start : start + 32]
            H = np.maximum(Xb @ params["W1"].T + params["b1"], 0)
            P = np.exp(H @ params["W2"].T + params["b2"])
            P = P / P.sum(axis=1, keepdims=True)
            P[np.arange(len(yb)), yb] -= 1
            dZ = P / len(yb)
            dH = (dZ @ params["W2"]) * (H > 0)
            grads = {
                "W1": dH.T @ Xb,
                "b1": dH.sum(axis=0),
                "W2": dZ.T @ H,
                "b2": dZ.sum(axis=0),
            }
            params = {k: params[k] - 1e3 * grads[k] for k in params}
    return params


TRAINING_MISTAKES = (
    Mistake(lambda params, X, y: params, UNCHANGED_HINT),
    Mistake(_train_with(lr=0.1, epochs=5, sign=-1.0), CHANCE_HINT),
    Mistake(_diverging, DIVERGED_HINT),
    Mistake(_train_with(lr=0.05, epochs=1), BELOW_TARGET_HINT),
)


def _training_verdict(passed: bool, *lines: str) -> CheckResult:
    name = "check_training_loop"
    messages = [f"{'✓' if passed else '✗'} {name}: {lines[0]}", *lines[1:]]
    print("\n".join(messages))
    return CheckResult(name, passed, messages)


def _check_training_data(X_train, y_train, X_test, y_test) -> None:
    for X, y, part in ((X_train, y_train, "training"), (X_test, y_test, "test")):
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim != 2 or y.shape != (len(X),) or y.dtype.kind not in "iu":
            raise ValueError(
                f"the {part} data must be an (n, d) array and n integer labels, got"
                f" shapes {X.shape} and {y.shape}"
            )


def _as_trained(trained, start: dict[str, np.ndarray]):
    """The returned parameters as float arrays, or the sentence that says why not."""
    if trained is None:
        return "your function returned None (is a `return` missing?)."
    if not isinstance(trained, dict) or set(trained) != set(start):
        keys = f" with keys {sorted(trained)}" if isinstance(trained, dict) else ""
        return (
            f"expected the trained parameters, a dict with the keys {list(start)};"
            f" got {type(trained).__name__}{keys}."
        )
    try:
        trained = {k: np.asarray(v, dtype=float) for k, v in trained.items()}
    except (TypeError, ValueError, RuntimeError):
        trained = {}
    if not all(k in trained and trained[k].shape == start[k].shape for k in start):
        shapes = {k: v.shape for k, v in start.items()}
        return f"the returned parameters are not arrays of the shapes {shapes}."
    return trained


def check_training_loop(
    fn, X_train, y_train, X_test, y_test, *, target: float = TRAINING_TARGET
) -> CheckResult:
    """Check ``fn(params, X, y)`` trains the chapter's ReLU MLP to ``target`` accuracy.

    ``fn`` gets the initial parameters of a network with one hidden layer of 64 ReLU
    units (``init_params`` with seed 0) and the training data, and returns the trained
    parameters; they must classify at least ``target`` of ``(X_test, y_test)``
    correctly. The training runs under the time limit of one call,
    :func:`bookutils.selfcheck.time_limit`.
    """
    _check_training_data(X_train, y_train, X_test, y_test)
    if not callable(fn):
        return _training_verdict(
            False,
            f"expected a function (params, X, y), got {type(fn).__name__}.",
            "  Hint: pass the function itself: check_training_loop(my_train, ...).",
        )
    X_train, X_test = np.array(X_train, dtype=float), np.asarray(X_test, float)
    classes = int(max(np.max(y_train), np.max(y_test))) + 1
    sizes = (X_train.shape[1], 64, classes)
    start = init_params(sizes, activation="relu", seed=0)
    limit = time_limit()
    case = Case((), f"training the {'-'.join(map(str, sizes))} network")
    began = time.perf_counter()
    out = _call(fn, (copy.deepcopy(start), X_train, np.array(y_train)), limit)
    seconds = time.perf_counter() - began
    if not out.ok:
        lines = _error_lines(out.error, case, "(params, X, y)", limit)
        return _training_verdict(False, *lines)
    trained = _as_trained(out.value, start)
    if isinstance(trained, str):
        return _training_verdict(False, trained)
    if not all(np.isfinite(v).all() for v in trained.values()):
        return _training_verdict(
            False,
            "the trained parameters contain NaN or inf: the training diverged.",
            f"  Hint: {DIVERGED_HINT}",
        )
    if all(np.array_equal(trained[k], start[k]) for k in start):
        return _training_verdict(
            False,
            "the returned parameters are the initial ones: nothing was trained.",
            f"  Hint: {UNCHANGED_HINT}",
        )
    accuracy = float(np.mean(predict(trained, X_test) == np.asarray(y_test)))
    if accuracy < target:
        hint = CHANCE_HINT if accuracy < 2 / classes else BELOW_TARGET_HINT
        return _training_verdict(
            False,
            f"held-out accuracy {accuracy:.1%}, below the target {target:.0%}"
            f" (training took {seconds:.1f} s).",
            f"  Hint: {hint}",
        )
    return _training_verdict(
        True,
        f"held-out accuracy {accuracy:.1%} ≥ {target:.0%}, trained in {seconds:.1f} s"
        f" (time limit {limit:g} s).",
    )
