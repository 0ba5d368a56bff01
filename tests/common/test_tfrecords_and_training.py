"""TFRecord round trip and resumable training (the shared machinery every model uses)."""

import math
from pathlib import Path

import numpy as np
import pytest

from assets.common.tfrecords import (
    bytes_feature,
    float_feature,
    int64_feature,
    make_example,
    read_dataset,
    shard_files,
    write_shards,
)
from assets.common.training import fit_resumable, timed_fit

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from tests.tfrecord_reference import assert_identical_datasets, per_record_dataset  # noqa: E402

SPEC = {"x": tf.io.FixedLenFeature([3], tf.int64), "y": tf.io.FixedLenFeature([], tf.int64)}


def _parse(serialized):
    parsed = tf.io.parse_example(serialized, SPEC)
    return parsed["x"], parsed["y"]


def _mixed_examples(count: int) -> list:
    return [
        make_example(
            {
                "x": int64_feature([i, i + 1, i + 2]),
                "y": int64_feature([i % 3]),
                "name": bytes_feature([f"record {i}".encode()]),
                "weights": float_feature([i / 7, -i / 3]),
            }
        )
        for i in range(count)
    ]


MIXED_SPEC = {
    "x": tf.io.FixedLenFeature([3], tf.int64),
    "y": tf.io.FixedLenFeature([], tf.int64),
    "name": tf.io.FixedLenFeature([], tf.string),
    "weights": tf.io.FixedLenFeature([2], tf.float32),
}


def _mixed_one(serialized):
    parsed = tf.io.parse_single_example(serialized, MIXED_SPEC)
    return {"x": parsed["x"], "name": parsed["name"], "weights": parsed["weights"]}, parsed["y"]


def _mixed_batch(serialized):
    parsed = tf.io.parse_example(serialized, MIXED_SPEC)
    return {"x": parsed["x"], "name": parsed["name"], "weights": parsed["weights"]}, parsed["y"]


@pytest.mark.parametrize(
    ("compression", "options"),
    [
        ("", {}),
        ("GZIP", {"cache": False}),
        ("", {"drop_remainder": True}),
        ("GZIP", {"shuffle_buffer": 10, "seed": 3}),
        ("", {"shuffle_buffer": 64, "seed": 0, "cache": False, "drop_remainder": True}),
    ],
)
def test_batch_parsing_yields_the_tensors_of_the_per_record_parse(tmp_path: Path, compression: str, options) -> None:
    write_shards(_mixed_examples(27), tmp_path / "train", num_shards=4, compression=compression)
    batched = read_dataset(tmp_path / "train", _mixed_batch, 4, **options)
    reference = per_record_dataset(tmp_path / "train", _mixed_one, 4, **options)
    batches = assert_identical_datasets(batched, reference, epochs=2)
    assert batches == (6 if options.get("drop_remainder") else 7)
    last_labels = [labels for _, labels in batched][-1]
    assert len(last_labels) == (4 if options.get("drop_remainder") else 3)


def test_shuffled_batches_change_order_between_epochs_but_repeat_under_the_seed(tmp_path: Path) -> None:
    write_shards(_mixed_examples(27), tmp_path / "train", num_shards=4)

    def epochs(seed: int) -> list[list[int]]:
        dataset = read_dataset(tmp_path / "train", _mixed_batch, 4, shuffle_buffer=27, seed=seed)
        return [[int(x[0]) for features, _ in dataset for x in features["x"].numpy()] for _ in range(2)]

    first, second = epochs(5)
    assert first != second and sorted(first) == sorted(second) == list(range(27))
    assert epochs(5) == [first, second]


@pytest.mark.parametrize("compression", ["", "GZIP"])
def test_shards_round_trip_every_record(tmp_path: Path, compression: str) -> None:
    examples = [make_example({"x": int64_feature([i, i + 1, i + 2]), "y": int64_feature([i % 2])}) for i in range(25)]
    summary = write_shards(examples, tmp_path / "train", num_shards=4, compression=compression)
    assert (summary.records, summary.shards) == (25, 4)
    assert next(Path(name).name for name in shard_files(tmp_path / "train")) == "part-00000-of-00004.tfrecord"
    rows = [x.tolist() for batch_x, _ in read_dataset(tmp_path / "train", _parse, 8) for x in batch_x.numpy()]
    assert sorted(row[0] for row in rows) == list(range(25))


def test_the_dataset_knows_its_length_so_keras_evaluates_exactly(tmp_path: Path) -> None:
    examples = [make_example({"x": int64_feature([i, i, i]), "y": int64_feature([1])}) for i in range(10)]
    write_shards(examples, tmp_path / "valid", num_shards=3)
    dataset = read_dataset(tmp_path / "valid", _parse, batch_size=4)
    assert int(dataset.cardinality()) == 3
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: keras.ops.zeros_like(x[:, :1]))(inputs))
    model.compile(loss="mse")
    assert model.evaluate(dataset.map(lambda x, y: (x, keras.ops.cast(y, "float32"))), verbose=0) == 1.0


def test_several_folders_read_as_one_dataset(tmp_path: Path) -> None:
    for split, numbers in (("train", range(0, 7)), ("valid", range(7, 10))):
        examples = [make_example({"x": int64_feature([i, i, i]), "y": int64_feature([1])}) for i in numbers]
        write_shards(examples, tmp_path / split, num_shards=2)
    dataset = read_dataset([tmp_path / "train", tmp_path / "valid"], _parse, batch_size=4, shuffle_buffer=10)
    assert int(dataset.cardinality()) == 3
    assert sorted(int(x[0]) for batch_x, _ in dataset for x in batch_x.numpy()) == list(range(10))


def test_a_folder_without_manifest_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "part-00000-of-00001.tfrecord").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"_manifest\.json"):
        shard_files(tmp_path / "partial")


def _model() -> "keras.Model":
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def _data() -> tuple["tf.data.Dataset", "tf.data.Dataset"]:
    features = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    targets = features @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32")
    dataset = tf.data.Dataset.from_tensor_slices((features, targets)).batch(16)
    return dataset, dataset


class _CrashAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt("simulated crash")


def test_training_resumes_from_the_last_checkpoint(tmp_path: Path) -> None:
    train, valid = _data()
    arguments = {"epochs": 5, "checkpoint_dir": tmp_path / "ckpt", "fingerprint": "v1", "patience": 10}
    with pytest.raises(KeyboardInterrupt):
        fit_resumable(_model(), train, valid, **arguments, extra_callbacks=[_CrashAfterEpoch(2)])
    _, outcome = fit_resumable(_model(), train, valid, **arguments)
    assert outcome.resumed_from_epoch == 2
    assert outcome.epochs_run == 5
    assert len(outcome.history["loss"]) == 5


def _adam_model() -> "keras.Model":
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")  # optimizer state must survive the resume
    return model


def test_a_resumed_training_ends_with_the_weights_of_an_uninterrupted_one(tmp_path: Path) -> None:
    """Killed after epoch 2 and resumed, the model continues from the checkpoint's weights and optimizer
    state: on CPU with a fixed seed it ends exactly where a run that was never interrupted ends."""
    train, valid = _data()
    arguments = {"epochs": 5, "fingerprint": "v1", "patience": 10, "monitor": None}
    uninterrupted, _ = fit_resumable(_adam_model(), train, valid, checkpoint_dir=tmp_path / "whole", **arguments)
    with pytest.raises(KeyboardInterrupt):
        fit_resumable(
            _adam_model(), train, valid, checkpoint_dir=tmp_path / "killed", **arguments,
            extra_callbacks=[_CrashAfterEpoch(2)],
        )  # fmt: skip
    resumed, outcome = fit_resumable(_adam_model(), train, valid, checkpoint_dir=tmp_path / "killed", **arguments)
    assert outcome.resumed_from_epoch == 2
    fresh, _ = fit_resumable(
        _adam_model(), train, valid, checkpoint_dir=tmp_path / "fresh", **{**arguments, "epochs": 3}
    )
    differs_from_fresh = any(
        not np.allclose(ours, theirs) for ours, theirs in zip(resumed.get_weights(), fresh.get_weights(), strict=True)
    )
    assert differs_from_fresh, "three epochs from fresh weights must not match the resumed run"
    for ours, theirs in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_a_new_fingerprint_starts_over(tmp_path: Path) -> None:
    train, valid = _data()
    arguments = {"epochs": 2, "checkpoint_dir": tmp_path / "ckpt", "patience": 10}
    fit_resumable(_model(), train, valid, fingerprint="v1", **arguments)
    _, outcome = fit_resumable(_model(), train, valid, fingerprint="v2", **arguments)
    assert outcome.resumed_from_epoch == 0 and outcome.epochs_run == 2


def test_early_stopping_restores_the_best_weights(tmp_path: Path) -> None:
    """The returned model scores the best epoch's validation loss, not the last (diverged) epoch's."""
    train, valid = _data()
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(1.1), loss="mse")  # too large a step: the loss grows
    model, outcome = fit_resumable(
        model,
        train,
        valid,
        epochs=30,
        checkpoint_dir=tmp_path / "c",
        fingerprint="x",
        patience=2,
    )
    assert outcome.stopped_early
    assert outcome.best_epoch < outcome.epochs_run
    best, last = min(outcome.history["val_loss"]), outcome.history["val_loss"][-1]
    assert last > 2 * best
    assert model.evaluate(valid, verbose=0) == pytest.approx(best, rel=1e-5)


def test_without_a_monitor_every_epoch_runs_and_the_last_weights_are_kept(tmp_path: Path) -> None:
    train, _ = _data()
    model, outcome = fit_resumable(
        _model(), train, None, epochs=4, checkpoint_dir=tmp_path / "c", fingerprint="refit", monitor=None, patience=5
    )
    assert (outcome.epochs_run, outcome.best_epoch, outcome.stopped_early) == (4, 4, False)
    assert math.isnan(outcome.best_monitor_value)
    last = keras.models.load_model(tmp_path / "c" / "last.keras")
    for kept, saved in zip(model.get_weights(), last.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, saved)


def test_tensorboard_logs_are_written(tmp_path: Path) -> None:
    train, valid = _data()
    fit_resumable(
        _model(),
        train,
        valid,
        epochs=2,
        checkpoint_dir=tmp_path / "c",
        fingerprint="tb",
        patience=5,
        tensorboard_dir=tmp_path / "tb",
    )
    assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))


@pytest.mark.parametrize("damage", ["truncated", "swapped"])
def test_a_checkpoint_that_does_not_load_starts_training_over_with_a_warning(tmp_path: Path, damage: str) -> None:
    train, valid = _data()
    arguments = {"epochs": 3, "checkpoint_dir": tmp_path / "ckpt", "fingerprint": "v1", "patience": 10}
    with pytest.raises(KeyboardInterrupt):
        fit_resumable(_model(), train, valid, **arguments, extra_callbacks=[_CrashAfterEpoch(2)])
    if damage == "truncated":
        (tmp_path / "ckpt" / "last.keras").write_bytes(b"truncated by a crash")
    else:  # a loadable model, but not the one training wrote: its SHA-256 differs from the recorded one
        _model().save(tmp_path / "other.keras")
        (tmp_path / "other.keras").replace(tmp_path / "ckpt" / "last.keras")
    with pytest.warns(UserWarning, match="does not load .* training starts over"):
        _, outcome = fit_resumable(_model(), train, valid, **arguments)
    assert (outcome.resumed_from_epoch, outcome.epochs_run, len(outcome.history["loss"])) == (0, 3, 3)


def test_the_best_weights_are_written_beside_then_renamed(tmp_path: Path) -> None:
    train, valid = _data()
    fit_resumable(_model(), train, valid, epochs=2, checkpoint_dir=tmp_path / "c", fingerprint="x", patience=5)
    names = sorted(path.name for path in (tmp_path / "c").iterdir())
    assert names == ["best.weights.h5", "last.keras", "last.keras.sha256", "state.json"]


def test_a_timed_fit_reports_the_summary_fields_of_its_outcome(tmp_path: Path) -> None:
    train, valid = _data()
    fitted = timed_fit(_model(), train, valid, epochs=2, checkpoint_dir=tmp_path / "c", fingerprint="x", patience=5)
    outcome = fitted.outcome
    assert fitted.train_seconds > 0
    assert fitted.summary_fields(seconds_digits=2) == {
        "epochs_run": 2,
        "best_epoch": outcome.best_epoch,
        "best_val_loss": outcome.best_monitor_value,
        "stopped_early": False,
        "resumed_from_epoch": 0,
        "train_seconds": round(fitted.train_seconds, 2),
    }
