"""The glue between the lake and the pure modules: train, evaluate and sample the next-song model.

Kept out of the asset modules so that importing the code location never imports TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from assets.common.model_registry import ModelVersion, code_version, write_version
from assets.setlists import paths
from assets.setlists.embeddings import embedding_matrix
from assets.setlists.evaluation import Word2VecSettings, random_split_score, score_with_penalty
from assets.setlists.generate import generate_tokens, next_show_rotation, setlist_frame, setlist_text
from assets.setlists.model import NextSongSettings, build_model, save_model, train_model
from assets.setlists.predict import VOCABULARY_FILE
from assets.setlists.records import next_song_dataset, read_windows
from assets.setlists.report import NextSongEvaluation, build_report
from assets.setlists.rotation import rotation_matrix

TASK = "next_song"
MODEL_FILE = "model.keras"


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def train_next_song(
    tfrecords: pd.DataFrame,
    embeddings: pd.DataFrame,
    rotation_table: pd.DataFrame,
    vocabulary: pd.DataFrame,
    lake: Any,
    training: Any,
    settings: NextSongSettings,
) -> dict[str, Any]:
    """Train on the TFRecord shards, save a new version `<models>/next_song/<version>/` (model.keras and the
    vocabulary's tokens in id order), return a summary row."""
    stored_seq_len = int(tfrecords["seq_len"].iloc[0])
    settings.validate(stored_seq_len)
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    weights = None
    if settings.embedding_init == "word2vec":
        weights = embedding_matrix(embeddings, len(vocabulary), settings.embedding_dim, training.seed)
    with training.strategy().scope():
        model = build_model(len(vocabulary), settings, weights)
    datasets = {
        split: next_song_dataset(
            paths.tfrecords_dir(lake, split),
            stored_seq_len,
            settings.batch_size if split == "train" else 512,
            rotation,
            shuffle=split == "train",
            seed=training.seed,
        )
        for split in ("train", "valid")
    }
    tensorboard_dir = training.tensorboard_dir(paths.DOMAIN, TASK)
    trained = train_model(
        model,
        datasets["train"],
        datasets["valid"],
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
    )
    tokens = vocabulary.sort_values("token_id")["token"].tolist()

    def save(folder: Path) -> str:
        save_model(trained.model, folder / MODEL_FILE)
        (folder / VOCABULARY_FILE).write_text(json.dumps(tokens, ensure_ascii=False))
        return MODEL_FILE

    version = write_version(
        paths.model_dir(lake, TASK),
        TASK,
        save,
        config={**settings.as_dict(), "stored_seq_len": stored_seq_len, "seed": training.seed},
        data_version=fingerprint(tfrecords.to_dict("records"), tokens),
        code_version=code_version(Path(__file__).parent),
        metrics={"best_val_loss": trained.best_val_loss},
    )
    return {
        "version": version.version,
        "model_path": str(version.model_path),
        "stored_seq_len": stored_seq_len,
        "hyperparameters": settings.as_dict(),
        "epochs_run": trained.epochs_run,
        "best_epoch": trained.best_epoch,
        "best_val_loss": trained.best_val_loss,
        "train_seconds": round(trained.train_seconds, 1),
        "history": trained.history,
        "seed": training.seed,
        "tensorboard_dir": str(tensorboard_dir),
    }


def settings_from_config(config: dict[str, Any]) -> NextSongSettings:
    """The settings a model was trained with, from its summary row or version config (unknown keys ignored)."""
    known = {field.name for field in fields(NextSongSettings)}
    values = {name: value for name, value in config.items() if name in known}
    values["rotation_features"] = tuple(values.get("rotation_features", NextSongSettings().rotation_features))
    return NextSongSettings(**values)


def _load(model_row: dict[str, Any]) -> tuple[Any, NextSongSettings]:
    import keras

    hyperparameters = model_row["hyperparameters"]
    if isinstance(hyperparameters, str):
        hyperparameters = json.loads(hyperparameters)
    return keras.models.load_model(model_row["model_path"]), settings_from_config(hyperparameters)


def load_version(version: ModelVersion, vocabulary: pd.DataFrame) -> tuple[Any, NextSongSettings]:
    """A stored version's model and settings; ValueError when it was trained on another song vocabulary
    (its token ids would mean other songs)."""
    stored = json.loads((Path(version.path) / VOCABULARY_FILE).read_text())
    current = vocabulary.sort_values("token_id")["token"].tolist()
    if stored != current:
        raise ValueError(
            f"{TASK} version {version.version} was trained on a vocabulary of {len(stored)} tokens that differs "
            f"from the current {len(current)}: retrain and promote a model on the current vocabulary"
        )
    return _load({"model_path": str(version.model_path), "hyperparameters": version.config})


def _test_windows(lake: Any, stored_seq_len: int) -> dict[str, Any]:
    return {split: read_windows(paths.tfrecords_dir(lake, split), stored_seq_len) for split in ("valid", "test")}


def score_version(
    version: ModelVersion,
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation_table: pd.DataFrame,
    lake: Any,
    stored_seq_len: int,
) -> dict[str, float]:
    """A stored version (the champion) on the candidate's test windows, after the recent-song penalty tuned on
    the same valid windows: exactly the candidate's procedure. Empty when the version cannot read this data
    (another vocabulary, or a longer context than the TFRecords hold)."""
    try:
        model, settings = load_version(version, vocabulary)
    except ValueError:
        return {}
    if settings.seq_len > stored_seq_len:
        return {}
    windows = _test_windows(lake, stored_seq_len)
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    return score_with_penalty(model, settings, windows["valid"], windows["test"], rotation, sequences).metrics


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
    """Score the saved model on the test shards (penalty tuned on valid), the baselines and a random split."""
    model, settings = _load(model_row)
    stored_seq_len = int(model_row["stored_seq_len"])
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    windows = _test_windows(lake, stored_seq_len)
    model_score = score_with_penalty(model, settings, windows["valid"], windows["test"], rotation, sequences)
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
    history = model_row["history"]
    row = {**model_row, "hyperparameters": settings.as_dict(),
           "history": json.loads(history) if isinstance(history, str) else history}  # fmt: skip
    return build_report(model_score, windows["test"], sequences, vocabulary, row, random_split)


def generate_next_setlist(
    version: ModelVersion,
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation_table: pd.DataFrame,
    temperature: float,
    seed: int,
) -> tuple[pd.DataFrame, str]:
    """Sample the next show with a stored version (the champion); return it as a table and as readable text."""
    model, settings = load_version(version, vocabulary)
    rotation = next_show_rotation(sequences, len(vocabulary), int(rotation_table["window"].iloc[0]))
    tokens = generate_tokens(model, settings, sequences, rotation, temperature=temperature, seed=seed)
    frame = setlist_frame(tokens, dict(zip(vocabulary["token_id"], vocabulary["token"], strict=True)))
    return frame, setlist_text(frame)
