"""The glue between the lake and the pure modules: train, evaluate and sample the next-song model.

Kept out of the asset modules so that importing the code location never imports TensorFlow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from assets.common.lifecycle import Trained, TrainingRun, content_hash
from assets.common.model_files import load_keras_model
from assets.common.model_registry import ModelVersion
from assets.setlists import paths
from assets.setlists.embeddings import embedding_matrix
from assets.setlists.evaluation import Word2VecSettings, fit_next_song, random_split_score, score_test, tune_penalty
from assets.setlists.generate import generate_tokens, next_show_rotation, setlist_frame, setlist_text
from assets.setlists.model import NextSongSettings, build_model, save_model
from assets.setlists.predict import VOCABULARY_FILE
from assets.setlists.records import next_song_dataset, read_windows
from assets.setlists.report import NextSongEvaluation, build_report
from assets.setlists.rotation import rotation_matrix
from assets.setlists.sequences import PAD_ID, UNKNOWN_ID

TASK = "next_song"
MODEL_FILE = "model.keras"


def train_next_song(
    tfrecords: pd.DataFrame,
    embeddings: pd.DataFrame,
    rotation_table: pd.DataFrame,
    vocabulary: pd.DataFrame,
    sequences: pd.DataFrame,
    lake: Any,
    settings: NextSongSettings,
    run: TrainingRun,
) -> Trained:
    """Fit on the TFRecord shards (see `fit_next_song`); the version it becomes holds model.keras, the
    vocabulary's tokens in id order, and the recent-song penalty chosen on valid in its config."""
    stored_seq_len = int(tfrecords["seq_len"].iloc[0])
    settings.validate(stored_seq_len)
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    weights = None
    if settings.embedding_init == "word2vec":
        weights = embedding_matrix(embeddings, len(vocabulary), settings.embedding_dim, run.seed)

    def dataset(splits: list[str], shuffle: bool) -> Any:
        directories = [paths.tfrecords_dir(lake, split) for split in splits]
        batch_size = settings.batch_size if shuffle else 512
        return next_song_dataset(directories, stored_seq_len, batch_size, rotation, shuffle=shuffle, seed=run.seed)

    fitted = fit_next_song(
        lambda: build_model(len(vocabulary), settings, weights),
        {"train": dataset(["train"], True), "valid": dataset(["valid"], False),
         "train_and_valid": dataset(["train", "valid"], True)},
        read_windows(paths.tfrecords_dir(lake, "valid"), stored_seq_len),
        rotation,
        sequences,
        settings,
        checkpoint_dir=run.checkpoint_dir,
        fingerprint=run.fingerprint,
        tensorboard_dir=run.tensorboard_dir,
    )  # fmt: skip
    selection, refit = fitted.selection, fitted.refit
    tokens = vocabulary.sort_values("token_id")["token"].tolist()

    def save(folder: Path) -> str:
        save_model(fitted.model, folder / MODEL_FILE)
        (folder / VOCABULARY_FILE).write_text(json.dumps(tokens, ensure_ascii=False))
        return MODEL_FILE

    summary = {
        "stored_seq_len": stored_seq_len,
        "hyperparameters": json.dumps(settings.model_dump()),
        "epochs_run": selection.outcome.epochs_run,
        "best_epoch": selection.outcome.best_epoch,
        "best_val_loss": selection.outcome.best_monitor_value,
        "refit_epochs": refit.outcome.epochs_run if refit is not None else 0,
        "train_seconds": round(selection.train_seconds + (refit.train_seconds if refit is not None else 0.0), 1),
        "history": json.dumps(selection.outcome.history),
        "recent_song_penalty": fitted.penalty,
        "recent_penalty_on_valid": json.dumps(fitted.penalty_table.to_dict("records")),
        "seed": run.seed,
        "tensorboard_dir": str(run.tensorboard_dir),
    }
    return Trained(
        save,
        {"best_val_loss": selection.outcome.best_monitor_value},
        summary,
        config={**settings.model_dump(), "stored_seq_len": stored_seq_len, "recent_song_penalty": fitted.penalty},
    )


def _json(value: Any) -> Any:
    """A field of the model row: JSON text when it came back from parquet, the object itself in process."""
    return json.loads(value) if isinstance(value, str) else value


def _load(model_row: dict[str, Any]) -> tuple[Any, NextSongSettings]:

    hyperparameters = _json(model_row["hyperparameters"])
    return load_keras_model(model_row["model_path"]), NextSongSettings.from_config(hyperparameters)


def load_version(version: ModelVersion, vocabulary: pd.DataFrame) -> tuple[Any, NextSongSettings]:
    """A stored version's model and settings, reading and predicting token ids of the current ``vocabulary``
    (translated when the version was trained on another one, e.g. before new songs entered it)."""
    stored = json.loads((Path(version.path) / VOCABULARY_FILE).read_text())
    current = vocabulary.sort_values("token_id")["token"].tolist()
    model, settings = _load({"model_path": str(version.model_path), "hyperparameters": version.config})
    if stored != current:
        model = in_current_vocabulary(model, settings, stored, current)
    return model, settings


def in_current_vocabulary(model: Any, settings: NextSongSettings, stored: list[str], current: list[str]) -> Any:
    """``model`` (trained on the ``stored`` tokens) as a model of the ``current`` tokens: context ids and
    rotation rows are translated to its vocabulary, its logits back to the current one. A current token the
    model never saw gets a logit of -1e9 (it is never predicted); a current id it lacks reads as `<unk>`."""
    import keras
    import numpy as np

    stored_ids = {token: index for index, token in enumerate(stored)}
    current_ids = {token: index for index, token in enumerate(current)}
    to_stored = np.asarray([stored_ids.get(token, UNKNOWN_ID) for token in current], dtype="int32")
    known = np.asarray([token in stored_ids for token in current])
    rotation_rows = np.asarray([current_ids.get(token, PAD_ID) for token in stored], dtype="int32")
    rotation_known = np.asarray([token in current_ids for token in stored], dtype="float32")[None, :, None]
    inputs = {"context": keras.Input(shape=(settings.seq_len,), dtype="int32", name="context")}
    feed = {"context": keras.ops.take(to_stored, inputs["context"])}
    if settings.use_marks:
        inputs["marks"] = feed["marks"] = keras.Input(shape=(settings.seq_len,), dtype="int32", name="marks")
    if settings.use_rotation:
        features = len(settings.rotation_features)
        inputs["rotation"] = keras.Input(shape=(len(current), features), dtype="float32", name="rotation")
        feed["rotation"] = keras.ops.take(inputs["rotation"], rotation_rows, axis=1) * rotation_known
    logits = keras.ops.take(model(feed), np.where(known, to_stored, 0), axis=1)
    logits = logits + np.where(known, 0.0, -1e9).astype("float32")
    return keras.Model(inputs=inputs, outputs=logits, name="next_song_in_current_vocabulary")


def score_version(
    version: ModelVersion,
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation_table: pd.DataFrame,
    lake: Any,
    stored_seq_len: int,
) -> dict[str, float]:
    """A stored version (the champion) on the candidate's test windows, with the recent-song penalty stored
    in its version: exactly the candidate's procedure. Empty when the version cannot read this data (a
    longer context than the TFRecords hold)."""
    model, settings = load_version(version, vocabulary)
    if settings.seq_len > stored_seq_len:
        return {}
    rotation = rotation_matrix(rotation_table, len(vocabulary))
    penalty = version.config.get("recent_song_penalty")
    if penalty is None:  # a version saved before the penalty was stored with it: tune it on valid, as then
        valid = read_windows(paths.tfrecords_dir(lake, "valid"), stored_seq_len)
        penalty, _ = tune_penalty(model, settings, valid, rotation, sequences)
    test = read_windows(paths.tfrecords_dir(lake, "test"), stored_seq_len)
    return score_test(model, settings, test, rotation, sequences, float(penalty), pd.DataFrame()).metrics


def evaluate_next_song(
    model_row: dict[str, Any],
    sequences: pd.DataFrame,
    vocabulary: pd.DataFrame,
    rotation_table: pd.DataFrame,
    embeddings: pd.DataFrame,
    lake: Any,
    training: Any,
    random_split_seed: int | None,
    strong_baseline_blocks: bool = True,
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
            fingerprint=content_hash(settings.model_dump(), len(sequences), random_split_seed, training.seed),
        )
    row = {**model_row, "hyperparameters": settings.model_dump(), "history": _json(model_row["history"])}
    return build_report(model_score, test, sequences, vocabulary, rotation, row, random_split, strong_baseline_blocks)


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
