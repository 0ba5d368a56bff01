"""A small grid search over the next-song model: every combination trained, scored on valid-tuned test."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from assets.common.reports import Report
from assets.setlists.evaluation import is_song_target, train_and_score
from assets.setlists.metrics import score
from assets.setlists.model import NextSongSettings
from assets.setlists.report import STRONG_BASELINE, baseline_probabilities, strong_baseline_probabilities
from assets.setlists.sequences import make_windows

EMBEDDING_CHOICES = {
    "word2vec": {"embedding_init": "word2vec", "trainable_embeddings": True},
    "word2vec_frozen": {"embedding_init": "word2vec", "trainable_embeddings": False},
    "random": {"embedding_init": "random", "trainable_embeddings": True},
}


def grid_settings(
    base: NextSongSettings,
    lstm_layers: Sequence[int],
    seq_len: Sequence[int],
    units: Sequence[int],
    dropout: Sequence[float],
    embeddings: Sequence[str],
    use_rotation: Sequence[bool],
) -> list[NextSongSettings]:
    """Every combination; `dropout` sets the dropout after the LSTM, `embeddings` one of EMBEDDING_CHOICES."""
    unknown = [name for name in embeddings if name not in EMBEDDING_CHOICES]
    if unknown:
        raise ValueError(f"unknown embedding choices {unknown}; expected some of {sorted(EMBEDDING_CHOICES)}")
    return [
        base.model_copy(
            update={
                "lstm_layers": layers,
                "seq_len": length,
                "units": size,
                "dropout_after": rate,
                "use_rotation": rotation,
                **EMBEDDING_CHOICES[embedding],
            }
        )
        for layers, length, size, rate, embedding, rotation in itertools.product(
            lstm_layers, seq_len, units, dropout, embeddings, use_rotation
        )
    ]


def run_sweep(
    settings_list: Sequence[NextSongSettings],
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation: tuple[np.ndarray, np.ndarray],
    embeddings: np.ndarray,
    *,
    work_dir: Path,
    seed: int,
) -> pd.DataFrame:
    """One row per configuration: its hyperparameters, test metrics, epochs and seconds."""
    rows = []
    for index, settings in enumerate(settings_list):
        started = time.perf_counter()
        result, epochs = train_and_score(
            sequences,
            vocabulary,
            rotation,
            embeddings,
            settings,
            work_dir=work_dir / f"run_{index:03d}",
            fingerprint=str(sorted(settings.model_dump().items())),
            seed=seed,
        )
        rows.append(
            {
                "run": index,
                **settings.model_dump(),
                **result.metrics,
                "valid_top1_accuracy": float(result.penalty_table["top1_accuracy"].max()),
                "recent_song_penalty": result.penalty,
                "epochs_run": epochs,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    return pd.DataFrame(rows)


def sweep_report(
    results: pd.DataFrame,
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation: tuple[np.ndarray, np.ndarray],
) -> Report:
    """The configuration with the best validation top-1, with its test metrics beside the baselines' (the
    strong baseline `rotation_bigram` included, as in the next-song report)."""
    test = make_windows(sequences, int(results["seq_len"].max()), "test")
    is_song = is_song_target(test, sequences)
    strong, _ = strong_baseline_probabilities(sequences, rotation, test, len(vocabulary))
    probabilities_by_name = {**baseline_probabilities(sequences, test, len(vocabulary)), STRONG_BASELINE: strong}
    baselines = {
        name: score(probabilities, test.target, is_song) for name, probabilities in probabilities_by_name.items()
    }
    best = results.loc[results["valid_top1_accuracy"].idxmax()]
    metric_names = list(baselines["most_frequent"])
    shows = sequences.drop_duplicates("show_number")["split"].value_counts().to_dict()
    return Report(
        task="next_song_sweep",
        primary_metric="top1_accuracy",
        higher_is_better=True,
        data={**{split: int(count) for split, count in shows.items()}, "unit": "shows", "split": "by show date"},
        model={
            "hyperparameters": {key: _plain(best[key]) for key in NextSongSettings.model_fields},
            "epochs_run": int(best["epochs_run"]),
            "train_seconds": float(best["seconds"]),
        },
        metrics={name: float(best[name]) for name in metric_names},
        baselines=baselines,
        extra={"runs": len(results), "results": results.to_dict("records")},
        strong_baseline=STRONG_BASELINE,
    )


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value
