"""Scoring every trained genre model of one collection on its test split and assembling the report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from assets.audio.boosting import gradient_boosting_scores
from assets.audio.classic import cross_validated_accuracy, feature_matrix
from assets.audio.metrics import confusion_png, majority_class, per_genre_markdown, per_genre_table, scores
from assets.common.model_files import load_joblib, load_keras_model
from assets.common.reports import Report

STRONG_BASELINE = "gradient_boosting"
SPLIT_DESCRIPTIONS = {
    "fma": "FMA set/split (artist-filtered) when present, else seeded stratified 64/16/20",
    "gtzan": "by clip number per genre: 00000-00059 train, 00060-00079 valid, 00080-00099 test",
}


@dataclass
class ModelScore:
    """One model's choice and scores: valid accuracy (used to pick the best) and test metrics."""

    name: str
    hyperparameters: dict[str, Any]
    valid_accuracy: float
    test: dict[str, float]
    truth: list[str] = field(repr=False)
    predicted: list[str] = field(repr=False)
    training: dict[str, Any] = field(default_factory=dict)


def score_classic_models(models: pd.DataFrame, features: pd.DataFrame) -> list[ModelScore]:
    """Load each saved pipeline and score it on the collection's test rows."""

    test = features[features["split"] == "test"]
    results = []
    for row in models.itertuples(index=False):
        predicted = load_joblib(row.path).predict(feature_matrix(test)).tolist()
        truth = test["genre"].tolist()
        results.append(
            ModelScore(
                row.model,
                json.loads(row.hyperparameters),
                float(row.valid_accuracy),
                scores(truth, predicted),
                truth,
                predicted,
            )
        )
    return results


def score_cnn(row: Any, shards: Path) -> ModelScore:
    """Load the saved CNN and score it on the test shards (labels mapped back through labels.json)."""

    from assets.audio.cnn import predict_split
    from assets.audio.spectrograms import read_labels

    genres = read_labels(shards)["genres"]
    truth, predicted = predict_split(load_keras_model(row.path), shards, "test")
    truth_names = [genres[index] for index in truth]
    predicted_names = [genres[index] for index in predicted]
    training = {key: getattr(row, key) for key in ("epochs_run", "best_epoch", "train_seconds", "stopped_early")}
    return ModelScore(
        "cnn",
        json.loads(row.hyperparameters),
        float(row.valid_accuracy),
        scores(truth_names, predicted_names),
        truth_names,
        predicted_names,
        training,
    )


def best_model(results: list[ModelScore]) -> ModelScore:
    """The model with the best valid accuracy (the first listed wins ties): chosen without looking at test."""
    return max(results, key=lambda result: result.valid_accuracy)


def build_report(
    collection: str,
    features: pd.DataFrame,
    results: list[ModelScore],
    chosen: str,
    seed: int,
    parity: dict[str, Any] | None = None,
    strong_baseline_blocks: bool = True,
) -> tuple[Report, dict[str, bytes], str]:
    """The genre report of one collection: the chosen model's metrics (`genre_model` chose it on valid), every
    contender's, the baselines (majority class, and gradient boosting as the strong one), a plot and a
    per-genre table."""
    (best,) = [result for result in results if result.name == chosen]
    train_valid = features[features["split"].isin(["train", "valid"])]
    test = features[features["split"] == "test"]
    genres = sorted(features["genre"].unique())
    per_genre = per_genre_table(best.truth, best.predicted, genres)
    boosting_scores, boosting = gradient_boosting_scores(features, seed)
    extra: dict[str, Any] = {
        "best_model": best.name,
        STRONG_BASELINE: {"hyperparameters": boosting.params, "valid_accuracy": boosting.valid_accuracy},
        "models": {
            result.name: {
                **result.test,
                "valid_accuracy": result.valid_accuracy,
                "hyperparameters": result.hyperparameters,
            }
            for result in results
        },
        "per_genre": per_genre,
    }
    if collection == "gtzan":
        classic = [result for result in results if result.name != "cnn"]
        best_classic = best_model(classic) if classic else None
        extra["cv_accuracy_random"] = (
            cross_validated_accuracy(best_classic.name, best_classic.hyperparameters, features, seed)
            if best_classic
            else None
        )
        extra["cv_model"] = best_classic.name if best_classic else None
        extra["feature_parity"] = parity or {"tracks": 0, "max_deviation_std": None, "passed": None}
    split_counts = features["split"].value_counts()
    report = Report(
        task=f"genre classification ({collection})",
        primary_metric="accuracy",
        higher_is_better=True,
        data={
            "train": int(split_counts.get("train", 0)),
            "valid": int(split_counts.get("valid", 0)),
            "test": int(split_counts.get("test", 0)),
            "genres": len(genres),
            "split": SPLIT_DESCRIPTIONS[collection],
        },
        model={
            "name": best.name,
            "hyperparameters": best.hyperparameters,
            "epochs_run": int(best.training.get("epochs_run", 0)),
            "train_seconds": float(best.training.get("train_seconds", 0.0)),
        },
        metrics=best.test,
        baselines={
            "majority_class": majority_class(train_valid["genre"], test["genre"]),
            STRONG_BASELINE: boosting_scores,
        },
        strong_baseline=STRONG_BASELINE,
        strong_baseline_blocks=strong_baseline_blocks,
        extra=extra,
    )
    plots = {
        "confusion_matrix": confusion_png(best.truth, best.predicted, genres, f"{collection}: {best.name} on test")
    }
    return report, plots, "## Per genre (best model)\n\n" + per_genre_markdown(per_genre) + "\n"
