"""The TFRecord feature spec of next-song examples, used by the writer and the reader alike.

One example: `context` (seq_len token ids), `marks` (their lagged segue-mark ids), `target` (the next
token id), `show_number` (the target's show, to look up that show's rotation features) and
`stream_index` (the target's place in `song_sequences`, for the per-context evaluation).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assets.common.tfrecords import ShardSummary, int64_feature, make_example, read_dataset, write_shards
from assets.setlists.rotation import rows_of_shows
from assets.setlists.sequences import Windows


def encode_windows(windows: Windows) -> Iterator[Any]:
    for context, marks, target, show_number, stream_index in zip(
        windows.context, windows.marks, windows.target, windows.show_number, windows.stream_index, strict=True
    ):
        yield make_example(
            {
                "context": int64_feature(context.tolist()),
                "marks": int64_feature(marks.tolist()),
                "target": int64_feature([int(target)]),
                "show_number": int64_feature([int(show_number)]),
                "stream_index": int64_feature([int(stream_index)]),
            }
        )


def write_windows(windows: Windows, directory: Path, num_shards: int) -> ShardSummary:
    return write_shards(encode_windows(windows), directory, num_shards, compression="GZIP")


def feature_spec(seq_len: int) -> dict[str, Any]:
    import tensorflow as tf

    return {
        "context": tf.io.FixedLenFeature([seq_len], tf.int64),
        "marks": tf.io.FixedLenFeature([seq_len], tf.int64),
        "target": tf.io.FixedLenFeature([1], tf.int64),
        "show_number": tf.io.FixedLenFeature([1], tf.int64),
        "stream_index": tf.io.FixedLenFeature([1], tf.int64),
    }


def next_song_dataset(
    directory: Path | Sequence[Path],
    seq_len: int,
    batch_size: int,
    rotation: tuple[np.ndarray, np.ndarray],
    *,
    shuffle: bool = False,
    seed: int = 0,
) -> Any:
    """Batches of ({context, marks, rotation}, target) read from one split's shards (or several splits').

    `rotation` is (show numbers, [shows, vocabulary, features] array); each example gets its show's row.
    """
    import tensorflow as tf

    spec = feature_spec(seq_len)
    shows, array = rotation
    row_table = tf.constant(rows_of_shows(shows, np.arange(int(shows.max()) + 1)))
    rotation_table = tf.constant(array)

    def parse(serialized: Any) -> Any:
        examples = tf.io.parse_example(serialized, spec)
        return examples["context"], examples["marks"], examples["show_number"][:, 0], examples["target"][:, 0]

    def attach_rotation(context: Any, marks: Any, show_number: Any, target: Any) -> Any:
        features = tf.gather(rotation_table, tf.gather(row_table, show_number))
        return {"context": context, "marks": marks, "rotation": features}, target

    dataset = read_dataset(directory, parse, batch_size, shuffle_buffer=20_000 if shuffle else 0, seed=seed)
    return dataset.map(attach_rotation, num_parallel_calls=tf.data.AUTOTUNE)


def windows_dataset(
    windows: Windows, batch_size: int, rotation: tuple[np.ndarray, np.ndarray], *, shuffle: bool = False, seed: int = 0
) -> Any:
    """The same batches built from in-memory windows (the random-split comparison and the sweep use it)."""
    import tensorflow as tf

    shows, array = rotation
    rotation_table = tf.constant(array)
    dataset = tf.data.Dataset.from_tensor_slices(
        (windows.context, windows.marks, rows_of_shows(shows, windows.show_number), windows.target)
    )
    if shuffle:
        dataset = dataset.shuffle(len(windows), seed=seed, reshuffle_each_iteration=True)

    def attach_rotation(context: Any, marks: Any, row: Any, target: Any) -> Any:
        return {"context": context, "marks": marks, "rotation": tf.gather(rotation_table, row)}, target

    return dataset.batch(batch_size).map(attach_rotation).prefetch(tf.data.AUTOTUNE)


def read_windows(directory: Path, seq_len: int) -> Windows:
    """All examples of one split back as arrays, in shard order (evaluation reads them once)."""
    import tensorflow as tf

    spec = feature_spec(seq_len)
    dataset = read_dataset(directory, lambda records: tf.io.parse_example(records, spec), 4096, cache=False)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in spec}
    for batch in dataset.as_numpy_iterator():
        for name in parts:
            parts[name].append(batch[name])
    arrays = {name: np.concatenate(values) for name, values in parts.items()}
    order = np.argsort(arrays["stream_index"][:, 0], kind="stable")
    return Windows(
        context=arrays["context"][order],
        marks=arrays["marks"][order],
        target=arrays["target"][order, 0],
        show_number=arrays["show_number"][order, 0],
        stream_index=arrays["stream_index"][order, 0],
    )
