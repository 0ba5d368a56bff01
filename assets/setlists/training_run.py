"""The glue between the lake and the pure modules: train, evaluate and sample the next-song model.

Kept out of the asset modules so that importing the code location never imports TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from assets.setlists import paths
from assets.setlists.embeddings import embedding_matrix
from assets.setlists.evaluation import Word2VecSettings, fit_next_song, random_split_score, score_test
from assets.setlists.generate import generate_tokens, next_show_rotation, setlist_frame, setlist_text
from assets.setlists.model import NextSongSettings, build_model, save_model
from assets.setlists.records import next_song_dataset, read_windows
from assets.setlists.report import NextSongEvaluation, build_report
from assets.setlists.rotation import rotation_matrix

TASK = "next_song"


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def train_next_song(
    tfrecords: pd.DataFrame,
    embeddings: pd.DataFrame,
    rotation_table: pd.DataFrame,
    vocabulary: pd.DataFrame,
    sequences: pd.DataFrame,
    lake: Any,
    training: Any,
    settings: NextSongSettings,
) -> dict[str, Any]:
    """Fit on the TFRecord shards (see `fit_next_song`), save `<models>/next_song/next_song.keras`, return
    a summary row that also carries the recent-song penalty chosen on valid."""
    stored_seq_len = int(tfrecords["seq_len"].iloc[0])
    settings.validate(stored_seq_len)
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    weights = None
    if settings.embedding_init == "word2vec":
        weights = embedding_matrix(embeddings, len(vocabulary), settings.embedding_dim, training.seed)

    def build() -> Any:
        with training.strategy().scope():
            return build_model(len(vocabulary), settings, weights)

    def dataset(splits: list[str], shuffle: bool) -> Any:
        directories = [paths.tfrecords_dir(lake, split) for split in splits]
        batch_size = settings.batch_size if shuffle else 512
        return next_song_dataset(directories, stored_seq_len, batch_size, rotation, shuffle=shuffle, seed=training.seed)

    tensorboard_dir = training.tensorboard_dir(paths.DOMAIN, TASK)
    fitted = fit_next_song(
        build,
        {"train": dataset(["train"], True), "valid": dataset(["valid"], False),
         "train_and_valid": dataset(["train", "valid"], True)},
        read_windows(paths.tfrecords_dir(lake, "valid"), stored_seq_len),
        rotation,
        sequences,
        settings,
        checkpoint_dir=paths.checkpoint_dir(lake, TASK),
        fingerprint=fingerprint(
            settings.as_dict(),
            tfrecords.to_dict("records"),
            len(vocabulary),
            float(weights.sum()) if weights is not None else 0,
            training.seed,
        ),
        tensorboard_dir=tensorboard_dir,
    )  # fmt: skip
    model_path = save_model(fitted.model, paths.model_dir(lake, TASK) / f"{TASK}.keras")
    selection, refit = fitted.selection, fitted.refit
    return {
        "model_path": str(model_path),
        "stored_seq_len": stored_seq_len,
        "hyperparameters": settings.as_dict(),
        "epochs_run": selection.epochs_run,
        "best_epoch": selection.best_epoch,
        "best_val_loss": selection.best_val_loss,
        "refit_epochs": refit.epochs_run if refit is not None else 0,
        "train_seconds": round(selection.train_seconds + (refit.train_seconds if refit is not None else 0.0), 1),
        "history": selection.history,
        "recent_song_penalty": fitted.penalty,
        "recent_penalty_on_valid": fitted.penalty_table.to_dict("records"),
        "seed": training.seed,
        "tensorboard_dir": str(tensorboard_dir),
    }


def _json(value: Any) -> Any:
    """A field of the model row: JSON text when it came back from parquet, the object itself in process."""
    return json.loads(value) if isinstance(value, str) else value


def _load(model_row: dict[str, Any]) -> tuple[Any, NextSongSettings]:
    import keras

    hyperparameters = _json(model_row["hyperparameters"])
    hyperparameters["rotation_features"] = tuple(hyperparameters["rotation_features"])
    return keras.models.load_model(model_row["model_path"]), NextSongSettings(**hyperparameters)


def evaluate_next_song(
    model_row: dict[str, Any],
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation_table: pd.DataFrame,
    embeddings: pd.DataFrame,
    lake: Any,
    training: Any,
    random_split_seed: int | None,
) -> NextSongEvaluation:
    """Score the saved model on the test shards (with the penalty its training chose on valid), the
    baselines, and the same configuration on a random split."""
    model, settings = _load(model_row)
    stored_seq_len = int(model_row["stored_seq_len"])
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    test = read_windows(paths.tfrecords_dir(lake, "test"), stored_seq_len)
    model_score = score_test(
        model, settings, test, rotation, sequences, float(model_row["recent_song_penalty"]),
        pd.DataFrame(_json(model_row["recent_penalty_on_valid"])),
    )  # fmt: skip
    random_split = None
    if random_split_seed is not None:
        random_split = random_split_score(
            sequences,
            settings,
            Word2VecSettings(
                dim=settings.embedding_dim,
                window=int(embeddings["w2v_window"].iloc[0]),
                epochs=int(embeddings["w2v_epochs"].iloc[0]),
            ),
            min_count=int(vocabulary["min_count"].iloc[0]),
            rotation_window=int(rotation_table["window"].iloc[0]),
            seed=random_split_seed,
            work_dir=paths.checkpoint_dir(lake, f"{TASK}_random_split"),
            fingerprint=fingerprint(settings.as_dict(), len(sequences), random_split_seed, training.seed),
        )
    row = {**model_row, "hyperparameters": settings.as_dict(), "history": _json(model_row["history"])}
    return build_report(model_score, test, sequences, vocabulary, row, random_split)


def generate_next_setlist(
    model_row: dict[str, Any],
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation_table: pd.DataFrame,
    temperature: float,
    seed: int,
) -> tuple[pd.DataFrame, str]:
    """Sample the next show and return it as a table and as readable text."""
    model, settings = _load(model_row)
    rotation = next_show_rotation(sequences, len(vocabulary), int(rotation_table["window"].iloc[0]))
    tokens = generate_tokens(model, settings, sequences, rotation, temperature=temperature, seed=seed)
    frame = setlist_frame(tokens, dict(zip(vocabulary["token_id"], vocabulary["token"], strict=True)))
    return frame, setlist_text(frame)
