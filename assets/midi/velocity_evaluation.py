"""Evaluation of the note-velocity model on each performance's test notes, against the mean training
velocity and the strong baseline (the ridge regression of :mod:`assets.midi.velocity_baselines`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assets.common.model_files import load_keras_model
from assets.common.reports import Report
from assets.midi.velocity_baselines import fit_ridge_velocity
from assets.midi.velocity_notes import FEATURE_NAMES
from assets.midi.velocity_training import (
    VelocitySettings,
    performances,
    predict_velocities,
    ridge_inputs,
    stats_path,
)


def _test_predictions(
    notes: pd.DataFrame, split_settings: VelocitySettings, model_path: Path, window_notes: int
) -> tuple[list[dict[str, np.ndarray]], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:

    stats = json.loads(stats_path(model_path).read_text())
    model = load_keras_model(model_path)
    parts = performances(notes, split_settings)
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


def velocity_baselines(parts: list[dict[str, np.ndarray]]) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """MAE on the test notes of the mean training velocity and of the strong baseline, the ridge regression
    (fitted on the train notes, alpha chosen on the valid notes), and how the ridge was chosen."""
    true = np.concatenate([part["velocity"][part["split"] == "test"] for part in parts])
    mean_velocity = float(np.concatenate([part["velocity"][part["split"] == "train"] for part in parts]).mean())
    ridge = fit_ridge_velocity(ridge_inputs(parts))
    ridge_test = np.concatenate([ridge.predict(part["features"])[part["split"] == "test"] for part in parts])
    baselines = {
        "mean_velocity": {"velocity_mae": float(np.mean(np.abs(mean_velocity - true)))},
        "ridge_on_note_context": {"velocity_mae": float(np.mean(np.abs(ridge_test - true)))},
    }
    how = {
        "context_notes": ridge.context,
        "alpha": ridge.alpha,
        "valid_mae": ridge.valid_mae,
        "how": f"standardised ridge regression on the features of each note and the {ridge.context} notes before "
        "and after it, fitted on the train notes, alpha chosen on the valid notes' MAE",
    }
    return baselines, how


def evaluate_velocity(
    notes: pd.DataFrame, summary: dict[str, Any], strong_baseline_blocks: bool = True
) -> tuple[Report, dict[str, bytes]]:
    """MAE on the test notes (last part of each performance) against the mean training velocity and the
    strong baseline, a ridge regression on the features of each note and its neighbours."""
    settings = VelocitySettings(**json.loads(summary["hyperparameters"]))
    parts, true_all, predicted_all, onsets, _ = _test_predictions(
        notes, settings, Path(summary["model_path"]), settings.window_notes
    )
    mean_velocity = float(np.concatenate([part["velocity"][part["split"] == "train"] for part in parts]).mean())
    baselines, ridge = velocity_baselines(parts)
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
        baselines=baselines,
        extra={
            "test_velocity_std": float(true_all.std()),
            "predicted_velocity_std": float(predicted_all.std()),
            "ridge_on_note_context": ridge,
        },
        strong_baseline="ridge_on_note_context",
        strong_baseline_blocks=strong_baseline_blocks,
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
