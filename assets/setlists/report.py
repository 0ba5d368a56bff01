"""The next-song report: model vs `most_frequent`, `markov_bigram` and the strong baseline `rotation_bigram` on the
test split, and its plots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assets.common.reports import Report
from assets.setlists.evaluation import SplitScore, is_song_target
from assets.setlists.metrics import (
    accuracy_by_context,
    bigram_probabilities,
    most_frequent_probabilities,
    per_song_f1,
    score,
    target_contexts,
)
from assets.setlists.rotation_bigram import FIXED_WEIGHT_NAMES, fit_rotation_bigram, rotation_bigram_probabilities
from assets.setlists.sequences import Windows

COMPARED_METRICS = ("top1_accuracy", "top5_accuracy", "top1_song_accuracy")
STRONG_BASELINE = "rotation_bigram"


@dataclass
class NextSongEvaluation:
    report: Report
    plots: dict[str, bytes]
    notes_markdown: str


def baseline_probabilities(sequences: pd.DataFrame, test: Windows, vocabulary_size: int) -> dict[str, np.ndarray]:
    """Both baselines' probabilities for the test targets, fitted on the training part of the stream."""
    tokens = sequences["token_id"].to_numpy()
    in_train = sequences["split"].to_numpy() == "train"
    train_next = np.flatnonzero(in_train[1:]) + 1
    return {
        "most_frequent": most_frequent_probabilities(tokens[in_train], vocabulary_size, len(test)),
        "markov_bigram": bigram_probabilities(
            tokens[train_next - 1], tokens[train_next], test.context[:, -1], vocabulary_size
        ),
    }


def strong_baseline_probabilities(
    sequences: pd.DataFrame, rotation: tuple[np.ndarray, np.ndarray], test: Windows, vocabulary_size: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """The rotation-and-bigram logit's probabilities for the test targets (counts from train, weights fitted on
    valid), and what it fitted (for the report)."""
    fitted = fit_rotation_bigram(sequences, rotation, vocabulary_size)
    summary = {
        "weights": dict(
            zip(FIXED_WEIGHT_NAMES, np.round(fitted.weights[: len(FIXED_WEIGHT_NAMES)], 4).tolist(), strict=True)
        ),
        "validation_targets": fitted.validation_targets,
        "validation_log_loss": fitted.validation_log_loss,
    }
    return rotation_bigram_probabilities(fitted, sequences, rotation, test.stream_index), summary


def build_report(
    model_score: SplitScore,
    test: Windows,
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation: tuple[np.ndarray, np.ndarray],
    model_row: dict[str, Any],
    random_split: tuple[SplitScore, int] | None,
    strong_baseline_blocks: bool = True,
) -> NextSongEvaluation:
    """Everything the report holds, from the model's penalised test probabilities and the baselines."""
    is_song = is_song_target(test, sequences)
    contexts = target_contexts(sequences, test.stream_index)
    strong, strong_summary = strong_baseline_probabilities(sequences, rotation, test, len(vocabulary))
    baselines = {**baseline_probabilities(sequences, test, len(vocabulary)), STRONG_BASELINE: strong}
    baseline_metrics = {name: score(probabilities, test.target, is_song) for name, probabilities in baselines.items()}
    metrics = dict(model_score.metrics)
    if random_split is not None:
        metrics["top1_accuracy_random_split"] = random_split[0].metrics["top1_accuracy"]
    by_context = {
        "model": accuracy_by_context(model_score.probabilities, test.target, contexts),
        **{
            name: accuracy_by_context(probabilities, test.target, contexts) for name, probabilities in baselines.items()
        },
    }
    f1_table = per_song_f1(model_score.probabilities, test.target, vocabulary["token"].tolist())
    shows = sequences.drop_duplicates("show_number")
    split_shows = shows["split"].value_counts().to_dict()
    dates = shows.groupby("split")["showdate"].agg(["min", "max"])
    report = Report(
        task="next_song",
        primary_metric="top1_accuracy",
        higher_is_better=True,
        data={
            "train": int(split_shows.get("train", 0)),
            "valid": int(split_shows.get("valid", 0)),
            "test": int(split_shows.get("test", 0)),
            "unit": "shows",
            "test_targets": len(test),
            "split": "by show date: the last 20% of shows test, the 10% before them valid, the rest train",
            "dates": {split: [row["min"], row["max"]] for split, row in dates.iterrows()},
            "vocabulary_size": len(vocabulary),
        },
        model={
            "hyperparameters": model_row["hyperparameters"],
            "epochs_run": model_row["epochs_run"],
            "best_epoch": model_row["best_epoch"],
            "refit_on_train_and_valid": bool(model_row["hyperparameters"]["refit_on_train_and_valid"]),
            "refit_epochs": int(model_row.get("refit_epochs", 0)),
            "train_seconds": model_row["train_seconds"],
            "recent_song_penalty": model_score.penalty,
        },
        metrics=metrics,
        baselines=baseline_metrics,
        strong_baseline=STRONG_BASELINE,
        strong_baseline_blocks=strong_baseline_blocks,
        extra={
            STRONG_BASELINE: strong_summary,
            "beats_baselines_on": {
                name: all(metrics[name] > values[name] for values in baseline_metrics.values())
                for name in COMPARED_METRICS
            },
            "model_without_recent_penalty": model_score.raw_metrics,
            "recent_penalty_on_valid": model_score.penalty_table.to_dict("records"),
            "accuracy_by_context": by_context,
            "context_counts": pd.Series(contexts).value_counts().to_dict(),
            "per_song_f1_top20": f1_table.to_dict("records"),
            "random_split": _random_split_summary(random_split),
        },
    )
    notes = (
        "## Accuracy by context\n\n"
        + pd.DataFrame(by_context).to_markdown(floatfmt=".3f")
        + "\n\n## Per-song F1 (20 most frequent test songs)\n\n"
        + f1_table.to_markdown(index=False, floatfmt=".3f")
        + "\n"
    )
    plots = {"training": training_plot(model_row["history"]), "contexts": context_plot(by_context)}
    return NextSongEvaluation(report, plots, notes)


def _random_split_summary(random_split: tuple[SplitScore, int] | None) -> dict[str, Any]:
    if random_split is None:
        return {"run": False}
    split_score, epochs = random_split
    return {
        "run": True,
        "split": "seeded random split of shows, same fractions; vocabulary, Word2Vec and rotation rebuilt",
        "epochs_run": epochs,
        "recent_song_penalty": split_score.penalty,
        "metrics": split_score.metrics,
    }


def training_plot(history: dict[str, list[float]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    figure, axes = plt.subplots(figsize=(6, 4))
    for name in ("loss", "val_loss"):
        if name in history:
            axes.plot(range(1, len(history[name]) + 1), history[name], label=name, marker="o")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cross-entropy")
    axes.set_title("next_song_model training")
    axes.legend()
    return figure_png(figure)


def context_plot(by_context: dict[str, dict[str, float]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    frame = pd.DataFrame(by_context)
    figure, axes = plt.subplots(figsize=(7, 4))
    frame.plot.bar(ax=axes)
    axes.set_ylabel("top-1 accuracy (test)")
    axes.set_title("Accuracy by context")
    return figure_png(figure)
