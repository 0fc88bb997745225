"""Tests for bookutils.tasks.speech: synthetic speech, STFT and mel features against torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from lesson_code import assert_notebook_shows

from bookutils.tasks import speech
from bookutils.tasks.speech import (
    ALPHABET,
    HOP,
    WORD_BIGRAMS,
    frame_features,
    hz_to_mel,
    ids_to_text,
    log_mel_spectrogram,
    mel_filterbank,
    mel_to_hz,
    sample_words,
    stft_numpy,
    synthesize,
    text_to_ids,
)


def test_word_bigrams_are_distributions_without_doubled_letters():
    for prev, nxt in WORD_BIGRAMS.items():
        assert np.isclose(sum(nxt.values()), 1.0), prev
        assert prev not in nxt


def test_sample_words_is_seeded_and_respects_lengths():
    a = sample_words(50, np.random.default_rng(0), min_len=2, max_len=4)
    assert a == sample_words(50, np.random.default_rng(0), min_len=2, max_len=4)
    assert all(2 <= len(w) <= 4 and set(w) <= set(ALPHABET) for w in a)
    assert all(
        x != y for w in a for x, y in zip(w, w[1:], strict=False)
    )  # no doubles
    assert sample_words(0, np.random.default_rng(0)) == []


def test_sample_words_bad_input():
    with pytest.raises(ValueError, match="non-negative"):
        sample_words(-1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="min_len"):
        sample_words(3, np.random.default_rng(0), min_len=5, max_len=2)


def test_synthesize_labels_align_with_frames():
    wave, labels = synthesize("masi", np.random.default_rng(0))
    assert wave.dtype == np.float32 and labels.size == wave.size // HOP + 1
    assert (
        ids_to_text(
            [k for i, k in enumerate(labels) if i == 0 or k != labels[i - 1]]
        )
        == "masi"
    )
    assert labels[0] == 0 and labels[-1] == 0
    feats = log_mel_spectrogram(torch.from_numpy(wave))
    assert feats.shape == (labels.size, 24)


def test_synthesize_bad_input():
    with pytest.raises(ValueError, match="non-empty string"):
        synthesize("xyz", np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-empty string"):
        synthesize("", np.random.default_rng(0))
    with pytest.raises(ValueError, match="frames_per_char"):
        synthesize("a", np.random.default_rng(0), frames_per_char=(3, 1))


def test_mel_scale_round_trip_and_anchor():
    f = np.array([0.0, 100.0, 1000.0, 3999.0])
    assert np.allclose(mel_to_hz(hz_to_mel(f)), f)
    assert np.isclose(
        hz_to_mel(1000.0), 1000.0, atol=0.5
    )  # the scale's anchor: 1 kHz ≈ 1000 mel


def test_mel_filterbank_matches_transformers_and_sums_to_one():
    from transformers.audio_utils import mel_filter_bank

    bank = mel_filterbank(40, 512, 16000, f_min=20.0, f_max=7600.0)
    ref = mel_filter_bank(257, 40, 20.0, 7600.0, 16000, mel_scale="htk").T
    np.testing.assert_allclose(bank, ref, rtol=0, atol=1e-12)
    centres = mel_to_hz(np.linspace(hz_to_mel(20.0), hz_to_mel(7600.0), 42))[1:-1]
    bins = np.linspace(0, 8000, 257)
    inside = (bins >= centres[0]) & (bins <= centres[-1])
    np.testing.assert_allclose(bank[:, inside].sum(0), 1.0)
    bank[0, 0] = 99.0  # a copy: the cache is not changed
    assert mel_filterbank(40, 512, 16000, f_min=20.0, f_max=7600.0)[0, 0] == 0.0


def test_mel_filterbank_bad_input():
    with pytest.raises(ValueError, match="n_mels"):
        mel_filterbank(0, 256, 8000)
    with pytest.raises(ValueError, match="f_min"):
        mel_filterbank(10, 256, 8000, f_min=5000.0)


def test_stft_numpy_matches_torch():
    x = np.random.default_rng(1).normal(size=1000)
    ours = stft_numpy(x, 128, 32)
    theirs = torch.stft(
        torch.from_numpy(x),
        128,
        hop_length=32,
        window=torch.hann_window(128, dtype=torch.float64),
        return_complex=True,
    ).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="1-D"):
        stft_numpy(np.zeros((2, 100)), 128, 32)


def test_log_mel_spectrogram_is_torch_stft_plus_filterbank():
    x = torch.from_numpy(np.random.default_rng(2).normal(size=800))
    spec = (
        torch.stft(
            x,
            256,
            hop_length=80,
            window=torch.hann_window(256, dtype=x.dtype),
            return_complex=True,
        ).abs()
        ** 2
    )
    bank = torch.from_numpy(mel_filterbank(24, 256, 8000))
    torch.testing.assert_close(
        log_mel_spectrogram(x), torch.log(bank @ spec + 1e-6).T
    )
    with pytest.raises(ValueError, match="1-D float"):
        log_mel_spectrogram(torch.zeros(2, 800))
    with pytest.raises(ValueError, match="1-D float"):
        log_mel_spectrogram(torch.zeros(800, dtype=torch.long))


def test_frame_features_stacks_neighbours():
    f = torch.arange(12.0).reshape(4, 3)
    out = frame_features(f, 1)
    assert out.shape == (4, 9)
    torch.testing.assert_close(out[1], torch.cat([f[0], f[1], f[2]]))
    torch.testing.assert_close(
        out[0], torch.cat([f[0], f[0], f[1]])
    )  # edge repeated
    torch.testing.assert_close(frame_features(f, 0), f)
    with pytest.raises(ValueError, match="context"):
        frame_features(f, -1)


def test_text_ids_round_trip_and_errors():
    assert text_to_ids("aes") == [1, 2, 8]
    assert ids_to_text([0, 1, 0, 2, 8]) == "aes"
    with pytest.raises(ValueError, match="string over"):
        text_to_ids("abc")
    with pytest.raises(ValueError, match="ids must lie"):
        ids_to_text([9])


NOTEBOOK = (
    Path(__file__).parents[1] / "notebooks" / "06_applications" / "6_3_speech.ipynb"
)


def test_chapter_6_3_shows_the_lesson_code():
    assert_notebook_shows(
        NOTEBOOK,
        speech,
        {"synthesize", "stft_numpy", "mel_filterbank", "log_mel_spectrogram"},
    )
