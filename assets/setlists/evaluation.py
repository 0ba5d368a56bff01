"""Training and scoring one configuration end to end: used by the report, the random split and the sweep.

A configuration is fitted in three steps: early stopping on valid picks the epoch count, the recent-song
penalty is tuned on valid (the strength with the best validation top-1; 0 when it does not help), then a
fresh model is refitted on train+valid for that many epochs (unless the settings turn the refit off).
The test score applies the penalty chosen on valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assets.common.training import FittedModel
from assets.setlists.embeddings import (
    Word2VecSettings,
    embedding_matrix,
    train_word2vec,
    training_sentences,
    vectors_frame,
)
from assets.setlists.metrics import penalize_recent, score, tune_recent_penalty
from assets.setlists.model import (
    NextSongSettings,
    build_model,
    predict_probabilities,
    refit_model,
    train_model,
)
from assets.setlists.records import windows_dataset
from assets.setlists.rotation import compute_rotation, recent_plays, rotation_matrix, rows_of_shows
from assets.setlists.sequences import Windows, make_windows, random_split_shows, resplit

PENALTY_GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


@dataclass
class SplitScore:
    """A model's scores on one split's targets, after the penalty chosen on the validation targets."""

    metrics: dict[str, float]
    raw_metrics: dict[str, float]
    penalty: float
    penalty_table: pd.DataFrame
    probabilities: np.ndarray


def is_song_target(windows: Windows, sequences: pd.DataFrame) -> np.ndarray:
    """Song targets (known or `<unk>`), as opposed to the three markers."""
    kinds = sequences.set_index("stream_index").loc[windows.stream_index, "kind"].to_numpy()
    return kinds == "song"


def recent_for(windows: Windows, rotation: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    shows, array = rotation
    return recent_plays(array, rows_of_shows(shows, windows.show_number))


@dataclass
class FittedNextSong:
    """A model fitted the report's way, and what was chosen on the validation split along the way."""

    model: Any
    selection: FittedModel  # the early-stopped run on train; its best epoch sets the refit's length
    refit: FittedModel | None  # the fresh fit on train+valid, when the settings ask for one
    penalty: float
    penalty_table: pd.DataFrame


def tune_penalty(
    model: Any, settings: NextSongSettings, valid: Windows, rotation: tuple[np.ndarray, np.ndarray],
    sequences: pd.DataFrame,
) -> tuple[float, pd.DataFrame]:  # fmt: skip
    """The recent-song penalty with the best validation top-1 (0 when it does not help), and the grid."""
    probabilities = predict_probabilities(model, windows_dataset(valid, 512, rotation), settings)
    return tune_recent_penalty(
        probabilities, recent_for(valid, rotation), valid.target, is_song_target(valid, sequences), PENALTY_GRID
    )


def fit_next_song(
    build: Callable[[], Any],
    data: dict[str, Any],
    valid: Windows,
    rotation: tuple[np.ndarray, np.ndarray],
    sequences: pd.DataFrame,
    settings: NextSongSettings,
    *,
    checkpoint_dir: Path,
    fingerprint: str,
    tensorboard_dir: Path | None,
) -> FittedNextSong:
    """Early-stop on valid, tune the penalty on valid, then (optionally) refit on train+valid.

    `build` returns a fresh compiled model; `data` holds the batched `train`, `valid` and `train_and_valid`
    datasets. Valid chooses the epoch count and the penalty before the refit sees it, so neither is tuned
    on data the final model was trained on.
    """
    selection = train_model(
        build(), data["train"], data["valid"], settings, checkpoint_dir=checkpoint_dir / "early_stopping",
        fingerprint=fingerprint, tensorboard_dir=tensorboard_dir and tensorboard_dir / "early_stopping",
    )  # fmt: skip
    penalty, table = tune_penalty(selection.model, settings, valid, rotation, sequences)
    if not settings.refit_on_train_and_valid:
        return FittedNextSong(selection.model, selection, None, penalty, table)
    epochs = max(selection.outcome.best_epoch, 1)
    refit = refit_model(
        build(), data["train_and_valid"], settings, epochs, checkpoint_dir=checkpoint_dir / "refit",
        fingerprint=f"{fingerprint}-refit-{epochs}",
        tensorboard_dir=tensorboard_dir and tensorboard_dir / "refit",
    )  # fmt: skip
    return FittedNextSong(refit.model, selection, refit, penalty, table)


def score_test(
    model: Any,
    settings: NextSongSettings,
    test: Windows,
    rotation: tuple[np.ndarray, np.ndarray],
    sequences: pd.DataFrame,
    penalty: float,
    penalty_table: pd.DataFrame,
) -> SplitScore:
    """Score the test windows with a penalty chosen earlier on valid (never on test)."""
    probabilities = predict_probabilities(model, windows_dataset(test, 512, rotation), settings)
    test_songs = is_song_target(test, sequences)
    adjusted = penalize_recent(probabilities, recent_for(test, rotation), penalty)
    return SplitScore(
        metrics=score(adjusted, test.target, test_songs),
        raw_metrics=score(probabilities, test.target, test_songs),
        penalty=penalty,
        penalty_table=penalty_table,
        probabilities=adjusted,
    )


def train_and_score(
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation: tuple[np.ndarray, np.ndarray],
    embeddings: np.ndarray | None,
    settings: NextSongSettings,
    *,
    work_dir: Path,
    fingerprint: str,
    seed: int,
) -> tuple[SplitScore, int]:
    """Fit one configuration on in-memory windows of `sequences` and score it; returns (score, epochs)."""
    windows = {split: make_windows(sequences, settings.seq_len, split) for split in ("train", "valid", "test")}
    train_and_valid = make_windows(sequences.assign(split=sequences["split"].replace("valid", "train")),
                                   settings.seq_len, "train")  # fmt: skip
    initial = embeddings if settings.embedding_init == "word2vec" else None
    fitted = fit_next_song(
        lambda: build_model(len(vocabulary), settings, initial),
        {
            "train": windows_dataset(windows["train"], settings.batch_size, rotation, shuffle=True, seed=seed),
            "valid": windows_dataset(windows["valid"], 512, rotation),
            "train_and_valid": windows_dataset(train_and_valid, settings.batch_size, rotation, shuffle=True, seed=seed),
        },
        windows["valid"], rotation, sequences, settings, checkpoint_dir=work_dir, fingerprint=fingerprint,
        tensorboard_dir=None,
    )  # fmt: skip
    result = score_test(fitted.model, settings, windows["test"], rotation, sequences, fitted.penalty,
                        fitted.penalty_table)  # fmt: skip
    return result, fitted.selection.outcome.epochs_run


def random_split_score(
    sequences: pd.DataFrame,
    settings: NextSongSettings,
    word2vec: Word2VecSettings,
    *,
    min_count: int,
    rotation_window: int,
    seed: int,
    work_dir: Path,
    fingerprint: str,
) -> tuple[SplitScore, int]:
    """The same configuration on a seeded random split of shows (vocabulary, Word2Vec, rotation rebuilt)."""
    shows = sequences.drop_duplicates("show_number")
    fractions = shows["split"].value_counts(normalize=True)
    splits = random_split_shows(
        shows["show_number"].to_numpy(), float(fractions.get("valid", 0.1)), float(fractions.get("test", 0.2)), seed
    )
    stream, vocabulary = resplit(sequences, splits, min_count)
    rotation = rotation_matrix(compute_rotation(stream, len(vocabulary), rotation_window), len(vocabulary))
    vectors = vectors_frame(
        train_word2vec(training_sentences(stream, vocabulary), word2vec.dim, word2vec.window, word2vec.epochs, seed),
        vocabulary,
    )
    embeddings = embedding_matrix(vectors, len(vocabulary), settings.embedding_dim, seed)
    return train_and_score(
        stream, vocabulary, rotation, embeddings, settings, work_dir=work_dir, fingerprint=fingerprint, seed=seed
    )
