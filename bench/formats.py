"""TFRecord shards (assets/common/tfrecords) against one parquet file, for the same examples.

An example is what the sequence models read: 64 token ids, 8 float features and a label. Writes go
through the shared writers (``write_shards``, ``write_parquet_atomic``); reads go to NumPy arrays
(parquet) or through ``read_dataset``'s parallel ``tf.data`` pipeline without its cache (TFRecord), which
parses a batch at a time, and, for comparison, through the pipeline ``read_dataset`` was before it did
(:func:`per_record_dataset`: one ``parse_single_example`` per record, then batch).
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


def feature_spec() -> dict[str, Any]:
    import tensorflow as tf

    return {
        "tokens": tf.io.FixedLenFeature([SEQUENCE_LENGTH], tf.int64),
        "features": tf.io.FixedLenFeature([FEATURES], tf.float32),
        "label": tf.io.FixedLenFeature([1], tf.int64),
    }


def parse(records: Any) -> tuple[Any, Any]:
    """A batch of serialized records -> (tokens, labels): what ``read_dataset`` is given."""
    import tensorflow as tf

    parsed = tf.io.parse_example(records, feature_spec())
    return parsed["tokens"], parsed["label"]


def parse_one(record: Any) -> tuple[Any, Any]:
    """One serialized record -> (tokens, label): the per-record parse of the old pipeline."""
    import tensorflow as tf

    parsed = tf.io.parse_single_example(record, feature_spec())
    return parsed["tokens"], parsed["label"]


def per_record_dataset(
    directory: Path, batch_size: int, *, shuffle_buffer: int = 0, seed: int = 0, cache: bool = True
) -> Any:
    """``read_dataset`` as it was before it parsed batches: the same records in the same order, parsed one
    per ``map`` call, cached parsed, shuffled, then batched."""
    import tensorflow as tf

    from assets.common.tfrecords import read_records

    dataset = read_records(directory).map(parse_one, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.cache() if cache else dataset
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


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

    return sum(int(tokens.shape[0]) for tokens, _ in read_dataset(directory, parse, batch_size, cache=False))


def read_tfrecords_per_record(directory: Path, batch_size: int = 256) -> int:
    """The same read through the old per-record pipeline."""
    return sum(int(tokens.shape[0]) for tokens, _ in per_record_dataset(directory, batch_size, cache=False))


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
        ("TFRecord read (read_dataset, parse per batch)", lambda: read_tfrecords(shards), shards),
        ("TFRecord read (read_dataset, gzip, parse per batch)", lambda: read_tfrecords(gzip_shards), gzip_shards),
        ("TFRecord read (old read_dataset, parse per record)", lambda: read_tfrecords_per_record(shards), shards),
        (
            "TFRecord read (old read_dataset, gzip, parse per record)",
            lambda: read_tfrecords_per_record(gzip_shards),
            gzip_shards,
        ),
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
