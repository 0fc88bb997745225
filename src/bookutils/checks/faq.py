"""Self-checks for the FAQ chapters 9.1 and 9.2.

9.1: the backward pass of a one-hidden-layer network, written by hand for one example.
9.2: the parameter count of a GPT-style decoder, against
:func:`bookutils.sizing.param_count.gpt_params`.
"""

from __future__ import annotations

import numpy as np

from ..foundations.autograd import Value
from ..selfcheck import (
    Case,
    CheckResult,
    Mistake,
    generated_case,
    make_rng,
    resampled,
    run_check,
)
from ..sizing.param_count import gpt_params


def _forward(x, W1, b1, W2, b2):
    h = np.tanh(W1 @ x + b1)
    return h, W2 @ h + b2


def two_layer_backward_reference(x, W1, b1, W2, b2, y):
    """(dW1, db1, dW2, db2) of L = ½‖W2 tanh(W1 x + b1) + b2 − y‖², from the scalar engine.

    Every gradient comes from :class:`bookutils.foundations.autograd.Value`, so the reference is
    independent of the matrix formulas a learner writes.
    """
    Wv1 = [[Value(float(w)) for w in row] for row in W1]
    bv1 = [Value(float(b)) for b in b1]
    Wv2 = [[Value(float(w)) for w in row] for row in W2]
    bv2 = [Value(float(b)) for b in b2]
    h = [
        (
            sum((w * float(xi) for w, xi in zip(row, x, strict=True)), Value(0.0))
            + b
        ).tanh()
        for row, b in zip(Wv1, bv1, strict=True)
    ]
    out = [
        sum((w * hj for w, hj in zip(row, h, strict=True)), Value(0.0)) + b
        for row, b in zip(Wv2, bv2, strict=True)
    ]
    loss = (
        sum(((o - float(t)) ** 2 for o, t in zip(out, y, strict=True)), Value(0.0))
        * 0.5
    )
    loss.backward()

    def grads(rows):
        return np.array([[v.grad for v in row] for row in rows])

    return (
        grads(Wv1),
        np.array([v.grad for v in bv1]),
        grads(Wv2),
        np.array([v.grad for v in bv2]),
    )


def _backward(
    x, W1, b1, W2, b2, y, *, sign=1.0, act=lambda h: 1 - h * h, through=None
):
    h, out = _forward(x, W1, b1, W2, b2)
    e = sign * (out - y)
    back = W2.T @ e if through is None else through(W2, e)
    d1 = back * act(h)
    return np.outer(d1, x), d1, np.outer(e, h), e


def _rng_arrays(seed, n_in, n_hidden, n_out):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=n_in),
        rng.normal(size=(n_hidden, n_in)),
        rng.normal(size=n_hidden),
        rng.normal(size=(n_out, n_hidden)),
        rng.normal(size=n_out),
        rng.normal(size=n_out),
    )


BACKWARD_CASES = (
    Case(_rng_arrays(1, 3, 4, 2), "3 inputs, 4 hidden units, 2 outputs"),
    Case(_rng_arrays(2, 2, 3, 1), "a single output"),
    Case(_rng_arrays(3, 4, 2, 3), "more outputs than hidden units"),
)
BACKWARD_GENERATED = resampled(BACKWARD_CASES, 911)

BACKWARD_MISTAKES = (
    Mistake(
        lambda *a: _backward(*a, sign=-1.0),
        "sign error: the output error is ŷ − y (the derivative of ½‖ŷ − y‖²), not y − ŷ.",
    ),
    Mistake(
        lambda *a: _backward(*a, act=lambda h: np.ones_like(h)),
        "the tanh derivative is missing: multiply the back-propagated error by"
        " 1 − h² before forming the first layer's gradients.",
    ),
    Mistake(
        lambda *a: _backward(*a, act=lambda h: h * (1 - h)),
        "that is the sigmoid's derivative h(1 − h); for tanh it is 1 − h².",
    ),
    Mistake(
        lambda *a: _backward(*a, act=lambda h: 1 - h),
        "the tanh derivative is 1 − h², not 1 − h.",
    ),
    Mistake(
        lambda *a: _backward(
            *a, through=lambda W2, e: np.full(W2.shape[1], e.sum())
        ),
        "the error must flow back through the weights: the hidden layer receives W2ᵀ e,"
        " not the plain sum of the output errors.",
    ),
)


def check_two_layer_backward(fn) -> CheckResult:
    """Check ``fn(x, W1, b1, W2, b2, y)`` returns ``(dW1, db1, dW2, db2)`` for one example of
    L = ½‖W2 tanh(W1 x + b1) + b2 − y‖²."""
    return run_check(
        "check_two_layer_backward",
        fn,
        two_layer_backward_reference,
        BACKWARD_CASES + BACKWARD_GENERATED,
        BACKWARD_MISTAKES,
        signature="(x, W1, b1, W2, b2, y)",
    )


GPT_CASES = (
    Case((2, 8, 50, 16), "2 layers, d_model 8, vocabulary 50, context 16"),
    Case((12, 768, 50257, 1024), "the size of GPT-2 small"),
    Case((1, 4, 10, 3), "one tiny layer"),
)


def _gpt_generated() -> tuple[Case, ...]:
    """Random sizes: 1 to 48 layers, d_model 1 to 2048, vocabularies 2 to 100 000, contexts
    1 to 4096, including d_model = 1 and a context longer than the vocabulary."""
    rng = make_rng(92)
    cases = [
        generated_case((3, 1, 5, 2), "d_model = 1"),
        generated_case((2, 16, 10, 4096), "a context longer than the vocabulary"),
    ]
    for _ in range(5):
        cases.append(
            generated_case(
                (
                    int(rng.integers(1, 49)),
                    int(rng.integers(1, 2049)),
                    int(rng.integers(2, 100_001)),
                    int(rng.integers(1, 4097)),
                ),
                "random (n_layers, d_model, vocab, n_ctx)",
            )
        )
    return tuple(cases)


GPT_GENERATED = _gpt_generated()


def _gpt(n_layers, d, vocab, ctx, *, pos=True, tied=True, ln=True, bias=True, ff=4):
    emb = vocab * d + (ctx * d if pos else 0) + (0 if tied else vocab * d)
    attn = 4 * d * d + (4 * d if bias else 0)
    mlp = 2 * d * ff * d + ((ff * d + d) if bias else 0)
    norms = 4 * d if ln else 0
    return emb + n_layers * (attn + mlp + norms) + (2 * d if ln else 0)


GPT_MISTAKES = (
    Mistake(
        lambda n, d, v, c: _gpt(n, d, v, c, pos=False),
        "the position embeddings are missing: n_ctx · d_model more parameters.",
    ),
    Mistake(
        lambda n, d, v, c: _gpt(n, d, v, c, tied=False),
        "the output layer shares the token-embedding matrix (weight tying), so it adds"
        " no parameters of its own.",
    ),
    Mistake(
        lambda n, d, v, c: _gpt(n, d, v, c, ln=False),
        "the layer norms are missing: two per block and one at the end, 2·d_model each.",
    ),
    Mistake(
        lambda n, d, v, c: _gpt(n, d, v, c, bias=False),
        "the biases are missing: each projection and feed-forward layer has one per"
        " output.",
    ),
    Mistake(
        lambda n, d, v, c: _gpt(n, d, v, c, ff=1),
        "the feed-forward layer is 4·d_model wide: d → 4d → d, 8·d² weights.",
    ),
)


def check_gpt_params(fn) -> CheckResult:
    """Check ``fn(n_layers, d_model, vocab, n_ctx)`` counts a GPT-2-style decoder's
    parameters (tied output layer, d_ff = 4·d_model)."""
    return run_check(
        "check_gpt_params",
        fn,
        gpt_params,
        GPT_CASES + GPT_GENERATED,
        GPT_MISTAKES,
        signature="(n_layers, d_model, vocab, n_ctx)",
        types=True,
    )
