"""The per-record reading ``read_dataset`` did before it parsed batches, kept here as the reference the
batch-parsed datasets must reproduce tensor for tensor (order, shapes, dtypes, the last partial batch).

The old pipeline: interleave up to 8 shards, ``map(parse_single_example)``, cache, shuffle, batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from assets.common.tfrecords import read_manifest, shard_files


def per_record_dataset(
    directory: Path | Sequence[Path],
    parse_one: Callable[[Any], Any],
    batch_size: int,
    *,
    shuffle_buffer: int = 0,
    seed: int = 0,
    cache: bool = True,
    drop_remainder: bool = False,
) -> Any:
    directories = [Path(directory)] if isinstance(directory, str | Path) else [Path(one) for one in directory]
    manifests = [read_manifest(one) for one in directories]
    compression = manifests[0]["compression"] or None
    files = [file for one in directories for file in shard_files(one)]
    dataset = tf.data.Dataset.from_tensor_slices(files).interleave(
        lambda path: tf.data.TFRecordDataset(path, compression_type=compression),
        cycle_length=min(len(files), 8),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(sum(one["records"] for one in manifests)))
    dataset = dataset.map(parse_one, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        dataset = dataset.cache()
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def per_record_reader(parse_one: Callable[[Any], Any]) -> Callable[..., Any]:
    """A stand-in for ``read_dataset`` (same signature) that ignores the batch parser it is given and
    reads the old way with ``parse_one``: patched into a domain module, it rebuilds that domain's old dataset."""

    def read(directory: Path | Sequence[Path], _parse_batch: Any, batch_size: int, **options: Any) -> Any:
        return per_record_dataset(directory, parse_one, batch_size, **options)

    return read


def assert_identical_datasets(actual: Any, expected: Any, epochs: int = 1) -> int:
    """The same element spec, then the same elements, value for value, over ``epochs`` passes (each pass
    of a shuffled dataset is a new order). Returns the number of elements of one pass."""
    assert actual.element_spec == expected.element_spec
    assert int(actual.cardinality()) == int(expected.cardinality())
    counts = []
    for _ in range(epochs):
        count = 0
        for left, right in zip(actual, expected, strict=True):
            tf.nest.assert_same_structure(left, right)
            for one, other in zip(tf.nest.flatten(left), tf.nest.flatten(right), strict=True):
                assert one.dtype == other.dtype
                assert one.shape == other.shape
                np.testing.assert_array_equal(one.numpy(), other.numpy())
            count += 1
        counts.append(count)
    assert len(set(counts)) == 1
    return counts[0]
