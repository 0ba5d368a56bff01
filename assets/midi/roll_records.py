"""The piano-roll TFRecord spec (writer and parser share it) and the training windows read from it.

One record is one chunk of a tune: ``tune_id``, ``chunk`` index, ``frames`` and ``roll`` (frames x 88
uint8 bytes). Long tunes are cut into chunks of ``chunk_frames`` that overlap by one frame, so every
frame-to-frame transition of the tune is inside some chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assets.common.tfrecords import bytes_feature, int64_feature, make_example, read_dataset
from assets.midi.rolls import NUM_KEYS

# Padding value of input frames: a padded step is masked, so the LSTM state does not move over it.
PAD_VALUE = -1.0
# A window's inputs are frames s..s+W-1 and its targets s+1..s+W: a chunk of n frames has n - 1 steps.


def chunk_roll(roll: np.ndarray, chunk_frames: int) -> list[np.ndarray]:
    """Cut a roll into chunks of at most ``chunk_frames`` frames, consecutive chunks sharing one frame."""
    if chunk_frames < 2:
        raise ValueError(f"chunk_frames must be at least 2, got {chunk_frames}")
    if len(roll) <= chunk_frames:
        return [roll]
    step = chunk_frames - 1
    return [roll[start : start + chunk_frames] for start in range(0, len(roll) - 1, step) if len(roll) - start > 1]


def encode_chunks(rolls: dict[str, np.ndarray], chunk_frames: int) -> Iterator[Any]:
    """``tf.train.Example``s of every tune's chunks, in tune order."""
    for tune_id, roll in rolls.items():
        for index, chunk in enumerate(chunk_roll(roll, chunk_frames)):
            yield make_example(
                {
                    "tune_id": bytes_feature([tune_id.encode("utf-8")]),
                    "chunk": int64_feature([index]),
                    "frames": int64_feature([len(chunk)]),
                    "roll": bytes_feature([np.ascontiguousarray(chunk, dtype=np.uint8).tobytes()]),
                }
            )


# Chunks read (and parsed) together; the chunks come out one by one again, so the size only sets the work per step.
READ_BATCH = 64


def chunk_spec() -> dict[str, Any]:
    import tensorflow as tf

    return {
        "tune_id": tf.io.FixedLenFeature([], tf.string),
        "chunk": tf.io.FixedLenFeature([], tf.int64),
        "frames": tf.io.FixedLenFeature([], tf.int64),
        "roll": tf.io.FixedLenFeature([], tf.string),
    }


def parse_chunks(serialized: Any) -> dict[str, Any]:
    """Parse a batch of records into ``tune_id``, ``chunk``, ``frames`` and a float ``roll`` (batch x
    ragged frames x 88; each roll's frame count comes from its bytes)."""
    import tensorflow as tf

    parsed = tf.io.parse_example(serialized, chunk_spec())
    sizes = tf.strings.length(parsed["roll"])
    tf.debugging.assert_equal(sizes % NUM_KEYS, 0, message=f"a roll's byte count is not a multiple of {NUM_KEYS}")
    keys = tf.io.decode_raw(tf.strings.reduce_join(parsed["roll"]), tf.uint8)  # every roll's bytes, end to end
    rows = tf.reshape(tf.cast(keys, tf.float32), [-1, NUM_KEYS])
    return {**parsed, "roll": tf.RaggedTensor.from_row_lengths(rows, tf.cast(sizes // NUM_KEYS, tf.int64))}


def _dense_roll(chunk: dict[str, Any]) -> dict[str, Any]:
    """An unbatched ragged roll is declared ragged (with no ragged dimension left); declare it a dense
    frames x 88 tensor again, as a per-record parse gave it."""
    import tensorflow as tf

    return {**chunk, "roll": tf.ensure_shape(chunk["roll"], [None, NUM_KEYS])}


def read_chunks(directory: Path) -> Any:
    """One split's chunks one by one, in shard order, parsed a batch at a time and cached."""
    import tensorflow as tf

    chunks = read_dataset(directory, parse_chunks, READ_BATCH, cache=True).unbatch()
    return chunks.map(_dense_roll, num_parallel_calls=tf.data.AUTOTUNE)


def _windows(roll: Any, phase: Any, window: int) -> Any:
    """Split one chunk into (inputs, targets, weights) windows of ``window`` steps, the first ``phase`` long.

    The first window is left-padded by ``window - phase`` masked steps, so each epoch's random phase moves
    where windows start; every window starts from a fresh state (truncated backpropagation through time).
    """
    import tensorflow as tf

    inputs, targets = roll[:-1], roll[1:]
    steps = tf.shape(inputs)[0]
    lead = window - phase
    total = lead + steps
    tail = (window - total % window) % window
    inputs = tf.pad(inputs, [[lead, tail], [0, 0]], constant_values=PAD_VALUE)
    targets = tf.pad(targets, [[lead, tail], [0, 0]])
    weights = tf.pad(tf.ones([steps]), [[lead, tail]])
    count = (total + tail) // window
    return tf.data.Dataset.from_tensor_slices(
        (
            tf.reshape(inputs, [count, window, NUM_KEYS]),
            tf.reshape(targets, [count, window, NUM_KEYS]),
            tf.reshape(weights, [count, window]),
        )
    ).filter(lambda _inputs, _targets, step_weights: tf.reduce_sum(step_weights) > 0)


def window_dataset(
    directory: Path,
    window: int,
    batch_size: int,
    *,
    seed: int,
    random_phase: bool,
    holdout_buckets: int = 0,
    keep_holdout: bool = False,
) -> Any:
    """Batched (inputs, targets, weights) windows of one split's shards.

    ``random_phase`` draws a new phase per chunk and epoch (training); otherwise windows start at frame 0.
    ``holdout_buckets`` > 0 hashes tune ids into that many buckets and keeps bucket 0 (``keep_holdout``)
    or the others: a tune-level hold-out for early stopping when no separate split is available.
    """
    import tensorflow as tf

    if window < 2:
        raise ValueError(f"window must be at least 2 frames, got {window}")
    chunks = read_chunks(directory)
    if holdout_buckets:
        in_holdout = lambda record: tf.equal(tf.strings.to_hash_bucket_fast(record["tune_id"], holdout_buckets), 0)  # noqa: E731
        chunks = chunks.filter(in_holdout if keep_holdout else lambda record: tf.logical_not(in_holdout(record)))
    chunks = chunks.filter(lambda record: record["frames"] > 1)
    if random_phase:
        phases = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).map(
            lambda value: tf.cast(value % window, tf.int32) + 1
        )
        pairs = tf.data.Dataset.zip(chunks, phases)
        windows = pairs.flat_map(lambda record, phase: _windows(record["roll"], phase, window))
        windows = windows.shuffle(2048, seed=seed, reshuffle_each_iteration=True)
    else:
        windows = chunks.flat_map(lambda record: _windows(record["roll"], tf.constant(window), window))
    return windows.batch(batch_size).prefetch(tf.data.AUTOTUNE)
