"""The contract every self-check keeps, tested once for all of them.

For each check: the reference implementation passes; every typical mistake fails with
that mistake's own hint; code that raises gets one line of feedback and no traceback; a
non-function gets told to pass the function itself. A new check must be added to CONTRACT
(the last test fails until it is), and then it is covered by all of these.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch

import bookutils.checks as checks_pkg
from bookutils.checks import activations as act
from bookutils.checks import attention as att
from bookutils.checks import augment as aug
from bookutils.checks import autograd as ag
from bookutils.checks import backprop as bp
from bookutils.checks import bpe as bpec
from bookutils.checks import compression as cmp
from bookutils.checks import ctc as ctcc
from bookutils.checks import encoder as enc
from bookutils.checks import faq
from bookutils.checks import fashion as fas
from bookutils.checks import frameworks as fwk
from bookutils.checks import gpt as gptc
from bookutils.checks import linear_attention as la
from bookutils.checks import llama as llc
from bookutils.checks import lora as lo
from bookutils.checks import metrics as met
from bookutils.checks import monitoring as mon
from bookutils.checks import nlp as nlpc
from bookutils.checks import normalization as bnc
from bookutils.checks import optimizers as opt
from bookutils.checks import parallel as par
from bookutils.checks import param_count as pc
from bookutils.checks import perceptron as per
from bookutils.checks import preference as pref
from bookutils.checks import pretrained as ptc
from bookutils.checks import privacy as prv
from bookutils.checks import sampling as smp
from bookutils.checks import threshold_logic as tl
from bookutils.checks import training as tr
from bookutils.checks import vision as visc
from bookutils.checks import xor_network as xn
from bookutils.foundations.activations import ACTIVATION_NAMES, get_activation
from bookutils.foundations.perceptron import perceptron_predict, perceptron_update
from bookutils.metrics import token_f1
from bookutils.parallel.simulated import row_parallel_linear
from bookutils.sizing.param_count import gpt_params, mlp_params
from bookutils.tasks.ctc import ctc_collapse, edit_distance
from bookutils.tasks.frameworks import linear_to_dense
from bookutils.tasks.nlp import entity_scores
from bookutils.training.augment import shift_image
from bookutils.training.compression import quantize_int8
from bookutils.training.monitoring import early_stopping_epochs
from bookutils.training.privacy import clip_per_example
from bookutils.transformer.bert import mask_positions
from bookutils.transformer.bpe import merge_pair
from bookutils.transformer.sampling import kv_update


def _digits_split() -> dict[str, np.ndarray]:
    """Chapter 3.1's split of scikit-learn's 8×8 digits: 1344 to train, 453 held out."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    order = np.random.default_rng(0).permutation(len(X))
    test, train = order[:453], order[453:]
    return {
        "X_train": X[train],
        "y_train": y[train],
        "X_test": X[test],
        "y_test": y[test],
    }


DIGITS = _digits_split()

# (id, check, reference implementation, typical mistakes)
CONTRACT = [
    (
        "perceptron_predict",
        per.check_perceptron_predict,
        perceptron_predict,
        per.PREDICT_MISTAKES,
    ),
    (
        "perceptron_update",
        per.check_perceptron_update,
        perceptron_update,
        per.UPDATE_MISTAKES,
    ),
    ("threshold_unit", tl.check_threshold_unit, tl._reference, tl.MISTAKES),
    (
        "multi_head_attention",
        att.check_multi_head_attention,
        att._mha_reference,
        att.MHA_MISTAKES,
    ),
    (
        "pre_norm_encoder_layer",
        enc.check_pre_norm_encoder_layer,
        enc._pre_norm_reference,
        enc.PRE_NORM_MISTAKES,
    ),
    ("param_count", pc.check_param_count, mlp_params, pc.MISTAKES),
    ("xor_network", xn.check_xor_network, xn.xor_reference, xn.MISTAKES),
    (
        "mul_backward",
        ag.check_mul_backward,
        ag.mul_backward_reference,
        ag.MUL_MISTAKES,
    ),
    (
        "tanh_backward",
        ag.check_tanh_backward,
        ag.tanh_backward_reference,
        ag.TANH_MISTAKES,
    ),
    (
        "gradient_average",
        par.check_gradient_average,
        par._average_reference,
        par.AVERAGE_MISTAKES,
    ),
    ("row_split", par.check_row_split, row_parallel_linear, par.ROW_MISTAKES),
    (
        "softmax_ce_grad",
        bp.check_softmax_ce_grad,
        bp._softmax_ce_reference,
        bp.SOFTMAX_CE_MISTAKES,
    ),
    (
        "mlp_backward",
        bp.check_mlp_backward,
        bp._mlp_backward_reference,
        bp.MLP_BACKWARD_MISTAKES,
    ),
    (
        "mlp_gradients",
        bp.check_mlp_gradients,
        bp._relu_mlp_gradients,
        bp.MLP_GRADIENTS_MISTAKES,
    ),
    (
        "training_loop",
        functools.partial(bp.check_training_loop, **DIGITS),
        bp._train_reference,
        bp.TRAINING_MISTAKES,
    ),
    ("adam_step", opt.check_adam_step, opt.adam_reference, opt.ADAM_MISTAKES),
    ("adamw_step", opt.check_adamw_step, opt.adamw_reference, opt.ADAMW_MISTAKES),
    (
        "adam_optimizer",
        opt.check_adam_optimizer,
        opt.adam_optimizer_reference,
        opt.ADAM_OPTIMIZER_MISTAKES,
    ),
    (
        "clip_grad_norm",
        tr.check_clip_grad_norm,
        tr._clip_reference,
        tr.CLIP_MISTAKES,
    ),
    (
        "warmup_cosine",
        tr.check_warmup_cosine,
        tr._warmup_reference,
        tr.WARMUP_MISTAKES,
    ),
    ("attention", att.check_attention, att._reference, att.ATTENTION_MISTAKES),
    (
        "layer_norm_backward",
        att.check_layer_norm_backward,
        att._ln_reference,
        att.LN_MISTAKES,
    ),
    ("cross_entropy", fas.check_cross_entropy, fas._reference, fas.CE_MISTAKES),
    ("add_and_norm", enc.check_add_and_norm, enc._reference, enc.ADD_NORM_MISTAKES),
    ("linear_to_dense", fwk.check_linear_to_dense, linear_to_dense, fwk.MISTAKES),
    ("mask_positions", ptc.check_mask_positions, mask_positions, ptc.MISTAKES),
    ("quantize_int8", cmp.check_quantize_int8, quantize_int8, cmp.QUANT_MISTAKES),
    (
        "clip_per_example",
        prv.check_clip_per_example,
        clip_per_example,
        prv.CLIP_MISTAKES,
    ),
    ("entity_f1", nlpc.check_entity_f1, entity_scores, nlpc.MISTAKES),
    ("box_iou", visc.check_box_iou, visc.iou_reference, visc.MISTAKES),
    ("ctc_collapse", ctcc.check_ctc_collapse, ctc_collapse, ctcc.COLLAPSE_MISTAKES),
    (
        "edit_distance",
        ctcc.check_edit_distance,
        edit_distance,
        ctcc.DISTANCE_MISTAKES,
    ),
    (
        "ctc_alpha",
        ctcc.check_ctc_alpha,
        ctcc.ctc_alpha_reference,
        ctcc.FORWARD_MISTAKES,
    ),
    ("token_f1", met.check_token_f1, token_f1, met.F1_MISTAKES),
    ("lora_forward", lo.check_lora_forward, lo._reference, lo.MISTAKES),
    ("gpt_block", gptc.check_gpt_block, gptc._reference, gptc.MISTAKES),
    ("linear_attention", la.check_linear_attention, la._reference, la.MISTAKES),
    (
        "two_layer_backward",
        faq.check_two_layer_backward,
        faq.two_layer_backward_reference,
        faq.BACKWARD_MISTAKES,
    ),
    ("gpt_params", faq.check_gpt_params, gpt_params, faq.GPT_MISTAKES),
    (
        "early_stopping",
        mon.check_early_stopping,
        early_stopping_epochs,
        mon.MISTAKES,
    ),
    ("shift_image", aug.check_shift_image, shift_image, aug.MISTAKES),
    (
        "batchnorm_backward",
        bnc.check_batchnorm_backward,
        bnc._bn_reference,
        bnc.BN_MISTAKES,
    ),
    ("merge_pair", bpec.check_merge_pair, merge_pair, bpec.MISTAKES),
    ("top_p", smp.check_top_p, smp._top_p_reference, smp.TOP_P_MISTAKES),
    ("kv_update", smp.check_kv_update, kv_update, smp.KV_MISTAKES),
    ("rope", llc.check_rope, llc._reference, llc.MISTAKES),
    # check_autograd_engine takes five functions; its core takes one that runs an engine
    ("autograd_engine", ag._check_engine, ag._engine_with(), ag.ENGINE_MISTAKES),
    ("dpo_loss", pref.check_dpo_loss, pref._reference, pref.MISTAKES),
] + [
    (
        f"activation_derivative[{name}]",
        functools.partial(act.check_activation_derivative, name),
        get_activation(name).df,
        act.MISTAKES[name],
    )
    for name in ACTIVATION_NAMES
]
IDS = [row[0] for row in CONTRACT]
# Checks whose function updates tensors in place and returns nothing (an optimizer's step):
# a missing return is right for them, and float32 copies of the inputs are not the answer.
IN_PLACE = {"adam_optimizer"}
MISTAKE_ROWS = [
    (f"{row[0]}: {m.hint[:40]}", row[1], m) for row in CONTRACT for m in row[3]
]


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_reference_passes(_, check, reference, mistakes, capsys):
    result = check(reference)
    assert result.passed and "✓" in capsys.readouterr().out
    assert len(mistakes) >= 2, "each check needs at least two typical mistakes"


# A wrong implementation run as the learner's code may warn (e.g. 1 - β⁰ = 0 divides by
# zero); a learner would see that warning about their own code, which is right.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "_,check,mistake", MISTAKE_ROWS, ids=[r[0] for r in MISTAKE_ROWS]
)
def test_each_typical_mistake_gets_its_own_hint(_, check, mistake, capsys):
    result = check(mistake.impl)
    assert not result
    assert result.messages[-1] == f"  Hint: {mistake.hint}"
    assert mistake.hint in capsys.readouterr().out


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_code_that_raises_gets_feedback_not_a_traceback(
    _, check, reference, mistakes, capsys
):
    def not_written_yet(*args, **kwargs):
        raise NotImplementedError("write this function")

    result = check(not_written_yet)
    out = capsys.readouterr().out
    assert (
        not result
        and "raised NotImplementedError" in out
        and "Traceback" not in out
    )


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_a_non_function_is_explained(_, check, reference, mistakes, capsys):
    assert not check(None)
    assert "pass the function itself" in capsys.readouterr().out


def test_every_check_is_in_the_contract():
    listed = {getattr(row[1], "func", row[1]) for row in CONTRACT}
    listed.add(
        ag.check_autograd_engine
    )  # through its core, ag._check_engine, above
    for info in pkgutil.iter_modules(checks_pkg.__path__, "bookutils.checks."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and fn.__module__ == module.__name__:
                assert fn in listed, f"{info.name}.{name} is missing from CONTRACT"


def test_unknown_activation_name_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        act.check_activation_derivative("swish2", abs)


def test_every_check_is_reachable_from_the_checks_package():
    for name in checks_pkg.__all__:
        assert callable(getattr(checks_pkg, name)), name
    assert "check_attention" in dir(checks_pkg)
    with pytest.raises(AttributeError, match="no attribute 'check_nothing'"):
        checks_pkg.check_nothing  # noqa: B018


# --- what the learner's code may do that is not an answer --------------------------------


@pytest.fixture
def short_limit(monkeypatch):
    """A short time limit per call, so the endless loops below cost half a second each."""
    monkeypatch.setenv("BOOKUTILS_CHECK_TIME_LIMIT", "0.3")


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_an_endless_loop_gets_a_timeout_message(
    _, check, reference, mistakes, short_limit, capsys
):
    def forever(*args):
        i = 0
        while i < 10:
            i * 2  # the increment is missing
        return args

    result = check(forever)
    out = capsys.readouterr().out
    assert not result and "did not finish within the time limit of 0.3 s" in out, (
        out
    )
    assert "Traceback" not in out


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT[:3], ids=IDS[:3])
def test_a_loop_that_swallows_every_exception_still_times_out(
    _, check, reference, mistakes, short_limit, capsys
):
    def stubborn(*args):
        for _ in range(3):
            try:
                while True:
                    pass
            except BaseException:  # noqa: BLE001, S110 (a learner's bare except)
                pass
        return None

    result = check(stubborn)
    out = capsys.readouterr().out
    assert (
        not result and "did not finish within" in out and "Traceback" not in out
    ), out


@pytest.mark.parametrize(
    "exc", [SystemExit(1), KeyboardInterrupt()], ids=["exit", "interrupt"]
)
@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_exit_and_interrupt_become_feedback(
    _, check, reference, mistakes, exc, capsys
):
    def leaves(*args):
        raise exc

    result = check(leaves)
    out = capsys.readouterr().out
    assert not result and type(exc).__name__ in out and "Traceback" not in out, out


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_a_missing_return_is_named(_, check, reference, mistakes, capsys):
    if _ in IN_PLACE:
        pytest.skip("the step works in place: returning None is right")
    result = check(lambda *args: None)
    out = capsys.readouterr().out
    assert not result and "returned None (is a `return` missing?)" in out, out


def _map_floats(x, convert):
    """``x`` with every float array or tensor (also inside lists and tuples) converted."""
    if isinstance(x, torch.Tensor):
        return convert(x) if x.is_floating_point() else x
    if isinstance(x, np.ndarray):
        return convert(torch.from_numpy(x)) if x.dtype.kind == "f" else x
    if isinstance(x, list):
        return [_map_floats(v, convert) for v in x]
    if isinstance(x, tuple):
        return tuple(_map_floats(v, convert) for v in x)
    return x


@pytest.mark.parametrize("kind", ["bfloat16", "requires_grad"])
@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_odd_result_types_get_a_verdict_not_a_traceback(
    _, check, reference, mistakes, kind, capsys
):
    def convert(t):
        if kind == "bfloat16":
            return t.to(torch.bfloat16)
        return t.clone().double().requires_grad_(True)

    result = check(lambda *args: _map_floats(reference(*args), convert))
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.startswith(("✓", "✗")), out
    assert result.messages[0].startswith("✓" if result else "✗")


def _as_float32(x):
    if isinstance(x, torch.Tensor):
        return x.float() if x.is_floating_point() else x
    if isinstance(x, np.ndarray):
        return x.astype(np.float32) if x.dtype.kind == "f" else x
    if isinstance(x, (list, tuple)):
        return type(x)(_as_float32(v) for v in x)
    return x


@pytest.mark.parametrize("_,check,reference,mistakes", CONTRACT, ids=IDS)
def test_the_reference_on_float32_inputs_passes(
    _, check, reference, mistakes, capsys
):
    """A correct answer computed in float32 is judged at float32 precision."""
    if _ in IN_PLACE:
        pytest.skip("float32 copies of tensors updated in place are not the answer")
    result = check(lambda *args: reference(*_as_float32(args)))
    assert result, capsys.readouterr().out
