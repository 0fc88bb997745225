"""Decoding (chapter 5.5): filters against transformers', the KV cache, generation, the widget."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from lesson_code import assert_notebook_shows  # noqa: E402
from transformers.generation import TopKLogitsWarper, TopPLogitsWarper  # noqa: E402

from bookutils.checks.sampling import check_kv_update, check_top_p  # noqa: E402
from bookutils.transformer import sampling  # noqa: E402
from bookutils.transformer.gpt import CharGPT, GPTConfig  # noqa: E402
from bookutils.transformer.sampling import (  # noqa: E402
    KVCache,
    generate,
    gpt_forward_cached,
    kv_update,
    next_token_probs,
    top_k_filter,
    top_p_filter,
)
from bookutils.widgets.sampling import (  # noqa: E402
    NextTokenExplorer,
    draw_next_token,
    filtered_probs,
    next_token_explorer,
)

NOTEBOOK = Path(__file__).parents[1] / "notebooks/05_practice/5_5_generation.ipynb"
SHOWN = {
    "top_k_filter",
    "top_p_filter",
    "next_token_probs",
    "kv_update",
    "KVCache",
    "gpt_forward_cached",
    "generate",
}


def _logits(seed: int, shape=(3, 50)) -> torch.Tensor:
    return (
        torch.randn(
            *shape,
            generator=torch.Generator().manual_seed(seed),
            dtype=torch.float64,
        )
        * 3
    )


@pytest.mark.parametrize("k", [1, 5, 50])
def test_top_k_filter_matches_transformers(k):
    logits = _logits(k)
    theirs = TopKLogitsWarper(top_k=k)(None, logits.clone())
    assert torch.equal(top_k_filter(logits, k), theirs)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9, 0.99])
def test_top_p_filter_matches_transformers(p):
    logits = _logits(int(p * 100))
    theirs = torch.softmax(TopPLogitsWarper(top_p=p)(None, logits.clone()), dim=-1)
    ours = top_p_filter(torch.softmax(logits, dim=-1), p)
    assert torch.allclose(ours, theirs, atol=1e-12)


def test_next_token_probs_temperature_greedy_and_errors():
    logits = _logits(0)[0]
    assert torch.allclose(
        next_token_probs(logits, 2.0), torch.softmax(logits / 2, -1)
    )
    greedy = next_token_probs(logits, 0.0)
    assert greedy.sum() == 1 and greedy[logits.argmax()] == 1
    both = next_token_probs(logits, 0.7, top_k=10, top_p=0.8)
    assert int((both > 0).sum()) <= 10 and torch.isclose(
        both.sum(), torch.tensor(1.0, dtype=both.dtype)
    )
    with pytest.raises(ValueError, match="temperature"):
        next_token_probs(logits, -1.0)
    with pytest.raises(ValueError, match="positive int"):
        top_k_filter(logits, 0)
    with pytest.raises(ValueError, match="p must be"):
        top_p_filter(torch.softmax(logits, -1), 0.0)


def test_checks_accept_the_module_functions():
    assert check_top_p(
        lambda probs, p: top_p_filter(torch.as_tensor(probs), p).numpy()
    )
    assert check_kv_update(kv_update)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return CharGPT(
        GPTConfig(vocab_size=30, block_size=40, d_model=32, n_heads=4, n_layers=2)
    ).eval()


def test_cached_forward_equals_the_model_in_pieces(model):
    idx = torch.randint(30, (2, 12), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        full = model(idx)
        assert torch.allclose(gpt_forward_cached(model, idx), full, atol=1e-6)
        cache = KVCache(2)
        parts = [
            gpt_forward_cached(model, idx[:, a:b], cache)
            for a, b in [(0, 5), (5, 6), (6, 12)]
        ]
    assert cache.length == 12 and cache.keys[1].shape == (2, 4, 12, 8)
    assert torch.allclose(torch.cat(parts, dim=1), full, atol=1e-5)
    with pytest.raises(ValueError, match="block_size"):
        gpt_forward_cached(model, torch.zeros(1, 41, dtype=torch.long))


def test_generate_with_and_without_cache_agree(model):
    def forward(ids, cache):
        return gpt_forward_cached(model, ids, cache)

    prompt = [1, 2, 3]
    greedy = [
        generate(forward, prompt, 30, n_layers=2, use_cache=c)
        for c in (True, False)
    ]
    assert greedy[0] == greedy[1] and len(greedy[0]) == 30
    sampled = [
        generate(
            forward,
            prompt,
            30,
            n_layers=2,
            use_cache=c,
            temperature=1.0,
            top_p=0.9,
            seed=3,
        )
        for c in (True, False)
    ]
    assert sampled[0] == sampled[1]
    assert (
        generate(forward, prompt, 30, n_layers=2, temperature=1.0, seed=4)
        != sampled[0]
    )
    stop = greedy[0][4]
    assert generate(forward, prompt, 30, n_layers=2, stop=stop)[-1] == stop
    with pytest.raises(ValueError, match="prompt is empty"):
        generate(forward, [], 3, n_layers=2)
    with pytest.raises(ValueError, match="n_layers"):
        KVCache(0)


def test_explorer_and_frame_drawing():
    logits = _logits(5)[0]
    labels = [chr(97 + i % 26) + str(i) for i in range(50)]
    explorer = NextTokenExplorer(logits, labels, shown=10)
    explorer.top_k.value = 3
    assert (
        int((explorer.probs() > 0).sum()) == 3
        and "3</b> of 50" in explorer.status.value
    )
    explorer.temperature.value = 0.0
    assert int((explorer.probs() > 0).sum()) == 1
    assert torch.allclose(
        filtered_probs(logits, 1.0, 50, 1.0), torch.softmax(logits, -1)
    )
    fig, ax = plt.subplots()
    draw_next_token(ax, explorer.probs(), labels, explorer.order, "t")
    assert len(ax.patches) == 10 and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)
    with pytest.raises(ValueError, match="labels"):
        NextTokenExplorer(logits, labels[:3])
    assert isinstance(next_token_explorer(logits, labels), NextTokenExplorer)


def test_the_notebook_shows_the_package_code_unchanged():
    assert_notebook_shows(NOTEBOOK, sampling, SHOWN)


def test_top_k_and_top_p_filters_by_hand():
    inf = float("-inf")
    kept = top_k_filter(torch.tensor([1.0, 3.0, 2.0, 0.0]), 2)
    assert kept.tolist() == [inf, 3.0, 2.0, inf], f"top_k_filter k=2: {kept}"
    # sorted 0.5, 0.3, 0.15, 0.05: cumulative 0.5, 0.8, 0.95, 1. The smallest set
    # reaching p = 0.7 is {0.5, 0.3}; p = 0.85 needs 0.15 too. Kept mass renormalised.
    probs = torch.tensor([0.15, 0.5, 0.05, 0.3], dtype=torch.float64)
    for p, expected in (
        (0.7, [0.0, 0.5 / 0.8, 0.0, 0.3 / 0.8]),
        (0.85, [0.15 / 0.95, 0.5 / 0.95, 0.0, 0.3 / 0.95]),
        (0.4, [0.0, 1.0, 0.0, 0.0]),  # the top token alone is always kept
    ):
        out = top_p_filter(probs, p)
        assert torch.allclose(out, torch.tensor(expected, dtype=torch.float64)), (
            f"top_p_filter p={p}: {out.tolist()}, expected {expected}"
        )
