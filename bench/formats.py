"""TFRecord shards (assets/common/tfrecords) against one parquet file, for the same examples.

An example is what the sequence models read: 64 token ids, 8 float features and a label. Writes go
through the shared writers (``write_shards``, ``write_parquet_atomic``); reads go to NumPy arrays
(parquet) or through ``read_dataset``'s parallel ``tf.data`` pipeline without its cache (TFRecord).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

SEQUENCE_LENGTH = 64
FEATURES = 8
VOCABULARY = 128

Row = tuple[str, float, str]


def make_examples(count: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Deterministic examples whose label depends on the tokens, so a model has something to learn."""
    generator = np.random.default_rng(seed)
    tokens = generator.integers(0, VOCABULARY, size=(count, SEQUENCE_LENGTH), dtype=np.int64)
    features = generator.normal(size=(count, FEATURES)).astype(np.float32)
    labels = (tokens[:, -8:].mean(axis=1) > VOCABULARY / 2).astype(np.int64)
    return {"tokens": tokens, "features": features, "labels": labels}


def encode(examples: dict[str, np.ndarray]) -> Any:
    from assets.common.tfrecords import float_feature, int64_feature, make_example

    for tokens, features, label in zip(examples["tokens"], examples["features"], examples["labels"], strict=True):
        yield make_example(
            {
                "tokens": int64_feature(tokens.tolist()),
                "features": float_feature(features.tolist()),
                "label": int64_feature([int(label)]),
            }
        )


def parse(record: Any) -> tuple[Any, Any]:
    import tensorflow as tf

    spec = {
        "tokens": tf.io.FixedLenFeature([SEQUENCE_LENGTH], tf.int64),
        "features": tf.io.FixedLenFeature([FEATURES], tf.float32),
        "label": tf.io.FixedLenFeature([1], tf.int64),
    }
    parsed = tf.io.parse_single_example(record, spec)
    return parsed["tokens"], parsed["label"]


def write_tfrecords(examples: dict[str, np.ndarray], directory: Path, compression: str = "") -> Any:
    from assets.common.tfrecords import write_shards

    return write_shards(encode(examples), directory, num_shards=4, compression=compression)


def write_parquet(examples: dict[str, np.ndarray], path: Path) -> Path:
    import pandas as pd

    from assets.common.atomic import write_parquet_atomic

    frame = pd.DataFrame(
        {
            "tokens": list(examples["tokens"]),
            "features": list(examples["features"]),
            "label": examples["labels"],
        }
    )
    return write_parquet_atomic(frame, path)


def read_parquet(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    tokens = table.column("tokens").combine_chunks().flatten().to_numpy().reshape(-1, SEQUENCE_LENGTH)
    return tokens, table.column("label").to_numpy()


def read_tfrecords(directory: Path, batch_size: int = 256) -> int:
    from assets.common.tfrecords import read_dataset

    count = 0
    for tokens, _ in read_dataset(directory, parse, batch_size, cache=False):
        count += int(tokens.shape[0])
    return count


def read_tfrecords_batch_parsed(directory: Path, batch_size: int = 256) -> int:
    """The same read with one ``parse_example`` per batch instead of one parse per record."""
    import tensorflow as tf

    from assets.common.tfrecords import shard_files

    spec = {
        "tokens": tf.io.FixedLenFeature([SEQUENCE_LENGTH], tf.int64),
        "label": tf.io.FixedLenFeature([1], tf.int64),
    }
    dataset = (
        tf.data.TFRecordDataset(shard_files(directory), num_parallel_reads=tf.data.AUTOTUNE)
        .batch(batch_size)
        .map(lambda records: tf.io.parse_example(records, spec), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    return sum(int(batch["tokens"].shape[0]) for batch in dataset)


def measure(count: int, scratch: Path, repeats: int = 3) -> list[Row]:
    """Records/s and MB/s of each write and read: the median of ``repeats`` runs after a warm-up
    (imports, graph tracing) on 100 examples, which is not counted."""
    _run_all(make_examples(100), scratch / "warm-up")
    examples = make_examples(count)
    timings: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    for repeat in range(repeats):
        for label, (elapsed, size) in _run_all(examples, scratch / f"run-{repeat}").items():
            timings.setdefault(label, []).append(elapsed)
            sizes[label] = size
    rows: list[Row] = []
    for label, elapsed_runs in timings.items():
        elapsed = float(np.median(elapsed_runs))
        megabytes = sizes[label] / 1e6
        rows.append((f"{label}: records/s", count / elapsed, "records/s"))
        rows.append((f"{label}: MB/s ({megabytes:.1f} MB on disk)", megabytes / elapsed, "MB/s"))
    return rows


def _run_all(examples: dict[str, np.ndarray], scratch: Path) -> dict[str, tuple[float, int]]:
    shards, gzip_shards, parquet = scratch / "shards", scratch / "shards-gzip", scratch / "examples.parquet"
    steps = [
        ("TFRecord write (4 shards)", lambda: write_tfrecords(examples, shards), shards),
        ("TFRecord write (4 shards, gzip)", lambda: write_tfrecords(examples, gzip_shards, "GZIP"), gzip_shards),
        ("parquet write (1 file)", lambda: write_parquet(examples, parquet), parquet),
        ("TFRecord read (tf.data, parsed)", lambda: read_tfrecords(shards), shards),
        ("TFRecord read (tf.data, gzip, parsed)", lambda: read_tfrecords(gzip_shards), gzip_shards),
        ("TFRecord read (tf.data, parse per batch)", lambda: read_tfrecords_batch_parsed(shards), shards),
        ("parquet read (to NumPy)", lambda: read_parquet(parquet), parquet),
    ]
    results = {}
    for label, action, output in steps:
        started = time.perf_counter()
        action()
        results[label] = (time.perf_counter() - started, _bytes(output))
    return results


def _bytes(path: Path) -> int:
    if path.is_dir():
        return sum(part.stat().st_size for part in path.glob("part-*"))
    return path.stat().st_size
