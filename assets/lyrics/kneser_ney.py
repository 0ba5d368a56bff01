"""The character LSTMs' strong baseline: an interpolated Kneser-Ney character n-gram model.

It predicts exactly what the LSTMs predict (each song's characters and its end token, from its start token,
in the same vocabulary with the unknown token), so its bits per character compare directly. Every song's
history starts with start tokens, so the first characters are predicted from "the song begins", as the LSTM
predicts them from its fresh state. Counts are numpy arrays of n-grams packed into int64 keys.

P_n(w | h) = max(c_n(h, w) - D, 0) / c_n(h) + D * N1+(h .) / c_n(h) * P_{n-1}(w | h minus its oldest token),
with raw counts at the highest order, continuation counts (distinct left neighbours) below it, a uniform
distribution over the vocabulary under the unigram, and P_n = P_{n-1} for a history never seen in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assets.lyrics.metrics import LOG2, SongScores
from assets.lyrics.vocabulary import START_ID

ORDERS = (3, 4, 5, 6, 7)
DISCOUNTS = (0.6, 0.7, 0.8, 0.9)
KEY_LIMIT = 2**62  # n-gram keys are base-(vocabulary size) numbers in int64


@dataclass(frozen=True)
class _OrderCounts:
    """One order's n-gram keys (sorted) with their counts, and per history its total and distinct followers."""

    gram_keys: np.ndarray
    gram_counts: np.ndarray
    history_keys: np.ndarray
    history_totals: np.ndarray
    history_types: np.ndarray


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """values[keys == query] per query, 0 where the key is absent (``keys`` sorted)."""
    if not len(keys):
        return np.zeros(len(queries), dtype=values.dtype)
    index = np.clip(np.searchsorted(keys, queries), 0, len(keys) - 1)
    return np.where(keys[index] == queries, values[index], 0)


def _padded_grams(songs: Sequence[np.ndarray], order: int) -> np.ndarray:
    """(targets x order) token windows ending at every predicted token, histories padded with start tokens."""
    rows = []
    for song in songs:
        padded = np.concatenate([np.full(order - 2, START_ID), np.asarray(song, dtype=np.int64)])
        if len(padded) < order:
            raise ValueError(f"a song of {len(song)} tokens has nothing to predict: it must hold start and end")
        rows.append(np.lib.stride_tricks.sliding_window_view(padded, order))
    return np.concatenate(rows).astype(np.int64)


def _keys(grams: np.ndarray, size: int) -> np.ndarray:
    keys = np.zeros(len(grams), dtype=np.int64)
    for column in range(grams.shape[1]):
        keys = keys * size + grams[:, column]
    return keys


class KneserNeyLM:
    """Interpolated Kneser-Ney character model of ``order`` (history of order-1 tokens), one discount."""

    def __init__(self, order: int, discount: float, vocabulary_size: int) -> None:
        if order < 1:
            raise ValueError(f"order must be 1 or more, got {order}")
        if not 0.0 < discount < 1.0:
            raise ValueError(f"discount must lie strictly between 0 and 1, got {discount}")
        if vocabulary_size < 2 or float(vocabulary_size) ** order >= KEY_LIMIT:
            raise ValueError(f"a vocabulary of {vocabulary_size} tokens cannot key {order}-grams in int64")
        self.order, self.discount, self.size = order, discount, vocabulary_size
        self.counts: list[_OrderCounts] = []

    def fit(self, songs: Sequence[np.ndarray]) -> KneserNeyLM:
        grams = _padded_grams(songs, max(self.order, 2))[:, -self.order :]
        counts: list[_OrderCounts] = []
        distinct, frequency = np.unique(_keys(grams, self.size), return_counts=True)
        for length in range(self.order, 0, -1):
            if length < self.order:  # continuation counts: distinct one-token-longer grams per gram
                distinct, frequency = np.unique(distinct % self.size**length, return_counts=True)
            histories, inverse = np.unique(distinct // self.size, return_inverse=True)
            counts.append(
                _OrderCounts(
                    distinct,
                    frequency,
                    histories,
                    np.bincount(inverse, weights=frequency),
                    np.bincount(inverse).astype(np.float64),
                )
            )
        self.counts = counts[::-1]  # index 0: unigrams
        return self

    def with_discount(self, discount: float) -> KneserNeyLM:
        """The same counts with another discount (the counts do not depend on it)."""
        other = KneserNeyLM(self.order, discount, self.size)
        other.counts = self.counts
        return other

    def log_probabilities(self, songs: Sequence[np.ndarray]) -> np.ndarray:
        """Natural-log probability of every predicted token (each song's characters and end), song by song."""
        if not self.counts:
            raise ValueError("fit the model before scoring")
        return np.log(self.probabilities_of_grams(_padded_grams(songs, max(self.order, 2))[:, -self.order :]))

    def probabilities_of_grams(self, grams: np.ndarray) -> np.ndarray:
        """P(last token | the tokens before it) of each row of ``grams`` (``order`` tokens per row)."""
        probability = np.full(len(grams), 1.0 / self.size)
        for length, level in enumerate(self.counts, start=1):
            tail = grams[:, -length:]
            count = _lookup(level.gram_keys, level.gram_counts, _keys(tail, self.size)).astype(np.float64)
            history = _keys(tail[:, :-1], self.size)
            total = _lookup(level.history_keys, level.history_totals, history)
            types = _lookup(level.history_keys, level.history_types, history)
            seen = total > 0
            smoothed = (np.maximum(count - self.discount, 0.0) + self.discount * types * probability) / np.where(
                seen, total, 1.0
            )
            probability = np.where(seen, smoothed, probability)
        return probability

    def score(self, songs: Sequence[np.ndarray]) -> SongScores:
        log_probs = self.log_probabilities(songs)
        tokens = np.asarray([len(song) - 1 for song in songs])
        bits = -np.add.reduceat(log_probs, np.cumsum(tokens) - tokens) / LOG2
        return SongScores(bits, tokens)


def fit_tuned_kneser_ney(
    train_songs: Sequence[np.ndarray],
    valid_songs: Sequence[np.ndarray],
    vocabulary_size: int,
    orders: Sequence[int] = ORDERS,
    discounts: Sequence[float] = DISCOUNTS,
) -> tuple[KneserNeyLM, dict[str, float]]:
    """The order and discount with the lowest bits per character on the valid songs, fitted on the train
    songs (the test songs are never read); returns the model and every valid score tried."""
    if not valid_songs:
        raise ValueError("no valid songs to choose the n-gram order and discount on")
    tried: dict[str, float] = {}
    best: tuple[float, KneserNeyLM] | None = None
    for order in orders:
        fitted = KneserNeyLM(order, discounts[0], vocabulary_size).fit(train_songs)
        for discount in discounts:
            model = fitted.with_discount(discount)
            value = model.score(valid_songs).bits_per_char()
            tried[f"order {order}, discount {discount}"] = value
            if best is None or value < best[0]:
                best = (value, model)
    return best[1], tried
