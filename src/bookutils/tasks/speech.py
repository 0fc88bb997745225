"""Speech-like audio made with NumPy, and the features a recogniser reads from it.

Chapter 6.3 needs spoken "words" that are the same on every machine, so it synthesises
them: each character of a small alphabet is a sound with its own spectrum (vowels and nasals
as a harmonic source shaped by formant peaks, ``s`` as high-pitched hiss), spoken by random
"speakers" at random speeds. The features are log-mel spectrograms: ``torch.stft`` for the
spectrum and a triangular mel filterbank written here from its definition.

``synthesize``, ``stft_numpy``, ``mel_filterbank`` and ``log_mel_spectrogram`` are shown in
notebook 6.3 as code cells; a test keeps those cells identical to this file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

ALPHABET = "aeioumns"
"""The characters the synthetic speaker can say; class ``k`` (1-based) is ``ALPHABET[k-1]``."""

SAMPLE_RATE = 8000
HOP = 80  # 10 ms frames at 8 kHz

# (first formant, second formant, relative strength of the second) in Hz. The vowel formants
# are rounded averages for adult male speakers from Peterson and Barney (1952); the nasals
# have one strong low resonance, as a closed mouth leaves only the nasal tract to ring.
_VOICED = {
    "a": (730.0, 1090.0, 1.0),
    "e": (530.0, 1840.0, 1.0),
    "i": (270.0, 2290.0, 1.0),
    "o": (570.0, 840.0, 1.0),
    "u": (300.0, 870.0, 1.0),
    "m": (250.0, 1100.0, 0.15),
    "n": (250.0, 1700.0, 0.15),
}
_HISS_BAND = (3000.0, 3900.0)  # "s": noise in a high band

# The toy language: after a vowel, usually a consonant; after a consonant, a vowel. The
# probabilities of the next character ("$" ends the word) for each character ("^" starts).
#: The toy language's next-character probabilities, by character.
WORD_BIGRAMS: dict[str, dict[str, float]] = {
    "^": {"m": 0.3, "n": 0.25, "s": 0.25, "a": 0.1, "o": 0.1},
    "a": {"m": 0.3, "n": 0.3, "s": 0.2, "$": 0.2},
    "e": {"n": 0.4, "s": 0.3, "$": 0.3},
    "i": {"m": 0.2, "n": 0.4, "s": 0.2, "$": 0.2},
    "o": {"m": 0.4, "s": 0.2, "n": 0.2, "$": 0.2},
    "u": {"m": 0.3, "n": 0.3, "s": 0.3, "$": 0.1},
    "m": {"a": 0.4, "e": 0.1, "i": 0.2, "o": 0.2, "u": 0.1},
    "n": {"a": 0.2, "e": 0.3, "i": 0.3, "o": 0.1, "u": 0.1},
    "s": {"a": 0.2, "e": 0.2, "i": 0.1, "o": 0.2, "u": 0.3},
}


def sample_words(
    n: int, rng: np.random.Generator, *, min_len: int = 3, max_len: int = 7
) -> list[str]:
    """``n`` words of the toy language (a Markov chain over :data:`WORD_BIGRAMS`).

    Words shorter than ``min_len`` or longer than ``max_len`` are drawn again.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got {min_len}, {max_len}")
    table = {
        prev: (list(nxt), np.cumsum(list(nxt.values())))
        for prev, nxt in WORD_BIGRAMS.items()
    }
    words: list[str] = []
    while len(words) < n:
        word, prev = "", "^"
        while len(word) <= max_len:
            symbols, cumulative = table[prev]
            prev = symbols[
                min(
                    int(np.searchsorted(cumulative, rng.random() * cumulative[-1])),
                    len(symbols) - 1,
                )
            ]
            if prev == "$":
                break
            word += prev
        if min_len <= len(word) <= max_len:
            words.append(word)
    return words


def _voiced(
    n: int,
    f0: float,
    formants: tuple[float, float, float],
    scale: float,
    rng: np.random.Generator,
    sample_rate: int,
) -> np.ndarray:
    """Source and filter: a pulse train at pitch f0, shaped by two formant resonances."""
    period = sample_rate / f0
    pulses = np.zeros(n)
    pulses[
        np.round(np.arange(rng.uniform(0, period), n - 1, period)).astype(int)
    ] = 1.0
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    f1, f2, strength = formants
    bandwidth = 80.0 * scale
    envelope = 1 / (1 + ((freqs - f1 * scale) / bandwidth) ** 2) + strength / (
        1 + ((freqs - f2 * scale) / bandwidth) ** 2
    )
    return np.fft.irfft(np.fft.rfft(pulses) * envelope, n)


def _hiss(
    n: int, scale: float, rng: np.random.Generator, sample_rate: int
) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(size=n))
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    low, high = _HISS_BAND
    spectrum[
        (freqs < low * scale) | (freqs > min(high * scale, sample_rate / 2))
    ] = 0
    return np.fft.irfft(spectrum, n)


def _check_synthesis(text: str, frames_per_char: tuple[int, int]) -> None:
    if (
        not isinstance(text, str)
        or not text
        or any(c not in ALPHABET for c in text)
    ):
        raise ValueError(
            f"text must be a non-empty string over {ALPHABET!r}, got {text!r}"
        )
    if not 1 <= frames_per_char[0] <= frames_per_char[1]:
        raise ValueError(
            f"frames_per_char must be (low, high) with 1 <= low <= high, "
            f"got {frames_per_char}"
        )


def synthesize(
    text: str,
    rng: np.random.Generator,
    *,
    frames_per_char: tuple[int, int] = (5, 9),
    silence_frames: tuple[int, int] = (3, 6),
    noise: float = 0.05,
    sample_rate: int = SAMPLE_RATE,
    hop: int = HOP,
) -> tuple[np.ndarray, np.ndarray]:
    """Say ``text`` with a random speaker; return the waveform and one label per frame.

    Every character lasts a random whole number of ``hop``-sample frames, with silence before
    and after. Label 0 is silence, label ``k`` is ``ALPHABET[k-1]``; label ``t`` belongs to
    the STFT frame centred on sample ``t * hop``, so there are ``len(wave) // hop + 1``. The
    speaker's pitch, vocal-tract length (a common scale of all formants) and loudness are
    drawn from ``rng``, and white noise of standard deviation ``noise`` (relative to a
    peak of 1) is added.
    """
    _check_synthesis(text, frames_per_char)
    f0, scale = rng.uniform(90, 200), rng.uniform(0.9, 1.1)  # pitch, tract length
    labels = [0] * int(rng.integers(silence_frames[0], silence_frames[1] + 1))
    pieces = [np.zeros(len(labels) * hop)]
    taper = np.sin(np.linspace(0, np.pi / 2, hop // 2)) ** 2  # 5 ms fade in and out
    for char in text:
        frames = int(rng.integers(frames_per_char[0], frames_per_char[1] + 1))
        n = frames * hop
        if char in _VOICED:  # a buzz at the pitch, shaped by the formants
            sound = _voiced(
                n,
                f0 * rng.uniform(0.95, 1.05),
                _VOICED[char],
                scale,
                rng,
                sample_rate,
            )
        else:  # "s": high-pitched hiss
            sound = _hiss(n, scale, rng, sample_rate)
        sound = sound / (np.abs(sound).max() + 1e-12)
        sound[: taper.size] *= taper
        sound[-taper.size :] *= taper[::-1]
        pieces.append(sound * rng.uniform(0.5, 1.0))
        labels += [ALPHABET.index(char) + 1] * frames
    tail = int(rng.integers(silence_frames[0], silence_frames[1] + 1))
    pieces.append(np.zeros(tail * hop))
    labels += [0] * (
        tail + 1
    )  # + 1: the last STFT frame is centred on the final sample
    wave = np.concatenate(pieces) * rng.uniform(0.3, 1.0)
    wave = wave + noise * rng.normal(size=wave.size)
    return wave.astype(np.float32), np.array(labels)


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """The mel scale (HTK form): ``2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=float) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(m, dtype=float) / 2595.0) - 1.0)


def _check_mel_args(
    n_mels: int, n_fft: int, sample_rate: int, f_min: float, f_max: float | None
) -> float:
    """``f_max`` (``sample_rate / 2`` if None) after checking every argument."""
    if (
        not isinstance(n_mels, int)
        or not isinstance(n_fft, int)
        or n_mels < 1
        or n_fft < 2
    ):
        raise ValueError(
            f"need int n_mels >= 1 and n_fft >= 2, got {n_mels!r}, {n_fft!r}"
        )
    f_max = sample_rate / 2 if f_max is None else f_max
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(
            f"need 0 <= f_min < f_max <= sample_rate/2, got {f_min}, {f_max}"
        )
    return f_max


def mel_filterbank(
    n_mels: int,
    n_fft: int,
    sample_rate: int,
    f_min: float = 0.0,
    f_max: float | None = None,
) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale, shape ``(n_mels, n_fft//2 + 1)``.

    Filter ``k`` rises linearly (in Hz) from 0 at the ``k``-th of ``n_mels + 2`` equally
    spaced mel points to 1 at the next point, and falls back to 0 at the one after.
    """
    f_max = _check_mel_args(n_mels, n_fft, sample_rate, f_min, f_max)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    bins = np.linspace(0, sample_rate // 2, n_fft // 2 + 1)  # each bin's frequency
    bank = np.zeros((n_mels, bins.size))
    for k in range(n_mels):
        left, centre, right = edges[k], edges[k + 1], edges[k + 2]
        rising = (bins - left) / (centre - left)
        falling = (right - bins) / (right - centre)
        bank[k] = np.clip(np.minimum(rising, falling), 0.0, None)  # the triangle
    return bank


def _check_signal(x: np.ndarray, n_fft: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size <= n_fft // 2:
        raise ValueError(
            f"x must be 1-D and longer than n_fft // 2, got shape {x.shape}"
        )
    return x


def stft_numpy(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Short-time Fourier transform from scratch, as ``torch.stft`` computes it.

    Periodic Hann window, the signal padded by reflection with ``n_fft // 2`` samples on
    each side (``center=True``); returns complex ``(n_fft // 2 + 1, n_frames)``.
    """
    x = _check_signal(x, n_fft)
    padded = np.pad(x, n_fft // 2, mode="reflect")
    n_frames = 1 + (padded.size - n_fft) // hop
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.stack(
        [padded[t * hop : t * hop + n_fft] * window for t in range(n_frames)]
    )  # (n_frames, n_fft)
    k, j = np.arange(n_fft // 2 + 1)[:, None], np.arange(n_fft)[None, :]
    dft = np.exp(-2j * np.pi * k * j / n_fft)  # (n_fft // 2 + 1, n_fft)
    return dft @ frames.T  # (n_fft // 2 + 1, n_frames)


def _check_wave(wave: np.ndarray | torch.Tensor) -> torch.Tensor:
    wave = torch.as_tensor(wave)
    if wave.ndim != 1 or not wave.is_floating_point():
        raise ValueError(
            f"wave must be a 1-D float array, got shape {tuple(wave.shape)}, "
            f"dtype {wave.dtype}"
        )
    return wave


def log_mel_spectrogram(
    wave: np.ndarray | torch.Tensor,
    *,
    n_fft: int = 256,
    hop: int = HOP,
    n_mels: int = 24,
    sample_rate: int = SAMPLE_RATE,
    eps: float = 1e-6,
) -> torch.Tensor:
    """``log(mel power + eps)`` of a 1-D waveform, shape ``(n_frames, n_mels)``.

    The power spectrum comes from ``torch.stft`` (periodic Hann window, ``center=True``);
    the filters from :func:`mel_filterbank`. Runs on the waveform's device and dtype.
    """
    wave = _check_wave(wave)
    window = torch.hann_window(n_fft, dtype=wave.dtype, device=wave.device)
    spec = torch.stft(
        wave, n_fft, hop_length=hop, window=window, center=True, return_complex=True
    )
    power = spec.abs() ** 2  # (n_fft // 2 + 1, n_frames)
    bank = torch.as_tensor(
        mel_filterbank(n_mels, n_fft, sample_rate),
        dtype=wave.dtype,
        device=wave.device,
    )  # (n_mels, n_fft // 2 + 1)
    return torch.log(bank @ power + eps).T  # (n_frames, n_mels)


def frame_features(feats: torch.Tensor, context: int) -> torch.Tensor:
    """Each frame's features stacked with its ``context`` neighbours on each side.

    ``(T, F)`` becomes ``(T, (2 * context + 1) * F)``; the edges repeat the first and last
    frame.
    """
    if feats.ndim != 2 or context < 0:
        raise ValueError(
            f"need a (T, F) tensor and context >= 0, got {tuple(feats.shape)}, "
            f"{context}"
        )
    T = feats.shape[0]
    idx = (
        torch.arange(T)[:, None] + torch.arange(-context, context + 1)[None]
    ).clamp(0, T - 1)
    return feats[idx.to(feats.device)].reshape(T, -1)


def text_to_ids(text: str) -> list[int]:
    """Characters to class ids (1-based; 0 is silence, or the CTC blank)."""
    if not isinstance(text, str) or any(c not in ALPHABET for c in text):
        raise ValueError(f"text must be a string over {ALPHABET!r}, got {text!r}")
    return [ALPHABET.index(c) + 1 for c in text]


def ids_to_text(ids: Sequence[int]) -> str:
    """Class ids back to characters; 0 (silence or blank) is skipped."""
    if any(not 0 <= int(i) <= len(ALPHABET) for i in ids):
        raise ValueError(f"ids must lie in 0..{len(ALPHABET)}, got {list(ids)}")
    return "".join(ALPHABET[int(i) - 1] for i in ids if int(i) != 0)
