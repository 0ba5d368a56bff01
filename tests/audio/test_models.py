"""Classic pipelines, metrics, log-mel windows and the CNN's building blocks on small fixtures."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.audio.classic import build_pipeline, cross_validated_accuracy, log_variances, tune_and_refit
from assets.audio.cnn import enough_training_clips
from assets.audio.features import FEATURE_COLUMNS
from assets.audio.metrics import majority_class, per_genre_table, scores
from assets.audio.spectrograms import SILENCE_DB, log_mel_window


def feature_rows(per_genre: int, seed: int = 0) -> pd.DataFrame:
    """Three genres whose features differ in mean: linearly separable with some noise."""
    rng = np.random.default_rng(seed)
    frames = []
    for offset, genre in enumerate(("a", "b", "c")):
        values = rng.normal(offset * 2.0, 1.0, (per_genre, len(FEATURE_COLUMNS)))
        frame = pd.DataFrame(np.abs(values) + 0.01, columns=FEATURE_COLUMNS).assign(genre=genre)
        frame["split"] = (["train"] * (per_genre - 4)) + ["valid", "valid", "test", "test"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_log_variances_only_touches_var_columns() -> None:
    frame = pd.DataFrame({"rms_mean": [0.5, 2.0], "rms_var": [np.e, 0.0]})
    logged = log_variances(frame)
    assert logged["rms_mean"].tolist() == [0.5, 2.0]
    assert logged["rms_var"].iloc[0] == pytest.approx(1.0)
    assert np.isfinite(logged["rms_var"].iloc[1])


def test_unknown_model_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown model 'forest'"):
        build_pipeline("forest", {})


@pytest.mark.parametrize("name", ["logistic_regression", "knn", "gaussian_nb", "svm"])
def test_tuning_picks_on_valid_and_the_refit_pipeline_classifies(name: str) -> None:
    features = feature_rows(14)
    fitted = tune_and_refit(name, features)
    assert fitted.params in [candidate["params"] for candidate in fitted.candidates]
    assert fitted.valid_accuracy == max(candidate["valid_accuracy"] for candidate in fitted.candidates)
    test = features[features["split"] == "test"]
    assert (fitted.pipeline.predict(test[list(FEATURE_COLUMNS)]) == test["genre"]).mean() >= 0.8


def test_tuning_without_valid_rows_fails_clearly() -> None:
    features = feature_rows(6).assign(split="train")
    with pytest.raises(ValueError, match="need train and valid rows"):
        tune_and_refit("svm", features)


def test_random_cv_accuracy_is_a_mean_over_folds() -> None:
    accuracy = cross_validated_accuracy("logistic_regression", {"C": 1.0}, feature_rows(10), seed=0)
    assert 0.8 <= accuracy <= 1.0


def test_majority_class_uses_training_counts_and_breaks_ties_alphabetically() -> None:
    assert majority_class(["b", "b", "a"], ["a", "b", "b", "c"]) == scores(["a", "b", "b", "c"], ["b"] * 4)
    assert majority_class(["b", "a"], ["a", "b"])["accuracy"] == 0.5


def test_scores_and_per_genre_table() -> None:
    truth, predicted = ["a", "a", "b", "c"], ["a", "b", "b", "c"]
    assert scores(truth, predicted)["accuracy"] == 0.75
    table = per_genre_table(truth, predicted, ["a", "b", "c"])
    assert table[0] == {"genre": "a", "precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert [row["support"] for row in table] == [2, 1, 1]


@pytest.mark.parametrize(("seconds", "frames"), [(4.0, 128), (1.0, 128), (0.5, 8)])
def test_log_mel_window_has_a_fixed_shape(seconds: float, frames: int) -> None:
    signal = np.sin(np.arange(int(22_050 * seconds)) * 0.05).astype(np.float32)
    window = log_mel_window(signal, n_mels=32, frames=frames)
    assert window.shape == (frames, 32) and window.dtype == np.float32
    assert window.min() >= SILENCE_DB
    if seconds == 1.0:  # 44 frames of sound, the rest silence
        assert (window[50:] == SILENCE_DB).all()


def test_log_mel_window_rejects_empty_shapes() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        log_mel_window(np.zeros(22_050, dtype=np.float32), n_mels=0, frames=10)


@pytest.mark.parametrize(
    ("train_per_genre", "has_valid", "usable"), [(5, True, True), (4, True, False), (6, False, False)]
)
def test_cnn_needs_five_training_clips_per_genre(train_per_genre: int, has_valid: bool, usable: bool) -> None:
    rows = [{"genre": genre, "split": "train"} for genre in ("x", "y") for _ in range(train_per_genre)]
    rows += [{"genre": "x", "split": "valid"}] if has_valid else []
    assert enough_training_clips(pd.DataFrame(rows))[0] is usable


def test_tfrecord_round_trip(tmp_path: Path) -> None:
    from assets.audio.cnn import split_dataset
    from assets.audio.spectrograms import encode_example, write_labels
    from assets.common.tfrecords import write_shards

    mels = [np.full((6, 4), value, dtype=np.float32) for value in (1.0, 2.0, 3.0)]
    write_labels(tmp_path, ["a", "b"], frames=6, n_mels=4)
    examples = (encode_example(mel, index % 2, f"t{index}") for index, mel in enumerate(mels))
    summary = write_shards(examples, tmp_path / "train", num_shards=2)
    assert (summary.records, summary.shards) == (3, 2)
    batches = list(split_dataset(tmp_path, "train", batch_size=8, seed=0))
    images, labels = batches[0]
    assert images.shape == (3, 6, 4, 1)
    assert sorted(zip(images.numpy()[:, 0, 0, 0].tolist(), labels.numpy().tolist(), strict=True)) == [
        (1.0, 0),
        (2.0, 1),
        (3.0, 0),
    ]
