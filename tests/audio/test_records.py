"""Spectrogram TFRecords read a batch at a time give the tensors the per-record parse gave, in the same order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from assets.audio import cnn  # noqa: E402
from assets.audio.spectrograms import encode_example, feature_spec, write_labels  # noqa: E402
from assets.common.tfrecords import write_shards  # noqa: E402
from tests.tfrecord_reference import assert_identical_datasets, per_record_reader  # noqa: E402

FRAMES, N_MELS, CLIPS = 6, 4, 21


def _parse_one(serialized):
    """The per-record parse of parse_function before it parsed batches."""
    example = tf.io.parse_single_example(serialized, feature_spec(FRAMES, N_MELS))
    return tf.reshape(example["mel"], (FRAMES, N_MELS, 1)), example["label"][0]


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    generator = np.random.default_rng(0)
    mels = generator.normal(size=(CLIPS, FRAMES, N_MELS)).astype(np.float32)
    write_labels(tmp_path, ["a", "b", "c"], frames=FRAMES, n_mels=N_MELS)
    examples = (encode_example(mel, index % 3, f"t{index}") for index, mel in enumerate(mels))
    write_shards(examples, tmp_path / "train", num_shards=4, compression="GZIP")
    return tmp_path


@pytest.mark.parametrize(("shuffle", "seed"), [(False, 0), (True, 0), (True, 42)])
def test_batches_are_the_tensors_of_the_per_record_parse(
    shards: Path, monkeypatch: pytest.MonkeyPatch, shuffle: bool, seed: int
) -> None:
    batched = cnn.split_dataset(shards, "train", batch_size=8, seed=seed, shuffle=shuffle)
    monkeypatch.setattr(cnn, "read_dataset", per_record_reader(_parse_one))
    reference = cnn.split_dataset(shards, "train", batch_size=8, seed=seed, shuffle=shuffle)
    assert batched.element_spec[0].shape.as_list() == [None, FRAMES, N_MELS, 1]
    assert assert_identical_datasets(batched, reference, epochs=2) == 3
    assert [len(labels) for _, labels in batched] == [8, 8, CLIPS - 16]
