"""Vocabulary, the song split, stream layout and the TFRecord round trip in window-major order."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.common.tfrecords import read_dataset, write_shards
from assets.lyrics.vocabulary import END_ID, START_ID, UNKNOWN_ID, Vocabulary, build_vocabulary
from assets.lyrics.windows import (
    assign_splits,
    build_streams,
    fit_streams,
    parse_record_position,
    window_examples,
    window_parser,
    window_spec,
)


def test_vocabulary_encodes_with_start_end_and_unknown() -> None:
    vocabulary = build_vocabulary(["abc", "cab\n"], ["B", "A", "B"])
    assert vocabulary.characters == ("\n", "a", "b", "c")
    assert vocabulary.artists == ("A", "B")
    assert vocabulary.size == 7
    encoded = vocabulary.encode("abz")
    assert encoded.tolist() == [START_ID, 4, 5, UNKNOWN_ID, END_ID]
    assert vocabulary.decode(encoded) == "ab\ufffd"


def test_vocabulary_round_trips_through_its_frame_and_json(tmp_path: Path) -> None:
    vocabulary = build_vocabulary(["hello, world"], ["X", "Y"])
    assert Vocabulary.from_frame(vocabulary.to_frame()) == vocabulary
    assert Vocabulary.load(vocabulary.save(tmp_path / "vocabulary.json")) == vocabulary


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: build_vocabulary([], ["A"]), "no training text"),
        (lambda: build_vocabulary(["a"], ["A"]).artist_id("Nobody"), "'Nobody' is not in the vocabulary"),
        (lambda: Vocabulary.from_frame(pd.DataFrame({"kind": ["token"]})), "lacks columns"),
    ],
)
def test_vocabulary_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_split_is_by_song_seeded_and_stratified_by_artist() -> None:
    clean = pd.DataFrame({"artist": ["A"] * 20 + ["B"] * 10 + ["C"] * 2, "text": [f"song {i}" for i in range(32)]})
    splits = assign_splits(clean, 0.1, 0.1, seed=3)
    assert splits["song_id"].tolist() == list(range(32))
    counts = splits.groupby(["artist", "split"]).size().to_dict()
    assert counts == {
        ("A", "test"): 2, ("A", "train"): 16, ("A", "valid"): 2,
        ("B", "test"): 1, ("B", "train"): 8, ("B", "valid"): 1,
        ("C", "train"): 2,
    }  # fmt: skip
    assert splits.equals(assign_splits(clean, 0.1, 0.1, seed=3))
    assert not splits["split"].equals(assign_splits(clean, 0.1, 0.1, seed=4)["split"])


def _layout(streams: int = 3, window: int = 4):
    vocabulary = build_vocabulary(["abcdefgh"], ["A", "B"])
    texts = ["abcdefgh", "hgfedcba", "aabbccdd", "abcabc"]
    return vocabulary, build_streams(texts, ["A", "B", "A", "B"], vocabulary, streams, window, seed=0)


def test_streams_are_equal_rows_of_whole_windows_with_an_artist_per_token() -> None:
    _, layout = _layout()
    total = 4 * 2 + 8 + 8 + 8 + 6  # each song gains a start and an end token
    assert layout.windows == (total // 3 - 1) // 4
    assert layout.tokens.shape == layout.artists.shape == (3, layout.windows * 4 + 1)
    starts = layout.tokens == START_ID
    assert set(layout.artists[starts].tolist()) <= {0, 1}
    assert np.all(np.isin(layout.artists, [0, 1]))


def test_too_little_text_for_the_streams_is_a_clear_error() -> None:
    vocabulary = build_vocabulary(["ab"], ["A"])
    with pytest.raises(ValueError, match="cannot fill 8 streams"):
        build_streams(["ab"], ["A"], vocabulary, streams=8, window=4, seed=0)


@pytest.mark.parametrize("shards", [1, 3, 8])
def test_tfrecords_read_back_window_major_so_batches_continue_each_other(tmp_path: Path, shards: int) -> None:
    pytest.importorskip("tensorflow")
    _, layout = _layout(streams=2, window=3)
    write_shards(window_examples(layout), tmp_path / "train", shards)
    positions = [
        (int(stream), int(step))
        for streams, steps in read_dataset(tmp_path / "train", parse_record_position, layout.streams)
        for stream, step in zip(streams.numpy(), steps.numpy(), strict=True)
    ]
    assert positions == [(stream, step) for step in range(layout.windows) for stream in range(layout.streams)]
    batches = list(read_dataset(tmp_path / "train", window_parser(3, with_artist=True), layout.streams))
    first_inputs, first_targets = batches[0]
    second_inputs, _ = batches[1]
    assert first_inputs["characters"].numpy()[:, 1:].tolist() == first_targets.numpy()[:, :-1].tolist()
    assert second_inputs["characters"].numpy()[:, 0].tolist() == first_targets.numpy()[:, -1].tolist()
    assert first_inputs["characters"].numpy().tolist() == layout.tokens[:, :3].tolist()
    assert first_inputs["artists"].numpy().tolist() == layout.artists[:, :3].tolist()


def _parse_one_window(window: int, with_artist: bool):
    """The per-record parse the windows were read with before they were parsed a batch at a time."""
    import tensorflow as tf

    def parse(serialized):
        record = tf.io.parse_single_example(serialized, window_spec(window))
        characters = tf.cast(record["tokens"][:-1], tf.int32)
        targets = tf.cast(record["tokens"][1:], tf.int32)
        if with_artist:
            return {"characters": characters, "artists": tf.cast(record["artists"][:-1], tf.int32)}, targets
        return characters, targets

    return parse


def _long_layout(streams: int, window: int):
    vocabulary = build_vocabulary(["hello world, why well"], ["A", "B", "C"])
    texts = [f"hello world {index}, why well" * (1 + index % 3) for index in range(12)]
    return build_streams(texts, ["A", "B", "C"] * 4, vocabulary, streams, window, seed=1)


@pytest.mark.parametrize(("shards", "with_artist"), [(1, True), (3, False), (8, True)])
def test_training_batches_are_the_tensors_of_the_per_record_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shards: int, with_artist: bool
) -> None:
    """The stateful LSTM's batches (drop_remainder, window-major): the same tensors in the same order."""
    pytest.importorskip("tensorflow")
    from assets.lyrics import model
    from tests.tfrecord_reference import assert_identical_datasets, per_record_reader

    layout = _long_layout(streams=3, window=5)
    write_shards(window_examples(layout), tmp_path / "train", shards)
    batched = model._window_batches(tmp_path / "train", window_parser(5, with_artist), layout.streams)
    monkeypatch.setattr(model, "read_dataset", per_record_reader(_parse_one_window(5, with_artist)))
    reference = model._window_batches(tmp_path / "train", window_parser(5, with_artist), layout.streams)
    assert batched.element_spec == reference.element_spec
    assert batched.element_spec[1].shape == (layout.streams, 5)  # a static batch size, as a stateful LSTM needs
    assert assert_identical_datasets(batched, reference, epochs=2) == layout.windows


@pytest.mark.parametrize("drop_remainder", [False, True])
def test_a_partial_last_batch_is_the_per_record_one(tmp_path: Path, drop_remainder: bool) -> None:
    pytest.importorskip("tensorflow")
    from tests.tfrecord_reference import assert_identical_datasets, per_record_dataset

    layout = _long_layout(streams=3, window=5)
    write_shards(window_examples(layout), tmp_path / "train", 2)
    options = {"drop_remainder": drop_remainder}
    batched = read_dataset(tmp_path / "train", window_parser(5, with_artist=True), 4, **options)
    reference = per_record_dataset(tmp_path / "train", _parse_one_window(5, with_artist=True), 4, **options)
    records = layout.streams * layout.windows
    assert records % 4
    assert assert_identical_datasets(batched, reference) == (records // 4 if drop_remainder else -(-records // 4))


@pytest.mark.parametrize(
    ("train_tokens", "expected"),
    [(700_000, 32), (64_000, 10), (3_000, 1)],  # real slice, sample, a handful of songs
)
def test_fit_streams_keeps_enough_batches_per_epoch(train_tokens: int, expected: int) -> None:
    assert fit_streams(train_tokens, max_streams=32, window=128, min_batches=50) == expected


def test_fit_streams_rejects_non_positive_settings() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        fit_streams(1000, max_streams=0, window=128, min_batches=50)
