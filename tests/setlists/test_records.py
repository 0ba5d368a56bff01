"""Next-song TFRecords read a batch at a time give the tensors the per-record parse gave, in the same order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assets.setlists import records
from assets.setlists.records import feature_spec, next_song_dataset, read_windows, write_windows
from assets.setlists.sequences import Windows

tf = pytest.importorskip("tensorflow")

from tests.tfrecord_reference import assert_identical_datasets, per_record_reader  # noqa: E402

SEQ_LEN = 5
EXAMPLES = 203  # not a multiple of the batch size: the last batch is partial


def _windows(seed: int = 0) -> Windows:
    generator = np.random.default_rng(seed)
    return Windows(
        context=generator.integers(0, 40, size=(EXAMPLES, SEQ_LEN)),
        marks=generator.integers(0, 3, size=(EXAMPLES, SEQ_LEN)),
        target=generator.integers(0, 40, size=EXAMPLES),
        show_number=generator.integers(1, 12, size=EXAMPLES),
        stream_index=generator.permutation(EXAMPLES),
    )


def _rotation() -> tuple[np.ndarray, np.ndarray]:
    shows = np.arange(1, 12)
    return shows, np.random.default_rng(1).random((len(shows), 40, 2)).astype(np.float32)


def _parse_one(serialized):
    """The per-record parse of next_song_dataset before it parsed batches."""
    example = tf.io.parse_single_example(serialized, feature_spec(SEQ_LEN))
    return example["context"], example["marks"], example["show_number"][0], example["target"][0]


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    write_windows(_windows(), tmp_path / "train", num_shards=3)
    return tmp_path / "train"


@pytest.mark.parametrize(("shuffle", "seed"), [(False, 0), (True, 0), (True, 11)])
def test_training_batches_are_the_tensors_of_the_per_record_parse(
    shards: Path, monkeypatch: pytest.MonkeyPatch, shuffle: bool, seed: int
) -> None:
    batched = next_song_dataset(shards, SEQ_LEN, 16, _rotation(), shuffle=shuffle, seed=seed)
    monkeypatch.setattr(records, "read_dataset", per_record_reader(_parse_one))
    reference = next_song_dataset(shards, SEQ_LEN, 16, _rotation(), shuffle=shuffle, seed=seed)
    assert assert_identical_datasets(batched, reference, epochs=2) == -(-EXAMPLES // 16)
    assert [len(targets) for _, targets in batched][-1] == EXAMPLES % 16


def test_read_windows_returns_what_was_written(shards: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = read_windows(shards, SEQ_LEN)
    order = np.argsort(_windows().stream_index)
    for name in ("context", "marks", "target", "show_number", "stream_index"):
        np.testing.assert_array_equal(getattr(read, name), getattr(_windows(), name)[order])
    parse_one = lambda record: tf.io.parse_single_example(record, feature_spec(SEQ_LEN))  # noqa: E731
    monkeypatch.setattr(records, "read_dataset", per_record_reader(parse_one))
    reference = read_windows(shards, SEQ_LEN)
    for name in ("context", "marks", "target", "show_number", "stream_index"):
        assert getattr(read, name).dtype == getattr(reference, name).dtype
        np.testing.assert_array_equal(getattr(read, name), getattr(reference, name))
