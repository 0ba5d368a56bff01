"""Test-split scores, the majority-class baseline, per-genre table and confusion-matrix plot of a report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """`accuracy` and `macro_f1` (over the genres present in truth or predictions)."""
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
    }


def majority_class(train_labels: Sequence[str], test_labels: Sequence[str]) -> dict[str, float]:
    """Predict the most frequent training genre (alphabetically first on ties) for every test clip."""
    counts = pd.Series(list(train_labels)).value_counts()
    winner = sorted(counts[counts == counts.max()].index)[0]
    return scores(test_labels, [winner] * len(test_labels))


def per_genre_table(truth: Sequence[str], predicted: Sequence[str], genres: Sequence[str]) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of each genre."""
    report = classification_report(truth, predicted, labels=list(genres), output_dict=True, zero_division=0)
    return [
        {
            "genre": genre,
            "precision": round(float(report[genre]["precision"]), 4),
            "recall": round(float(report[genre]["recall"]), 4),
            "f1": round(float(report[genre]["f1-score"]), 4),
            "support": int(report[genre]["support"]),
        }
        for genre in genres
    ]


def per_genre_markdown(rows: list[dict[str, Any]]) -> str:
    header = "| genre | precision | recall | f1 | support |\n|---|---|---|---|---|\n"
    return header + "\n".join(
        f"| {row['genre']} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |"
        for row in rows
    )


def confusion_png(truth: Sequence[str], predicted: Sequence[str], genres: Sequence[str], title: str) -> bytes:
    """A labelled confusion matrix (rows: true genre, columns: predicted) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    matrix = confusion_matrix(truth, predicted, labels=list(genres))
    size = 1.0 + 0.6 * len(genres)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(np.arange(len(genres)), labels=genres, rotation=45, ha="right")
    axes.set_yticks(np.arange(len(genres)), labels=genres)
    axes.set_xlabel("predicted genre")
    axes.set_ylabel("true genre")
    axes.set_title(title)
    for row in range(len(genres)):
        for column in range(len(genres)):
            axes.text(column, row, int(matrix[row, column]), ha="center", va="center", fontsize=8)
    figure.colorbar(image, ax=axes, fraction=0.046)
    return figure_png(figure)
