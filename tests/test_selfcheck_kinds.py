"""Learners' wrong and right answers, written for these tests (not the checks' own lists).

Each wrong implementation below has a bug of a kind the fixed teaching cases used to miss
(a whole-batch maximum, a zero floor, integer division, an absent class, a clamp, adjacent
spans, case and punctuation, a transposition, an improvement smaller than the best...) or
returns a type the exercise rules out; every one must get ✗ with a sentence, no traceback.
Each right implementation is a correct alternative a learner may write (NumPy vs torch,
loops vs vectorised, float32, list vs tuple) and must get ✓.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from itertools import groupby

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bookutils.checks import activations as act
from bookutils.checks import attention as att
from bookutils.checks import augment as aug
from bookutils.checks import backprop as bp
from bookutils.checks import compression as cmp
from bookutils.checks import ctc as ctcc
from bookutils.checks import faq
from bookutils.checks import fashion as fas
from bookutils.checks import lora as lo
from bookutils.checks import metrics as met
from bookutils.checks import monitoring as mon
from bookutils.checks import nlp as nlpc
from bookutils.checks import parallel as par
from bookutils.checks import param_count as pc
from bookutils.checks import perceptron as per
from bookutils.checks import pretrained as ptc
from bookutils.checks import threshold_logic as tl
from bookutils.checks import training as tr
from bookutils.checks import vision as visc
from bookutils.checks import xor_network as xn
from bookutils.foundations.activations import ACTIVATION_NAMES

# --- cross entropy ------------------------------------------------------------------------


def ce_batch_max(z, y):  # one maximum for the whole batch
    z = z - z.max()
    logp = z - torch.log(torch.exp(z).sum(1, keepdim=True))
    return -logp[torch.arange(len(y)), y].mean()


def ce_one_hot_from_targets(z, y):  # one-hot with max(y) + 1 columns
    onehot = F.one_hot(y).to(z.dtype)
    return -(onehot * torch.log_softmax(z[:, : onehot.shape[1]], 1)).sum(1).mean()


def ce_numpy_loop(z, y):
    z = z.numpy()
    total = 0.0
    for row, t in zip(z, y.tolist(), strict=True):
        m = row.max()
        total += m + math.log(np.exp(row - m).sum()) - row[t]
    return total / len(z)


def ce_float32(z, y):
    z = z.float()
    return -(z - torch.logsumexp(z, 1, keepdim=True)).gather(1, y[:, None]).mean()


def ce_one_hot_right(z, y):
    onehot = F.one_hot(y, z.shape[1]).to(z.dtype)
    return -(onehot * torch.log_softmax(z, 1)).sum(1).mean()


# --- warm-up + cosine ---------------------------------------------------------------------


def warmup_from_floor(
    step, base_lr, warmup, total, min_lr
):  # warm-up starts at min_lr
    if step < warmup:
        return min_lr + (base_lr - min_lr) * step / warmup
    t = min((step - warmup) / (total - warmup), 1.0)
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * t)) / 2


def warmup_integer_division(step, base_lr, warmup, total, min_lr):
    if step < warmup:
        return base_lr * (step // warmup)
    t = min((step - warmup) // (total - warmup), 1)
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * t)) / 2


def warmup_numpy(step, base_lr, warmup, total, min_lr):
    t = np.clip((step - warmup) / max(total - warmup, 1), 0.0, 1.0)
    cosine = min_lr + (base_lr - min_lr) * 0.5 * (1 + np.cos(np.pi * t))
    return float(np.where(step < warmup, base_lr * step / max(warmup, 1), cosine))


def warmup_as_string(step, base_lr, warmup, total, min_lr):
    return str(tr._warmup_reference(step, base_lr, warmup, total, min_lr))


# --- gradient clipping --------------------------------------------------------------------


def clip_per_tensor_below(
    grads, max_norm
):  # clips each tensor, keeps the global norm
    total = math.sqrt(sum(float((g**2).sum()) for g in grads))
    return [
        g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads
    ], total


def clip_torch(grads, max_norm):
    ts = [torch.tensor(g, requires_grad=True) for g in grads]
    for t, g in zip(ts, grads, strict=True):
        t.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
    return [t.grad for t in ts], total


def clip_tuple_float32(grads, max_norm):
    total = np.sqrt(sum(np.sum(np.asarray(g, np.float32) ** 2) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return tuple(
        np.asarray(g, np.float32) * np.float32(scale) for g in grads
    ), total


# --- int8 quantisation --------------------------------------------------------------------


def _scale_zp(w):
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = (hi - lo) / 255
    return scale, -128 - round(lo / scale)


def quant_clamp_127(w):
    scale, zp = _scale_zp(w)
    return (
        torch.clamp(torch.round(w / scale) + zp, -127, 127).to(torch.int8),
        scale,
        zp,
    )


def quant_float_codes(w):
    scale, zp = _scale_zp(w)
    return torch.clamp(torch.round(w / scale) + zp, -128, 127), scale, zp


def quant_uint8(w):
    scale, zp = _scale_zp(w)
    q = torch.clamp(torch.round(w / scale) + zp, -128, 127) + 128
    return q.to(torch.uint8), scale, zp + 128


def quant_float_zero_point(w):
    scale, zp = _scale_zp(w)
    return (
        torch.clamp(torch.round(w / scale) + zp, -128, 127).to(torch.int8),
        scale,
        zp + 0.0,
    )


def quant_as_array(w):
    q, scale, zp = cmp.quantize_int8(w)
    return np.array([q.numpy(), scale, zp], dtype=object)


def quant_numpy(w):
    w = w.numpy().astype(np.float64)
    lo, hi = min(w.min(), 0.0), max(w.max(), 0.0)
    scale = (hi - lo) / 255.0
    zp = int(np.clip(-128 - np.round(lo / scale), -128, 127))
    q = np.clip(np.round(w / scale) + zp, -128, 127).astype(np.int8)
    return q, float(scale), zp


def quant_list(w):  # a list instead of a tuple, zero point a NumPy int
    q, scale, zp = cmp.quantize_int8(w)
    return [q, scale, np.int64(zp)]


# --- early stopping -----------------------------------------------------------------------


def stop_compare_previous(
    losses, patience, min_delta
):  # compares with the last epoch
    best_epoch, waited = 0, 0
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[epoch - 1] - min_delta:
            waited = 0
            if losses[epoch] < losses[best_epoch]:
                best_epoch = epoch
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def stop_float_epochs(losses, patience, min_delta):
    best, stop = mon.early_stopping_epochs(losses, patience, min_delta)
    return float(best), float(stop)


def stop_numpy(losses, patience, min_delta):
    losses = np.asarray(losses)
    best_epoch, best = 0, losses[0]
    for epoch in range(1, len(losses)):
        if losses[epoch] < best - min_delta:
            best, best_epoch = losses[epoch], epoch
        elif epoch - best_epoch >= patience:
            return np.int64(best_epoch), np.int64(epoch)
    return best_epoch, len(losses) - 1


# --- gradient average ---------------------------------------------------------------------


def average_integer_weights(grads, sizes):  # n_k // N is 0 for every worker but one
    total = sum(sizes)
    return (
        sum(g * (s // total) for g, s in zip(grads, sizes, strict=True))
        + 0 * grads[0]
    )


def average_torch(grads, sizes):
    g = torch.stack([torch.as_tensor(x) for x in grads])
    w = torch.tensor(sizes, dtype=g.dtype) / sum(sizes)
    return (w.reshape(-1, *[1] * (g.ndim - 1)) * g).sum(0)


# --- entity F1 ----------------------------------------------------------------------------


def _spans_merging_adjacent(tags):  # B-PER B-PER read as one entity
    spans, kind, start = set(), None, 0
    for i, tag in enumerate([*tags, "O"]):
        typ = tag[2:] if tag != "O" else None
        if typ != kind:
            if kind is not None:
                spans.add((kind, start, i))
            kind, start = typ, i
    return spans


def _spans_ignoring_type_of_i(tags):  # I-LOC after B-PER continues the PER
    spans, kind, start = set(), None, 0
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("I-") and kind is not None:
            continue
        if kind is not None:
            spans.add((kind, start, i))
            kind = None
        if tag != "O":
            kind, start = tag[2:], i
    return spans


def _scores_from(spans_of):
    def scores(true_tags, pred_tags):
        found = n_true = n_pred = 0
        for t, p in zip(true_tags, pred_tags, strict=True):
            a, b = spans_of(t), spans_of(p)
            found, n_true, n_pred = (
                found + len(a & b),
                n_true + len(a),
                n_pred + len(b),
            )
        p = found / n_pred if n_pred else 0.0
        r = found / n_true if n_true else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    return scores


def _spans_right(tags):
    spans, cur = [], None
    for i, tag in enumerate(tags):
        prefix, _, typ = tag.partition("-")
        if cur and prefix == "I" and typ == cur[0]:
            cur[2] = i + 1
            continue
        if cur:
            spans.append(tuple(cur))
        cur = [typ, i, i + 1] if prefix in ("B", "I") else None
    if cur:
        spans.append(tuple(cur))
    return set(spans)


def entity_scores_as_list(true_tags, pred_tags):
    return list(_scores_from(_spans_right)(true_tags, pred_tags))


# --- token F1 -----------------------------------------------------------------------------


def _f1(p, t):
    common = sum((Counter(p) & Counter(t)).values())
    if not common:
        return 0.0
    return 2 * common / (len(p) + len(t))


def f1_no_lower(pred, truth):
    def norm(s):
        s = "".join(c for c in s if c not in string.punctuation)
        return re.sub(r"\b(a|an|the)\b", " ", s).split()

    return _f1(norm(pred), norm(truth))


def f1_punct_kept(pred, truth):
    def norm(s):
        return re.sub(r"\b(a|an|the)\b", " ", s.lower()).split()

    return _f1(norm(pred), norm(truth))


def f1_set_both(pred, truth):
    def norm(s):
        s = "".join(c for c in s.lower() if c not in string.punctuation)
        return sorted(set(re.sub(r"\b(a|an|the)\b", " ", s).split()))

    return _f1(norm(pred), norm(truth))


def f1_regex(pred, truth):
    def norm(s):
        s = re.sub(f"[{re.escape(string.punctuation)}]", "", s.lower())
        return [w for w in s.split() if w not in ("a", "an", "the")]

    return _f1(norm(pred), norm(truth))


# --- CTC collapse and edit distance ---------------------------------------------------------


def collapse_groupby(path, blank):
    return [int(k) for k, _ in groupby(path) if k != blank]


def collapse_as_string(path, blank):
    return "".join(str(s) for s in collapse_groupby(path, blank))


def collapse_first_frame_dropped(path, blank):  # starts comparing at frame 1
    return [
        s for i, s in enumerate(path) if i > 0 and s != blank and s != path[i - 1]
    ]


def distance_damerau(a, b):  # a transposition costs 1
    d = [
        [max(i, j) if min(i, j) == 0 else 0 for j in range(len(b) + 1)]
        for i in range(len(a) + 1)
    ]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1,
                d[i][j - 1] + 1,
                d[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def distance_case_blind(a, b):
    return ctcc.edit_distance(a.lower(), b.lower())


def distance_as_float(a, b):
    return float(ctcc.edit_distance(a, b))


def distance_recursive(a, b):
    from functools import lru_cache

    @lru_cache(None)
    def d(i, j):
        if i == 0 or j == 0:
            return i + j
        return min(
            d(i - 1, j) + 1,
            d(i, j - 1) + 1,
            d(i - 1, j - 1) + (a[i - 1] != b[j - 1]),
        )

    return d(len(a), len(b))


def distance_numpy(a, b):
    d = np.zeros((len(a) + 1, len(b) + 1), dtype=np.int64)
    d[:, 0], d[0, :] = np.arange(len(a) + 1), np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i, j] = min(
                d[i - 1, j] + 1,
                d[i, j - 1] + 1,
                d[i - 1, j - 1] + (a[i - 1] != b[j - 1]),
            )
    return d[-1, -1]


# --- small integer exercises --------------------------------------------------------------


def unit_float(x, w, t):
    return (x @ w >= t).astype(float)


def unit_bool(x, w, t):
    return x @ w >= t


def unit_loop(x, w, t):
    return np.array(
        [int(sum(wi * xi for wi, xi in zip(w, row, strict=True)) >= t) for row in x]
    )


def unit_torch(x, w, t):
    return (torch.as_tensor(x) @ torch.as_tensor(w) >= t).long()


def xor_float(X):
    return (X[:, 0] != X[:, 1]).astype(np.float64)


def xor_list(X):
    return [int(a) ^ int(b) for a, b in np.asarray(X, dtype=int)]


def predict_float_labels(w, b, X):
    return np.where(X @ w + b > 0, 1.0, -1.0)


def predict_torch(w, b, X):
    z = torch.as_tensor(X) @ torch.as_tensor(w) + b
    return torch.where(z > 0, 1, -1)


def params_as_string(sizes):
    return str(pc.mlp_params(list(sizes)))


def params_float(sizes):
    return float(
        sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    )


def params_numpy(sizes):
    s = np.asarray(sizes, dtype=np.int64)
    return (s[:-1] * s[1:] + s[1:]).sum()


def gpt_float(n, d, v, c):
    return float(faq.gpt_params(n, d, v, c))


def gpt_one_norm_per_block(n, d, v, c):  # one layer norm per block instead of two
    return faq.gpt_params(n, d, v, c) - 2 * d * n


WRONG = {
    "cross_entropy": (
        fas.check_cross_entropy,
        [ce_batch_max, ce_one_hot_from_targets],
    ),
    "warmup_cosine": (
        tr.check_warmup_cosine,
        [warmup_from_floor, warmup_integer_division, warmup_as_string],
    ),
    "clip_grad_norm": (tr.check_clip_grad_norm, [clip_per_tensor_below]),
    "quantize_int8": (
        cmp.check_quantize_int8,
        [
            quant_clamp_127,
            quant_float_codes,
            quant_uint8,
            quant_float_zero_point,
            quant_as_array,
        ],
    ),
    "early_stopping": (
        mon.check_early_stopping,
        [stop_compare_previous, stop_float_epochs],
    ),
    "gradient_average": (par.check_gradient_average, [average_integer_weights]),
    "entity_f1": (
        nlpc.check_entity_f1,
        [
            _scores_from(_spans_merging_adjacent),
            _scores_from(_spans_ignoring_type_of_i),
        ],
    ),
    "token_f1": (met.check_token_f1, [f1_no_lower, f1_punct_kept, f1_set_both]),
    "ctc_collapse": (
        ctcc.check_ctc_collapse,
        [collapse_as_string, collapse_first_frame_dropped],
    ),
    "edit_distance": (
        ctcc.check_edit_distance,
        [distance_damerau, distance_case_blind, distance_as_float],
    ),
    "threshold_unit": (tl.check_threshold_unit, [unit_float, unit_bool]),
    "xor_network": (xn.check_xor_network, [xor_float]),
    "perceptron_predict": (per.check_perceptron_predict, [predict_float_labels]),
    "param_count": (pc.check_param_count, [params_as_string, params_float]),
    "gpt_params": (faq.check_gpt_params, [gpt_float, gpt_one_norm_per_block]),
}

RIGHT = {
    "cross_entropy": (
        fas.check_cross_entropy,
        [ce_numpy_loop, ce_float32, ce_one_hot_right],
    ),
    "warmup_cosine": (tr.check_warmup_cosine, [warmup_numpy]),
    "clip_grad_norm": (tr.check_clip_grad_norm, [clip_torch, clip_tuple_float32]),
    "quantize_int8": (cmp.check_quantize_int8, [quant_numpy, quant_list]),
    "early_stopping": (mon.check_early_stopping, [stop_numpy]),
    "gradient_average": (par.check_gradient_average, [average_torch]),
    "entity_f1": (
        nlpc.check_entity_f1,
        [_scores_from(_spans_right), entity_scores_as_list],
    ),
    "token_f1": (met.check_token_f1, [f1_regex]),
    "ctc_collapse": (ctcc.check_ctc_collapse, [collapse_groupby]),
    "edit_distance": (
        ctcc.check_edit_distance,
        [distance_recursive, distance_numpy],
    ),
    "threshold_unit": (tl.check_threshold_unit, [unit_loop, unit_torch]),
    "xor_network": (xn.check_xor_network, [xor_list]),
    "perceptron_predict": (per.check_perceptron_predict, [predict_torch]),
    "param_count": (pc.check_param_count, [params_numpy]),
}

# --- tensor exercises: NumPy/torch/float32 alternatives and a few wrong ones -------------


def ce_grad_batch_max(z, y):  # one maximum for the whole batch
    e = np.exp(z - z.max())
    p = e / e.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def ce_grad_autograd_float32(z, y):
    t = torch.tensor(z, dtype=torch.float32, requires_grad=True)
    F.cross_entropy(t, torch.as_tensor(y)).backward()
    return t.grad


def attention_numpy_float32(Q, K, V, mask):
    q, k, v = (np.asarray(t, dtype=np.float32) for t in (Q, K, V))
    s = q @ np.swapaxes(k, -1, -2) / np.float32(math.sqrt(k.shape[-1]))
    if mask is not None:
        s = np.where(np.asarray(mask), s, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ v


def ln_backward_autograd(dy, x, weight):
    x = x.detach().clone().requires_grad_(True)
    w = weight.detach().clone().requires_grad_(True)
    b = torch.zeros_like(w, requires_grad=True)
    F.layer_norm(x, x.shape[-1:], w, b, eps=1e-5).backward(dy)
    return x.grad, w.grad, b.grad


def derivative_by_autograd(name):
    fns = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
        "gelu": F.gelu,
        "softplus": F.softplus,
        "silu": F.silu,
    }

    def grad(z):
        t = torch.tensor(z, requires_grad=True)
        fns[name](t).sum().backward()
        return t.grad.numpy()

    return grad


def shift_up_as_down(image, dx, dy):  # a negative dy is taken as positive
    h, w = image.shape
    out = np.zeros_like(image)
    dy = abs(dy)
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[r, c] = image[r - dy, c - dx]
    return out


def shift_loop(image, dx, dy):
    h, w = image.shape
    out = np.zeros_like(image)
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[r, c] = image[r - dy, c - dx]
    return out


def iou_python(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def iou_clamp_width_only(a, b):  # the height is not clamped at 0
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = min(a[3], b[3]) - max(a[1], b[1])
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def mask_float_labels(ids, pos, mask_id):
    inputs, labels = ptc.mask_positions(ids, pos, mask_id)
    return inputs, labels.astype(float)


def mask_torch(ids, pos, mask_id):
    ids, pos = torch.as_tensor(ids), torch.as_tensor(pos)
    return ids.masked_fill(pos, mask_id), torch.where(
        pos, ids, torch.full_like(ids, -100)
    )


def lora_integer_scale(
    x, W, b, A, B, alpha
):  # alpha // r: right only when r | alpha
    return x @ W.T + b + (alpha // A.shape[0]) * (x @ A.T @ B.T)


def lora_float32_numpy(x, W, b, A, B, alpha):
    x, W, b, A, B = (t.numpy().astype(np.float32) for t in (x, W, b, A, B))
    return x @ W.T + b + np.float32(alpha / A.shape[0]) * ((x @ A.T) @ B.T)


WRONG.update(
    {
        "lora_forward": (lo.check_lora_forward, [lora_integer_scale]),
        "softmax_ce_grad": (bp.check_softmax_ce_grad, [ce_grad_batch_max]),
        "shift_image": (aug.check_shift_image, [shift_up_as_down]),
        "box_iou": (visc.check_box_iou, [iou_clamp_width_only]),
        "mask_positions": (ptc.check_mask_positions, [mask_float_labels]),
    }
)
RIGHT.update(
    {
        "lora_forward": (lo.check_lora_forward, [lora_float32_numpy]),
        "softmax_ce_grad": (bp.check_softmax_ce_grad, [ce_grad_autograd_float32]),
        "attention": (att.check_attention, [attention_numpy_float32]),
        "layer_norm_backward": (
            att.check_layer_norm_backward,
            [ln_backward_autograd],
        ),
        "shift_image": (aug.check_shift_image, [shift_loop]),
        "box_iou": (visc.check_box_iou, [iou_python]),
        "mask_positions": (ptc.check_mask_positions, [mask_torch]),
    }
)


WRONG_ROWS = [
    (f"{k}-{fn.__name__}", check, fn)
    for k, (check, fns) in WRONG.items()
    for fn in fns
]
RIGHT_ROWS = [
    (f"{k}-{fn.__name__}", check, fn)
    for k, (check, fns) in RIGHT.items()
    for fn in fns
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("_,check,fn", WRONG_ROWS, ids=[r[0] for r in WRONG_ROWS])
def test_a_wrong_answer_gets_a_cross_with_a_sentence(_, check, fn, capsys):
    result = check(fn)
    out = capsys.readouterr().out
    assert not result, f"{fn.__name__} was accepted:\n{out}"
    assert out.startswith("✗") and "Traceback" not in out, out


@pytest.mark.parametrize("_,check,fn", RIGHT_ROWS, ids=[r[0] for r in RIGHT_ROWS])
def test_a_right_alternative_gets_a_tick(_, check, fn, capsys):
    result = check(fn)
    assert result, capsys.readouterr().out


def test_quantisation_cases_keep_away_from_rounding_ties():
    for case in cmp.QUANT_CASES + cmp.QUANT_GENERATED:
        margin = cmp.rounding_margin(case.args[0])
        assert margin > 1e-3, (
            f"{case.description}: a scaled weight is {margin:.2g} from a tie"
        )


def test_messages_for_types_name_what_was_expected(capsys):
    assert not cmp.check_quantize_int8(quant_float_codes)
    assert "expected dtype int8" in capsys.readouterr().out
    assert not pc.check_param_count(params_as_string)
    out = capsys.readouterr().out
    assert "expected a number" in out and "got str '15'" in out, out
    assert not cmp.check_quantize_int8(quant_as_array)
    assert "return them as a tuple" in capsys.readouterr().out


def test_a_generic_message_shows_the_smallest_generated_counter_example(capsys):
    # Right on every teaching case, wrong only where the warm-up meets a non-zero floor.
    result = tr.check_warmup_cosine(warmup_from_floor)
    out = capsys.readouterr().out
    assert not result and "Hint" not in out, out
    assert "min_lr > 0" in result.messages[0], out


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_derivatives_by_autograd_pass(name, capsys):
    assert act.check_activation_derivative(name, derivative_by_autograd(name)), (
        capsys.readouterr().out
    )
