"""The note-velocity BiLSTM: windows of notes in, one velocity per note out (linear output, MSE).

Split by time within each performance: the last ``test_fraction`` of its notes are the test notes, the
``valid_fraction`` before them decide early stopping, the rest train. Features and the target are
standardised with training statistics; the output layer is linear because a sigmoid output is known to
collapse to a constant velocity here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
from pydantic import Field

from assets.common.model_files import load_keras_model
from assets.common.reports import Report
from assets.common.training import timed_fit
from assets.midi.velocity_notes import FEATURE_NAMES, note_features

MODEL_FILE = "model.keras"
STATS_FILE = "velocity_stats.json"


class VelocitySettings(dg.Config):
    """Hyperparameters of the velocity model and its training: velocity_model's config."""

    first_units: int = Field(default=64, description="LSTM units per direction of the first BiLSTM layer.")
    second_units: int = Field(default=32, description="LSTM units per direction of the second BiLSTM layer.")
    dropout: float = Field(default=0.2, description="Dropout between the two BiLSTM layers.")
    learning_rate: float = Field(default=2e-3, description="Adam learning rate.")
    window_notes: int = Field(default=64, description="Notes per training window.")
    train_stride: int = Field(default=16, description="Notes between the starts of consecutive training windows.")
    batch_size: int = Field(default=32, description="Windows per batch.")
    max_epochs: int = Field(default=40, description="Upper bound on epochs; early stopping usually ends sooner.")
    patience: int = Field(default=5, description="Epochs without a better valid loss before stopping.")
    test_fraction: float = Field(default=0.15, description="Last share of each performance's notes held out as test.")
    valid_fraction: float = Field(
        default=0.15, description="Share of each performance's notes, just before the test notes, for early stopping."
    )


def split_notes(count: int, valid_fraction: float, test_fraction: float) -> np.ndarray:
    """Labels in time order: train, then valid, then the last ``test_fraction`` of the notes as test."""
    test = max(1, round(count * test_fraction))
    valid = max(1, round(count * valid_fraction))
    if count - test - valid < 1:
        raise ValueError(f"{count} notes leave none for training at valid={valid_fraction}, test={test_fraction}")
    return np.array(["train"] * (count - test - valid) + ["valid"] * valid + ["test"] * test)


def _performances(notes: pd.DataFrame, settings: VelocitySettings) -> list[dict[str, np.ndarray]]:
    parts = []
    for _, performance in notes.groupby("performance", sort=True):
        performance = performance.sort_values("note_index")
        parts.append(
            {
                "features": note_features(performance),
                "velocity": performance["velocity"].to_numpy(dtype=np.float32),
                "onset": performance["onset"].to_numpy(dtype=np.float32),
                "split": split_notes(len(performance), settings.valid_fraction, settings.test_fraction),
            }
        )
    if not parts:
        raise ValueError("no performance notes to train the velocity model on")
    return parts


def _windows(values: np.ndarray, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping windows of a sequence (padded at the end with zeros) and their start indices."""
    length = len(values)
    starts = list(range(0, max(length - window, 0) + 1, stride))
    if starts[-1] + window < length:
        starts.append(length - window)
    padded = np.zeros((max(length, window), *values.shape[1:]), dtype=np.float32)
    padded[:length] = values
    return np.stack([padded[start : start + window] for start in starts]), np.array(starts)


def _segment_windows(parts, split, stats, settings, stride):
    inputs, targets, weights = [], [], []
    for part in parts:
        chosen = part["split"] == split
        features = (part["features"][chosen] - stats["feature_mean"]) / stats["feature_std"]
        target = (part["velocity"][chosen] - stats["velocity_mean"]) / stats["velocity_std"]
        if not len(target):
            continue
        window_inputs, _ = _windows(features, settings.window_notes, stride)
        window_targets, _ = _windows(target[:, None], settings.window_notes, stride)
        window_weights, _ = _windows(np.ones((len(target), 1), np.float32), settings.window_notes, stride)
        inputs.append(window_inputs)
        targets.append(window_targets)
        weights.append(window_weights[..., 0])
    return np.concatenate(inputs), np.concatenate(targets), np.concatenate(weights)


def build_model(num_features: int, settings: VelocitySettings) -> Any:
    """Bidirectional LSTM (first_units then second_units per direction) with a linear velocity per note."""
    import keras
    from keras import layers

    if num_features < 1:
        raise ValueError(f"num_features must be positive, got {num_features}")
    notes = keras.Input(shape=(None, num_features), name="note_features")
    hidden = layers.Bidirectional(layers.LSTM(settings.first_units, return_sequences=True), name="bilstm_1")(notes)
    hidden = layers.Dropout(settings.dropout, name="dropout")(hidden)
    hidden = layers.Bidirectional(layers.LSTM(settings.second_units, return_sequences=True), name="bilstm_2")(hidden)
    velocity = layers.Dense(1, activation="linear", name="standardised_velocity")(hidden)
    model = keras.Model(notes, velocity, name="velocity_bilstm")
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="mse")
    return model


def train_velocity_model(
    notes: pd.DataFrame,
    settings: VelocitySettings,
    *,
    seed: int,
    checkpoint_dir: Path,
    tensorboard_dir: Path | None,
    fingerprint: str = "",
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Train with early stopping on the valid notes; returns the model, the standardisation statistics
    and a summary dict (save both with :func:`save_velocity_model`)."""
    parts = _performances(notes, settings)
    train_features = np.concatenate([part["features"][part["split"] == "train"] for part in parts])
    train_velocity = np.concatenate([part["velocity"][part["split"] == "train"] for part in parts])
    stats = {
        "feature_mean": train_features.mean(axis=0),
        "feature_std": train_features.std(axis=0) + 1e-6,
        "velocity_mean": float(train_velocity.mean()),
        "velocity_std": float(train_velocity.std() + 1e-6),
    }
    train = _segment_windows(parts, "train", stats, settings, settings.train_stride)
    valid = _segment_windows(parts, "valid", stats, settings, settings.window_notes // 2)
    fitted = timed_fit(
        build_model(len(FEATURE_NAMES), settings),
        _dataset(train, settings.batch_size, seed, shuffle=True),
        _dataset(valid, settings.batch_size, seed, shuffle=False),
        epochs=settings.max_epochs,
        checkpoint_dir=Path(checkpoint_dir),
        fingerprint=fingerprint or json.dumps([settings.model_dump(), seed, len(notes)]),
        patience=settings.patience,
        tensorboard_dir=tensorboard_dir,
    )
    outcome = fitted.outcome
    summary = {
        "epochs_run": outcome.epochs_run,
        "resumed_from_epoch": outcome.resumed_from_epoch,
        "best_epoch": outcome.best_epoch,
        "best_valid_loss": outcome.best_monitor_value,
        "train_seconds": fitted.train_seconds,
        "train_windows": len(train[0]),
        "hyperparameters": json.dumps(settings.model_dump()),
    }
    return fitted.model, {key: np.asarray(value).tolist() for key, value in stats.items()}, summary


def save_velocity_model(model: Any, stats: dict[str, Any], folder: Path) -> str:
    """Write the model and its statistics into a version folder; returns the model file name."""
    model.save(Path(folder) / MODEL_FILE)
    (Path(folder) / STATS_FILE).write_text(json.dumps(stats))
    return MODEL_FILE


def stats_path(model_path: Path) -> Path:
    """The statistics saved next to a velocity model."""
    return Path(model_path).parent / STATS_FILE


def _dataset(arrays, batch_size: int, seed: int, shuffle: bool) -> Any:
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:
        dataset = dataset.shuffle(len(arrays[0]), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def predict_velocities(model: Any, features: np.ndarray, stats: dict, window: int) -> np.ndarray:
    """Velocity of every note, averaging the windows (stride window/4) that cover it."""
    standardised = (features - np.asarray(stats["feature_mean"])) / np.asarray(stats["feature_std"])
    windows, starts = _windows(standardised.astype(np.float32), window, max(window // 4, 1))
    outputs = np.asarray(model.predict(windows, verbose=0))[..., 0]
    total = np.zeros(max(len(features), window))
    covered = np.zeros_like(total)
    for start, output in zip(starts, outputs, strict=True):
        total[start : start + window] += output
        covered[start : start + window] += 1
    averaged = (total / np.maximum(covered, 1))[: len(features)]
    return averaged * stats["velocity_std"] + stats["velocity_mean"]


def _test_predictions(
    notes: pd.DataFrame, split_settings: VelocitySettings, model_path: Path, window_notes: int
) -> tuple[list[dict[str, np.ndarray]], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:

    stats = json.loads(stats_path(model_path).read_text())
    model = load_keras_model(model_path)
    parts = _performances(notes, split_settings)
    true, predicted, onsets = [], [], []
    for part in parts:
        test = part["split"] == "test"
        # The BiLSTM sees the whole performance; only test notes are scored, their velocities are never inputs.
        predictions = predict_velocities(model, part["features"], stats, window_notes)
        true.append(part["velocity"][test])
        predicted.append(predictions[test])
        onsets.append(part["onset"][test])
    return parts, np.concatenate(true), np.concatenate(predicted), np.concatenate(onsets), stats


def score_velocity_model(
    notes: pd.DataFrame, split_settings: VelocitySettings, model_path: Path, window_notes: int
) -> dict[str, float]:
    """velocity_mae of the model at ``model_path`` on the test notes of ``split_settings`` (a champion's
    re-evaluation on the candidate's test notes; ``window_notes`` is the model's own window)."""
    _, true, predicted, _, _ = _test_predictions(notes, split_settings, model_path, window_notes)
    return {"velocity_mae": float(np.mean(np.abs(predicted - true)))}


def evaluate_velocity(notes: pd.DataFrame, summary: dict[str, Any]) -> tuple[Report, dict[str, bytes]]:
    """MAE on the test notes (last part of each performance) against the mean training velocity."""
    settings = VelocitySettings(**json.loads(summary["hyperparameters"]))
    parts, true_all, predicted_all, onsets, stats = _test_predictions(
        notes, settings, Path(summary["model_path"]), settings.window_notes
    )
    mean_velocity = stats["velocity_mean"]
    counts = {name: int(sum((part["split"] == name).sum() for part in parts)) for name in ("train", "valid", "test")}
    report = Report(
        task="note velocity of expressive piano performances",
        primary_metric="velocity_mae",
        higher_is_better=False,
        data={
            **counts,
            "performances": len(parts),
            "split": "by time: the last 15% of each performance's notes "
            "are test, the 15% before them decide early stopping",
        },
        model={
            "hyperparameters": settings.model_dump(),
            "epochs_run": int(summary["epochs_run"]),
            "best_epoch": int(summary["best_epoch"]),
            "train_seconds": float(summary["train_seconds"]),
            "features": FEATURE_NAMES,
        },
        metrics={"velocity_mae": float(np.mean(np.abs(predicted_all - true_all)))},
        baselines={"mean_velocity": {"velocity_mae": float(np.mean(np.abs(mean_velocity - true_all)))}},
        extra={"test_velocity_std": float(true_all.std()), "predicted_velocity_std": float(predicted_all.std())},
    )
    return report, {"predicted_vs_true": _velocity_plot(onsets, true_all, predicted_all, mean_velocity)}


def _velocity_plot(onsets: np.ndarray, true: np.ndarray, predicted: np.ndarray, mean_velocity: float) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    figure, axis = plt.subplots(figsize=(10, 3.5))
    axis.scatter(onsets, true, s=6, color="tab:gray", alpha=0.6, label="true")
    axis.plot(onsets, predicted, color="tab:red", linewidth=1.0, label="predicted")
    axis.axhline(mean_velocity, color="tab:blue", linestyle="--", label="mean_velocity baseline")
    axis.set_xlabel("onset (s)")
    axis.set_ylabel("velocity")
    axis.set_title("Test notes: predicted vs true velocity over time")
    axis.legend(loc="upper right")
    return figure_png(figure)
