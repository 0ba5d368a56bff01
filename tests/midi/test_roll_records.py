"""TFRecord chunks of piano rolls: chunking, the encode/parse round trip and the training windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assets.common.tfrecords import write_shards
from assets.midi.roll_records import PAD_VALUE, chunk_roll, encode_chunks, parse_chunk, window_dataset
from assets.midi.rolls import NUM_KEYS


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
    import tensorflow as tf

    directory, rolls = shard_dir
    files = sorted(str(path) for path in directory.glob("part-*.tfrecord"))
    parsed = [parse_chunk(record) for record in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    by_key = {(p["tune_id"].numpy().decode(), int(p["chunk"])): p["roll"].numpy() for p in parsed}
    assert len(by_key) == 4 + 1 + 2
    np.testing.assert_array_equal(by_key[("train/a", 1)], rolls["train/a"][9:19])
    np.testing.assert_array_equal(by_key[("train/b", 0)], rolls["train/b"])


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
