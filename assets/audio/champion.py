"""The genre task of a collection: its model is the best on valid of the trained contenders.

`genre_<collection>` has one candidate per training: whichever trained model (a scikit-learn pipeline or the
CNN) has the best valid accuracy. Its file is copied into a new version so later retraining never changes
it; a version is scored on the current test split by kind (features or log-mel shards).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from assets.audio.classic import feature_matrix
from assets.audio.metrics import scores
from assets.audio.spectrograms import shard_manifests
from assets.common.lifecycle import Trained, content_hash
from assets.common.model_files import load_joblib, load_keras_model
from assets.common.model_registry import ModelVersion

CONTENDER_COLUMNS = ["model", "path", "hyperparameters", "valid_accuracy", "history"]


def genre_task(collection: str) -> str:
    return f"genre_{collection}"


def data_version(features: pd.DataFrame, shards: Path) -> str:
    """A hash of the collection's feature rows and its TFRecord manifests: the data both kinds trained on."""
    return content_hash(features, *shard_manifests(shards))


def contender_table(classic: pd.DataFrame, cnn: pd.DataFrame, collection: str, allowed: list[str]) -> pd.DataFrame:
    """The trained models of one collection that may be chosen, scikit-learn pipelines first, then the CNN."""
    pipelines = classic[classic["collection"] == collection].assign(history="{}")
    networks = cnn[cnn["collection"] == collection].assign(model="cnn")
    table = pd.concat([pipelines[CONTENDER_COLUMNS], networks[CONTENDER_COLUMNS]], ignore_index=True)
    return table[table["model"].isin(allowed)].reset_index(drop=True)


def choose_on_valid(contenders: pd.DataFrame) -> pd.Series:
    """The contender with the best valid accuracy; the first listed wins a tie. Test is never looked at."""
    return contenders.loc[contenders["valid_accuracy"].astype(float).idxmax()]


def _copy_file(source: Path) -> Callable[[Path], str]:
    def save(folder: Path) -> str:
        if not source.exists():
            raise ValueError(f"the chosen model has no saved file at {source}")
        file_name = f"model{source.suffix}"
        shutil.copy2(source, folder / file_name)
        return file_name

    return save


def trained_choice(chosen: pd.Series, shards: Path, feature_genres: list[str]) -> Trained:
    """The chosen contender as what the lifecycle records: its file, valid accuracy, choice and curves."""
    from assets.audio.spectrograms import read_labels

    source = Path(chosen["path"])
    kind = "keras" if source.suffix == ".keras" else "sklearn"
    genres = read_labels(shards)["genres"] if kind == "keras" else feature_genres
    hyperparameters = json.loads(chosen["hyperparameters"])
    return Trained(
        save=_copy_file(source),
        metrics={"valid_accuracy": float(chosen["valid_accuracy"])},
        summary={"model": chosen["model"], "valid_accuracy": float(chosen["valid_accuracy"])},
        config={"model": chosen["model"], "kind": kind, "hyperparameters": hyperparameters, "genres": genres},
        histories=json.loads(chosen["history"]),
    )


def score_version(version: ModelVersion, test: pd.DataFrame, shards: Path) -> dict[str, float]:
    """Accuracy and macro F1 of a stored version on the collection's test split."""
    if version.model_file.endswith(".joblib"):
        predicted = load_joblib(version.model_path).predict(feature_matrix(test)).tolist()
        return scores(test["genre"].tolist(), predicted)

    from assets.audio.cnn import predict_split
    from assets.audio.spectrograms import read_labels

    current = read_labels(shards)["genres"]
    trained = version.config["genres"]
    truth, predicted = predict_split(load_keras_model(version.model_path), shards, "test")
    return scores([current[index] for index in truth], [trained[index] for index in predicted])
