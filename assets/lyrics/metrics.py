"""Bits per character of the LSTMs and of add-one character n-gram baselines, and sample diversity.

Every scorer predicts the same targets: each song's characters and its end token, from its start
token on (the LSTM from a zero state), so their bits per character compare directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

LOG2 = np.log(2.0)
LENGTH_BUCKET = 256


@dataclass(frozen=True)
class SongScores:
    """Total bits and predicted tokens per song."""

    bits: np.ndarray
    tokens: np.ndarray

    def bits_per_char(self, mask: np.ndarray | None = None) -> float:
        bits, tokens = (self.bits, self.tokens) if mask is None else (self.bits[mask], self.tokens[mask])
        if tokens.sum() == 0:
            raise ValueError("no tokens to score")
        return float(bits.sum() / tokens.sum())


def score_songs_with_model(
    model: Any, songs: Sequence[np.ndarray], artist_ids: Sequence[int] | None = None, batch_size: int = 16
) -> SongScores:
    """Score each encoded song (``start ... end``) with a stateless Keras model; songs batched by length."""
    bits = np.zeros(len(songs))
    order = np.argsort([len(song) for song in songs])
    for begin in range(0, len(order), batch_size):
        chunk = order[begin : begin + batch_size]
        longest = max(len(songs[index]) for index in chunk) - 1
        length = -(-longest // LENGTH_BUCKET) * LENGTH_BUCKET  # few distinct shapes: few tf.function retraces
        inputs = np.zeros((len(chunk), length), dtype=np.int32)
        targets = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=bool)
        for row, index in enumerate(chunk):
            song = songs[index]
            inputs[row, : len(song) - 1] = song[:-1]
            targets[row, : len(song) - 1] = song[1:]
            mask[row, : len(song) - 1] = True
        feed: Any = inputs
        if artist_ids is not None:
            artists = np.repeat(np.asarray([artist_ids[index] for index in chunk], dtype=np.int32)[:, None], length, 1)
            feed = {"characters": inputs, "artists": artists}
        logits = np.asarray(model.predict_on_batch(feed), dtype=np.float64)
        log_probs = logits - _logsumexp(logits)
        picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
        bits[chunk] = -(picked * mask).sum(axis=1) / LOG2
    return SongScores(bits, np.asarray([len(song) - 1 for song in songs]))


def _logsumexp(values: np.ndarray) -> np.ndarray:
    peak = values.max(axis=-1, keepdims=True)
    return peak + np.log(np.exp(values - peak).sum(axis=-1, keepdims=True))


class NgramBaseline:
    """Character unigram (order 1) or bigram (order 2) model with add-one smoothing over the vocabulary."""

    def __init__(self, order: int, vocabulary_size: int) -> None:
        if order not in (1, 2):
            raise ValueError(f"order must be 1 (unigram) or 2 (bigram), got {order}")
        self.order = order
        self.counts = np.zeros((vocabulary_size, vocabulary_size) if order == 2 else vocabulary_size)

    def fit(self, songs: Sequence[np.ndarray]) -> NgramBaseline:
        for song in songs:
            if self.order == 1:
                np.add.at(self.counts, song[1:], 1)
            else:
                np.add.at(self.counts, (song[:-1], song[1:]), 1)
        return self

    def score(self, songs: Sequence[np.ndarray]) -> SongScores:
        size = self.counts.shape[-1]
        log_probs = np.log(self.counts + 1) - np.log(self.counts.sum(axis=-1, keepdims=True) + size)
        bits = [
            -(log_probs[song[1:]] if self.order == 1 else log_probs[song[:-1], song[1:]]).sum() / LOG2 for song in songs
        ]
        return SongScores(np.asarray(bits), np.asarray([len(song) - 1 for song in songs]))


def distinct_ngram_ratio(text: str, n: int = 3) -> float:
    """Distinct character n-grams over all n-grams: low for repetitive text, near 1 for random text."""
    grams = [text[index : index + n] for index in range(len(text) - n + 1)]
    if not grams:
        raise ValueError(f"text of {len(text)} characters has no {n}-grams")
    return len(set(grams)) / len(grams)


def conditioning_verdict(unconditional: float, conditioned: float, seed_noise: float) -> dict[str, float | str]:
    """Whether the artist-conditioned model earns its place: its gain in bits per character over the
    unconditional one (positive: conditioning helps), judged against the spread between training seeds."""
    gain = unconditional - conditioned
    if gain > seed_noise:
        verdict = "helps: the conditioned model is better by more than the seed noise"
    elif gain < -seed_noise:
        verdict = "hurts: the conditioned model is worse by more than the seed noise"
    else:
        verdict = "no measurable effect: the two models differ by less than the seed noise"
    return {"gain_bits_per_char": float(gain), "seed_noise_bits_per_char": float(seed_noise), "verdict": verdict}
