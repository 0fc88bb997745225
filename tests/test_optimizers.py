"""bookutils.optim.optimizers against torch.optim, step for step; and the chapter 3.2
self-checks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bookutils.checks import optimizers as checks
from bookutils.optim import optimizers as opt

SETTINGS = {
    "SGD": {"lr": 0.1, "weight_decay": 0.01},
    "Momentum": {
        "lr": 0.05,
        "momentum": 0.8,
        "dampening": 0.1,
        "weight_decay": 0.01,
    },
    "Nesterov": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.001},
    "AdaGrad": {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "eps": 1e-6},
    "RMSProp": {
        "lr": 0.01,
        "momentum": 0.5,
        "centered": True,
        "weight_decay": 0.01,
    },
    "Adam": {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05},
    "AdamW": {"lr": 0.01, "betas": (0.9, 0.95), "weight_decay": 0.1},
}
DEFAULTS = {name: {"lr": 0.01} for name in opt.OPTIMIZERS}
# torch class; for SGD, whether momentum is on and whether Nesterov's form is used
TORCH_CLASSES = {
    "SGD": (torch.optim.SGD, False, False),
    "Momentum": (torch.optim.SGD, True, False),
    "Nesterov": (torch.optim.SGD, True, True),
    "AdaGrad": (torch.optim.Adagrad, None, None),
    "RMSProp": (torch.optim.RMSprop, None, None),
    "Adam": (torch.optim.Adam, None, None),
    "AdamW": (torch.optim.AdamW, None, None),
}


def _problem(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 4, generator=gen, dtype=torch.float64)
    y = torch.randn(32, generator=gen, dtype=torch.float64)
    W = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(3, generator=gen, dtype=torch.float64)

    def loss(W, b):
        return ((torch.tanh(X @ W + b).sum(1) - y) ** 2).mean()

    return loss, W, b


@pytest.mark.parametrize(
    "settings", [SETTINGS, DEFAULTS], ids=["unusual", "defaults"]
)
@pytest.mark.parametrize("name", list(opt.OPTIMIZERS))
def test_matches_torch_step_for_step(name, settings):
    loss, W, b = _problem()
    ours = [W.clone().requires_grad_(), b.clone().requires_grad_()]
    theirs = [W.clone().requires_grad_(), b.clone().requires_grad_()]
    a = opt.make_optimizer(name, ours, **settings[name])
    t = opt.make_torch_optimizer(name, theirs, **settings[name])
    # the reference must be the torch optimizer named here, not whatever the module picks
    torch_class, momentum_on, nesterov = TORCH_CLASSES[name]
    group = t.param_groups[0]
    assert type(t) is torch_class, f"make_torch_optimizer({name!r}) gave {type(t)}"
    if torch_class is torch.optim.SGD:  # plain, heavy-ball or Nesterov
        assert (group["momentum"] > 0) == momentum_on, f"{name}: {group}"
        assert group["nesterov"] == nesterov, f"{name}: {group}"
    for _ in range(120):
        for optimizer, params in ((a, ours), (t, theirs)):
            optimizer.zero_grad()
            loss(*params).backward()
            optimizer.step()
        for p, q in zip(ours, theirs, strict=True):
            assert (p - q).abs().max().item() <= 1e-6
    assert loss(*ours).item() < loss(W, b).item()


@pytest.mark.parametrize("name", list(opt.OPTIMIZERS))
def test_rule_works_on_numpy_like_torch(name):
    rule = opt.OPTIMIZERS[name][0].rule
    hyper = opt.make_optimizer(name, [torch.zeros(1)], **SETTINGS[name]).hyper
    rng = np.random.default_rng(1)
    p_np, state_np = rng.normal(size=5), {}
    p_t, state_t = torch.tensor(p_np), {}
    for _ in range(10):
        g = rng.normal(size=5)
        before = p_np.copy()
        p_np, state_np = rule(p_np, g, state_np, **hyper)
        p_t, state_t = rule(p_t, torch.tensor(g), state_t, **hyper)
        assert not np.array_equal(before, p_np)
    assert np.allclose(p_np, p_t.numpy(), rtol=1e-12, atol=1e-14)


def test_rules_do_not_change_their_inputs():
    p, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    state = {
        "step": 2,
        "exp_avg": np.array([0.1, 0.1]),
        "exp_avg_sq": np.array([0.2, 0.2]),
    }
    copies = (p.copy(), g.copy(), {k: np.copy(v) for k, v in state.items()})
    opt.adam_rule(p, g, state, lr=0.1)
    assert np.array_equal(p, copies[0]) and np.array_equal(g, copies[1])
    assert all(np.array_equal(state[k], copies[2][k]) for k in state)


def test_momentum_buffer_is_a_copy_of_the_gradient():
    theta = torch.ones(2, requires_grad=True)
    o = opt.Momentum([theta], lr=0.1)
    (theta**2).sum().backward()
    o.step()
    theta.grad.zero_()  # changing .grad in place must not touch the buffer
    assert torch.equal(o.state[0]["momentum_buffer"], torch.tensor([2.0, 2.0]))


def test_parameters_without_gradient_are_skipped_and_zero_grad_clears():
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    o = opt.Adam([a, b], lr=0.1)
    (a**2).sum().backward()
    o.step()
    assert torch.equal(b, torch.ones(2)) and not torch.equal(
        a.detach(), torch.ones(2)
    )
    o.zero_grad()
    assert a.grad is None and b.grad is None
    assert repr(o).startswith("Adam(lr=0.1")


def test_first_adam_step_has_size_lr():
    theta = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    o = opt.Adam([theta], lr=0.01)
    c = torch.tensor([5.0, -1e-3, 1.0], dtype=torch.float64)
    (c @ theta).backward()
    o.step()
    assert torch.allclose(theta.detach(), -0.01 * c / (c.abs() + 1e-8), atol=1e-15)


@pytest.mark.parametrize(
    "cls, kwargs, word",
    [
        (opt.SGD, {"lr": -0.1}, "lr"),
        (opt.SGD, {"lr": float("inf")}, "lr"),
        (opt.SGD, {"momentum": -0.5}, "momentum"),
        (opt.SGD, {"dampening": 1.5}, "dampening"),
        (opt.SGD, {"nesterov": True}, "Nesterov"),
        (
            opt.SGD,
            {"momentum": 0.9, "dampening": 0.1, "nesterov": True},
            "Nesterov",
        ),
        (opt.Momentum, {"momentum": 0.0}, "momentum > 0"),
        (opt.Momentum, {"momentum": 1.0}, "momentum"),
        (opt.Nesterov, {"momentum": 0.0}, "Nesterov"),
        (opt.AdaGrad, {"lr_decay": -1.0}, "lr_decay"),
        (opt.AdaGrad, {"eps": float("nan")}, "eps"),
        (opt.RMSProp, {"alpha": 1.0}, "alpha"),
        (opt.RMSProp, {"weight_decay": -1.0}, "weight_decay"),
        (opt.Adam, {"betas": (1.0, 0.999)}, "beta1"),
        (opt.Adam, {"betas": (0.9, -0.1)}, "beta2"),
        (opt.Adam, {"eps": -1e-8}, "eps"),
        (opt.AdamW, {"weight_decay": -0.01}, "weight_decay"),
        (opt.AdamW, {"lr": -1e-3}, "lr"),
    ],
)
def test_bad_hyperparameters_raise_value_error(cls, kwargs, word):
    with pytest.raises(ValueError, match=word):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (opt.SGD, {"lr": "0.1"}),
        (opt.SGD, {"lr": True}),
        (opt.SGD, {"nesterov": 1}),
        (opt.Adam, {"betas": 0.9}),
        (opt.Adam, {"betas": (0.9,)}),
        (opt.RMSProp, {"centered": "yes"}),
    ],
)
def test_bad_hyperparameter_types_raise_type_error(cls, kwargs):
    with pytest.raises(TypeError):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


def test_bad_params():
    with pytest.raises(TypeError, match="single tensor"):
        opt.SGD(torch.zeros(2), lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        opt.SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        opt.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        opt.SGD([torch.zeros(2, dtype=torch.long)], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        opt.SGD([np.zeros(2)], lr=0.1)


def test_check_hyperparameter():
    assert opt.check_hyperparameter("lr", 1) == 1.0
    assert opt.check_hyperparameter("dampening", 1.0) == 1.0
    with pytest.raises(ValueError, match="unknown"):
        opt.check_hyperparameter("learning_rate", 0.1)
    with pytest.raises(TypeError):
        opt.check_hyperparameter("lr", None)


def test_make_optimizer_errors_and_trajectory():
    with pytest.raises(ValueError, match="unknown optimizer"):
        opt.make_optimizer("Adamax", [torch.zeros(1)])
    with pytest.raises(ValueError, match="unknown optimizer"):
        opt.make_torch_optimizer("Adamax", [torch.zeros(1)])
    path = opt.trajectory("SGD", lambda t: (t**2).sum(), [1.0, -2.0], 10, lr=0.25)
    assert path.shape == (11, 2)
    assert np.allclose(path[:, 0], 0.5 ** np.arange(11))  # θ ← θ - 0.25·2θ = θ/2
    diverged = opt.trajectory("SGD", lambda t: (t**2).sum(), [1.0], 5000, lr=10.0)
    assert len(diverged) < 5001 and np.all(np.isfinite(diverged))
    with pytest.raises(ValueError, match="steps"):
        opt.trajectory("SGD", lambda t: t.sum(), [1.0], -1, lr=0.1)
    with pytest.raises(TypeError, match="loss"):
        opt.trajectory("SGD", 3, [1.0], 1, lr=0.1)
    with pytest.raises(ValueError, match="1-D"):
        opt.trajectory("SGD", lambda t: t.sum(), [[1.0]], 1, lr=0.1)


# ---------------------------------------------------------------- self-checks


def test_adam_reference_matches_torch():
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, -0.1])
    new, m, v = checks.adam_reference(
        theta, grad, 0 * theta, 0 * theta, 1, 0.1, 0.9, 0.999, 1e-8
    )
    p = torch.tensor(theta, requires_grad=True)
    o = torch.optim.Adam([p], lr=0.1)
    p.grad = torch.tensor(grad)
    o.step()
    assert np.allclose(new, p.detach().numpy(), atol=1e-15)
    assert np.allclose(m, 0.1 * grad) and np.allclose(v, 0.001 * grad**2)


RULES = [
    (
        opt.sgd_rule,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    ),
    (opt.adagrad_rule, torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    (
        opt.rmsprop_rule,
        torch.optim.RMSprop,
        {"lr": 0.01, "centered": True, "momentum": 0.3},
    ),
    (opt.adam_rule, torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.1}),
    (opt.adamw_rule, torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(
    "rule,reference,hyper", RULES, ids=lambda r: getattr(r, "__name__", "")
)
def test_rule_functions_called_directly_match_torch(rule, reference, hyper):
    """The pure update rules, without the Optimizer class around them, against torch.optim."""
    gen = torch.Generator().manual_seed(3)
    target = torch.randn(5, generator=gen, dtype=torch.float64)
    ours = torch.zeros(5, dtype=torch.float64)
    theirs = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    torch_opt, state = reference([theirs], **hyper), {}
    for _ in range(30):
        grad = 2 * (ours - target) * torch.arange(1.0, 6.0, dtype=torch.float64)
        ours, state = rule(ours, grad, state, **hyper)
        torch_opt.zero_grad()
        (
            (theirs - target) ** 2 * torch.arange(1.0, 6.0, dtype=torch.float64)
        ).sum().backward()
        torch_opt.step()
        torch.testing.assert_close(ours, theirs.detach(), rtol=0, atol=1e-12)


# --- check_adam_optimizer ("Build it yourself: Adam") against wrong code it has no hint for


def _adam(transform=None, *, only_first=False, axis_mean=False, step32=False):
    """A learner's Adam step with one slip (``transform`` edits the step of a tensor)."""

    def step(params, state, lr, beta1, beta2, eps):
        state["t"] = t = state.get("t", 0) + 1
        with torch.no_grad():
            for i, p in enumerate(params[:1] if only_first else params):
                m, v = state.get(i, (torch.zeros_like(p), torch.zeros_like(p)))
                g2 = (p.grad**2).mean(0) if axis_mean else p.grad**2
                m = beta1 * m + (1 - beta1) * p.grad
                v = beta2 * v + (1 - beta2) * g2
                state[i] = (m, v)
                update = (
                    lr * m / (1 - beta1**t) / ((v / (1 - beta2**t)).sqrt() + eps)
                )
                if transform is not None:
                    update = transform(update)
                p -= update.float() if step32 else update

    return step


def _learner_adam(params, state, lr, beta1, beta2, eps):
    return _adam()(params, state, lr, beta1, beta2, eps)


def _returns_a_list(params, state, lr, beta1, beta2, eps):
    new = [p.detach().clone().requires_grad_() for p in params]
    for q, p in zip(new, params, strict=True):
        q.grad = p.grad
    _learner_adam(new, state, lr, beta1, beta2, eps)
    return new


def _mutates_the_gradient(params, state, lr, beta1, beta2, eps):
    for p in params:
        p.grad.mul_(1.0 - beta1)  # "saves" a multiplication, in place
    return _learner_adam(params, state, lr, beta1, beta2, eps)


def _float32_parameters(params, state, lr, beta1, beta2, eps):
    _learner_adam(params, state, lr, beta1, beta2, eps)
    for p in params:
        p.data = p.data.float()  # "to save memory"


def _no_grad_missing(params, state, lr, beta1, beta2, eps):
    for p in params:
        p -= lr * p.grad.sign()


def _never_returns(params, state, lr, beta1, beta2, eps):
    k = 0
    while k < 10:
        k * 2  # the increment is missing


WRONG_ADAMS = {
    # a slip that has no hint: the check must still say ✗, with a useful message
    "transposed step": (
        _adam(lambda u: u.T if u.ndim == 2 else u),
        "raised RuntimeError",
    ),
    "missing bias": (_adam(only_first=True), "b (4,): expected"),
    "wrong reduction axis": (
        _adam(axis_mean=True),
        "wrong parameters after step 1",
    ),
    "float32 step": (_adam(step32=True), "largest difference"),
    "float32 parameters": (
        _float32_parameters,
        "became a tensor of dtype torch.float32",
    ),
    "mutates the input": (_mutates_the_gradient, "changed the gradient of W"),
    "returns a list": (_returns_a_list, "the parameters did not move"),
    "no torch.no_grad()": (_no_grad_missing, "inside `with torch.no_grad():`"),
}


def test_check_adam_optimizer_passes_a_learners_adam(capsys):
    assert checks.check_adam_optimizer(_learner_adam)
    assert "✓" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", WRONG_ADAMS)
def test_check_adam_optimizer_rejects_wrong_code_it_has_no_hint_for(name, capsys):
    fn, said = WRONG_ADAMS[name]
    result = checks.check_adam_optimizer(fn)
    out = capsys.readouterr().out
    assert not result and "✗" in out and "Traceback" not in out, out
    assert said in out, out


def test_check_adam_optimizer_stops_a_step_that_never_returns(monkeypatch, capsys):
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.3")
    assert not checks.check_adam_optimizer(_never_returns)
    out = capsys.readouterr().out
    assert (
        "did not finish within the time limit of 0.3 s" in out
        and "Traceback" not in out
    )


def test_check_adam_optimizer_needs_every_digit_of_float64():
    """A step computed in float32 is off by about 1e-8: the tolerance must catch it."""
    case = checks.ADAM_OPTIMIZER_CASES[0]
    ours = checks._run(_learner_adam, case, None)
    slip = checks._run(_adam(step32=True), case, None)
    torch_run = checks._run(checks.adam_optimizer_reference, case, None)
    assert checks._same_run(ours, torch_run)
    assert not checks._same_run(slip, torch_run)


# --- one source: chapter 3.2 shows the package's rules and class as lesson code

sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

NOTEBOOK_3_2 = (
    Path(__file__).parents[1] / "notebooks/03_algorithms/3_2_optimizers.ipynb"
)


def test_chapter_3_2_shows_the_lesson_code():
    assert_notebook_shows(
        NOTEBOOK_3_2,
        opt,
        {
            "sgd_rule",
            "adagrad_rule",
            "rmsprop_rule",
            "adam_rule",
            "adamw_rule",
            "Optimizer",
        },
    )


def test_an_optimizer_case_of_ones_own_runs_both_sides_alike():
    case = checks.OptimizerCase(
        7, 3, 0.2, 0.7, 0.95, 1e-4, 10.0, "a case of our own"
    )
    ours = checks._run(_learner_adam, case, None)
    assert len(ours.snapshots) == 3 and ours.error is None and ours.problem is None
    assert checks._same_run(
        ours, checks._run(checks.adam_optimizer_reference, case, None)
    )
    moved = checks._run(_adam(only_first=True), case, None)
    assert not checks._same_run(moved, ours)
