"""Training and scoring one configuration end to end: used by the report, the random split and the sweep.

The test score of a model is taken after the recent-song penalty tuned on the validation split (the
strength that gives the best validation top-1; 0 when it does not help).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assets.setlists.embeddings import embedding_matrix, train_word2vec, training_sentences, vectors_frame
from assets.setlists.metrics import penalize_recent, score, tune_recent_penalty
from assets.setlists.model import NextSongSettings, build_model, predict_probabilities, train_model
from assets.setlists.records import windows_dataset
from assets.setlists.rotation import compute_rotation, recent_plays, rotation_matrix, rows_of_shows
from assets.setlists.sequences import Windows, make_windows, random_split_shows, resplit

PENALTY_GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class Word2VecSettings:
    dim: int = 64
    window: int = 5
    epochs: int = 20


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


def score_with_penalty(
    model: Any,
    settings: NextSongSettings,
    valid: Windows,
    test: Windows,
    rotation: tuple[np.ndarray, np.ndarray],
    sequences: pd.DataFrame,
) -> SplitScore:
    """Predict valid and test, tune the recent-song penalty on valid, score test with it."""
    probabilities = {
        name: predict_probabilities(model, windows_dataset(windows, 512, rotation), settings)
        for name, windows in (("valid", valid), ("test", test))
    }
    valid_songs = is_song_target(valid, sequences)
    test_songs = is_song_target(test, sequences)
    strength, table = tune_recent_penalty(
        probabilities["valid"], recent_for(valid, rotation), valid.target, valid_songs, PENALTY_GRID
    )
    adjusted = penalize_recent(probabilities["test"], recent_for(test, rotation), strength)
    return SplitScore(
        metrics=score(adjusted, test.target, test_songs),
        raw_metrics=score(probabilities["test"], test.target, test_songs),
        penalty=strength,
        penalty_table=table,
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
    """Train one configuration on in-memory windows of `sequences` and score it; returns (score, epochs)."""
    windows = {split: make_windows(sequences, settings.seq_len, split) for split in ("train", "valid", "test")}
    model = build_model(len(vocabulary), settings, embeddings if settings.embedding_init == "word2vec" else None)
    trained = train_model(
        model,
        windows_dataset(windows["train"], settings.batch_size, rotation, shuffle=True, seed=seed),
        windows_dataset(windows["valid"], 512, rotation),
        settings,
        checkpoint_dir=work_dir,
        fingerprint=fingerprint,
        tensorboard_dir=None,
    )
    result = score_with_penalty(trained.model, settings, windows["valid"], windows["test"], rotation, sequences)
    return result, trained.epochs_run


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
