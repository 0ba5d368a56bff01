"""TFRecord chunks of piano rolls: chunking, the encode/parse round trip and the training windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assets.common.tfrecords import write_shards
from assets.midi import roll_records
from assets.midi.roll_records import PAD_VALUE, chunk_roll, chunk_spec, encode_chunks, read_chunks, window_dataset
from assets.midi.rolls import NUM_KEYS
from tests.tfrecord_reference import assert_identical_datasets, per_record_dataset


def _roll(frames: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((frames, NUM_KEYS)) < 0.05).astype(np.uint8)


@pytest.mark.parametrize(
    ("frames", "chunk_frames", "expected_lengths"),
    [(5, 10, [5]), (10, 4, [4, 4, 4]), (11, 4, [4, 4, 4, 2]), (2, 2, [2])],
)
def test_chunk_roll_overlaps_by_one_frame(frames: int, chunk_frames: int, expected_lengths: list[int]) -> None:
    roll = _roll(frames)
    chunks = chunk_roll(roll, chunk_frames)
    assert [len(chunk) for chunk in chunks] == expected_lengths
    transitions = sum(len(chunk) - 1 for chunk in chunks)
    assert transitions == frames - 1  # every frame-to-frame step appears exactly once


def test_chunk_roll_rejects_tiny_chunks() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        chunk_roll(_roll(5), 1)


@pytest.fixture
def shard_dir(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    rolls = {"train/a": _roll(30, 1), "train/b": _roll(7, 2), "train/c": _roll(12, 3)}
    write_shards(encode_chunks(rolls, chunk_frames=10), tmp_path / "train", num_shards=2, compression="GZIP")
    return tmp_path / "train", rolls


def test_records_parse_back_to_the_same_chunks(shard_dir) -> None:
    directory, rolls = shard_dir
    by_key = {(p["tune_id"].numpy().decode(), int(p["chunk"])): p["roll"].numpy() for p in read_chunks(directory)}
    assert len(by_key) == 4 + 1 + 2
    np.testing.assert_array_equal(by_key[("train/a", 1)], rolls["train/a"][9:19])
    np.testing.assert_array_equal(by_key[("train/b", 0)], rolls["train/b"])


def _parse_one_chunk(serialized):
    """The per-record parse the chunks were read with before they were parsed a batch at a time."""
    import tensorflow as tf

    parsed = tf.io.parse_single_example(serialized, chunk_spec())
    roll = tf.reshape(tf.io.decode_raw(parsed["roll"], tf.uint8), [-1, NUM_KEYS])
    return {**parsed, "roll": tf.cast(roll, tf.float32)}


def _per_record_chunks(directory: Path):
    return per_record_dataset(directory, _parse_one_chunk, batch_size=1, cache=True).unbatch()


@pytest.fixture
def many_chunks(tmp_path: Path) -> Path:
    """More chunks than one read batch (a partial last batch), of unequal lengths, a one-frame tune among them."""
    rolls = {f"train/{index}": _roll(3 + 7 * index, index) for index in range(20)}
    rolls["train/single"] = _roll(1)
    chunks = sum(len(chunk_roll(roll, 6)) for roll in rolls.values())
    assert chunks > roll_records.READ_BATCH and chunks % roll_records.READ_BATCH
    write_shards(encode_chunks(rolls, chunk_frames=6), tmp_path / "train", num_shards=3, compression="GZIP")
    return tmp_path / "train"


def test_batch_parsed_chunks_are_the_per_record_chunks(many_chunks: Path) -> None:
    chunks = assert_identical_datasets(read_chunks(many_chunks), _per_record_chunks(many_chunks))
    assert chunks > roll_records.READ_BATCH


def test_an_empty_roll_parses_to_no_frames(tmp_path: Path) -> None:
    # The per-record reference cannot check this one: TensorFlow 2.21 crashes (segmentation fault) on
    # batch(1).unbatch() of a zero-size tensor, which is how the chunks used to be read.
    write_shards(encode_chunks({"a": _roll(3), "b": _roll(0)}, chunk_frames=6), tmp_path / "train", num_shards=1)
    assert [tuple(chunk["roll"].shape) for chunk in read_chunks(tmp_path / "train")] == [(3, NUM_KEYS), (0, NUM_KEYS)]


@pytest.mark.parametrize(
    "options",
    [
        {"random_phase": False},
        {"random_phase": True},
        {"random_phase": True, "holdout_buckets": 3},
        {"random_phase": False, "holdout_buckets": 3, "keep_holdout": True},
    ],
)
def test_windows_are_those_of_the_per_record_chunks(many_chunks: Path, monkeypatch, options) -> None:
    batched = window_dataset(many_chunks, window=4, batch_size=16, seed=5, **options)
    monkeypatch.setattr(roll_records, "read_chunks", _per_record_chunks)
    reference = window_dataset(many_chunks, window=4, batch_size=16, seed=5, **options)
    assert assert_identical_datasets(batched, reference, epochs=2) > 1


def test_fixed_windows_cover_every_step_once(shard_dir) -> None:
    directory, rolls = shard_dir
    batches = list(window_dataset(directory, window=5, batch_size=4, seed=0, random_phase=False))
    weights = np.concatenate([batch[2].numpy() for batch in batches])
    assert weights.sum() == sum(len(roll) - 1 for roll in rolls.values())
    inputs = np.concatenate([batch[0].numpy() for batch in batches])
    assert np.all((inputs == PAD_VALUE) == (weights[..., None] == 0))


def test_random_phase_changes_between_epochs_but_keeps_every_step(shard_dir) -> None:
    directory, rolls = shard_dir
    dataset = window_dataset(directory, window=5, batch_size=64, seed=3, random_phase=True)
    epochs = [np.concatenate([batch[2].numpy() for batch in dataset]) for _ in range(3)]
    assert all(epoch.sum() == sum(len(roll) - 1 for roll in rolls.values()) for epoch in epochs)
    layouts = {tuple(np.sort(epoch.sum(axis=1))) for epoch in epochs}
    assert len(layouts) > 1  # the window boundaries moved


def test_holdout_splits_tunes_without_overlap(shard_dir) -> None:
    directory, rolls = shard_dir
    kept = window_dataset(directory, 5, 64, seed=0, random_phase=False, holdout_buckets=2)
    held = window_dataset(directory, 5, 64, seed=0, random_phase=False, holdout_buckets=2, keep_holdout=True)
    kept_steps = sum(batch[2].numpy().sum() for batch in kept)
    held_steps = sum(batch[2].numpy().sum() for batch in held)
    assert kept_steps + held_steps == sum(len(roll) - 1 for roll in rolls.values())
