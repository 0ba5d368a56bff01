"""Song splits and the fixed-length character windows written to TFRecords (one feature spec, both sides).

Truncated backpropagation through time over long songs: the songs of a split (in a seeded order) are
joined into one token sequence, cut into ``streams`` equal parts, and each part into windows of
``window`` steps. Records are written window-major (step 0 of every stream, then step 1, ...), so
reading them back in order and batching by ``streams`` gives batches whose row ``s`` continues row
``s`` of the previous batch: a stateful LSTM carries its state across windows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assets.common.splits import stratified_split
from assets.common.tfrecords import int64_feature, make_example
from assets.lyrics.vocabulary import Vocabulary

MAX_ORDERED_SHARDS = 8  # read_dataset interleaves up to 8 files round-robin, which keeps the write order


def assign_splits(clean: pd.DataFrame, valid_fraction: float, test_fraction: float, seed: int) -> pd.DataFrame:
    """One row per song: ``song_id`` (row of clean_lyrics), artist and split, stratified by artist."""
    if clean.empty:
        raise ValueError("no songs to split")
    splits = stratified_split(clean["artist"].tolist(), valid_fraction, test_fraction, seed)
    return pd.DataFrame({"song_id": np.arange(len(clean)), "artist": clean["artist"].to_numpy(), "split": splits})


def fit_streams(train_tokens: int, max_streams: int, window: int, min_batches: int) -> int:
    """``max_streams``, or fewer when the training text is too short to give ``min_batches`` batches per epoch.

    A small corpus cut into many streams gives an epoch of only a few optimizer updates.
    """
    if max_streams < 1 or window < 1 or min_batches < 1:
        raise ValueError(
            f"max_streams, window and min_batches must be positive: {max_streams}, {window}, {min_batches}"
        )
    return max(1, min(max_streams, train_tokens // (window * min_batches)))


@dataclass(frozen=True)
class StreamLayout:
    """How one split's token sequence was cut: ``streams`` rows of ``windows`` windows of ``window`` steps."""

    streams: int
    window: int
    windows: int
    tokens: np.ndarray  # (streams, windows * window + 1) token ids
    artists: np.ndarray  # same shape: artist id of every token


def build_streams(
    texts: Sequence[str], artists: Sequence[str], vocabulary: Vocabulary, streams: int, window: int, seed: int
) -> StreamLayout:
    """Join the songs in a seeded order and cut them into ``streams`` rows of whole windows."""
    if streams < 1 or window < 1:
        raise ValueError(f"streams and window must be positive, got {streams} and {window}")
    order = np.random.default_rng(seed).permutation(len(texts))
    encoded = [vocabulary.encode(texts[index]) for index in order]
    labels = [
        np.full(len(encoded[row]), vocabulary.artist_id(artists[index]), np.int32) for row, index in enumerate(order)
    ]
    tokens = np.concatenate(encoded) if encoded else np.zeros(0, dtype=np.int32)
    artist_ids = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int32)
    windows = (len(tokens) // streams - 1) // window
    if windows < 1:
        raise ValueError(
            f"{len(tokens)} tokens cannot fill {streams} streams of one {window}-step window; "
            "use fewer streams or a shorter window"
        )
    length = windows * window + 1
    per_stream = len(tokens) // streams
    rows = np.stack([tokens[row * per_stream : row * per_stream + length] for row in range(streams)])
    artist_rows = np.stack([artist_ids[row * per_stream : row * per_stream + length] for row in range(streams)])
    return StreamLayout(streams, window, windows, rows, artist_rows)


def window_examples(layout: StreamLayout) -> Iterator[Any]:
    """``tf.train.Example``s window-major: inputs and targets overlap by one token (``window + 1`` ids)."""
    for step in range(layout.windows):
        start = step * layout.window
        for stream in range(layout.streams):
            yield make_example(
                {
                    "tokens": int64_feature(layout.tokens[stream, start : start + layout.window + 1].tolist()),
                    "artists": int64_feature(layout.artists[stream, start : start + layout.window + 1].tolist()),
                    "stream": int64_feature([stream]),
                    "step": int64_feature([step]),
                }
            )


def window_spec(window: int) -> dict[str, Any]:
    """The feature spec of one window record (``window + 1`` token and artist ids, its stream and step)."""
    import tensorflow as tf

    return {
        "tokens": tf.io.FixedLenFeature([window + 1], tf.int64),
        "artists": tf.io.FixedLenFeature([window + 1], tf.int64),
        "stream": tf.io.FixedLenFeature([], tf.int64),
        "step": tf.io.FixedLenFeature([], tf.int64),
    }


def window_parser(window: int, with_artist: bool) -> Any:
    """Parse a batch of records into model inputs and next-character targets (batch x window each)."""
    import tensorflow as tf

    spec = window_spec(window)

    def parse(serialized: Any) -> Any:
        records = tf.io.parse_example(serialized, spec)
        characters = tf.cast(records["tokens"][:, :-1], tf.int32)
        targets = tf.cast(records["tokens"][:, 1:], tf.int32)
        if with_artist:
            return {"characters": characters, "artists": tf.cast(records["artists"][:, :-1], tf.int32)}, targets
        return characters, targets

    return parse


def parse_record_position(serialized: Any) -> Any:
    """(stream, step) of a batch of records: used to check that reading keeps the window-major order."""
    import tensorflow as tf

    spec = {"stream": tf.io.FixedLenFeature([], tf.int64), "step": tf.io.FixedLenFeature([], tf.int64)}
    records = tf.io.parse_example(serialized, spec)
    return records["stream"], records["step"]
