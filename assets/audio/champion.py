"""Genre champions: the best model of a collection (chosen on valid) as a registry version, and its scoring.

The task `genre_<collection>` has one candidate per run: whichever trained model (a scikit-learn pipeline
or the CNN) has the best valid accuracy. It is copied into a new version folder so later retraining never
changes it; a champion is scored on the current test split by kind (features or log-mel shards).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from assets.audio.classic import feature_matrix
from assets.audio.metrics import scores
from assets.common.model_registry import ModelVersion, code_version, write_version

PACKAGE_DIR = Path(__file__).resolve().parent


def genre_task(collection: str) -> str:
    return f"genre_{collection}"


def data_version(features: pd.DataFrame, shards: Path) -> str:
    """A hash of the collection's feature rows and its TFRecord manifests: the data both kinds trained on."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(features, index=False).values.tobytes())
    for manifest in sorted(Path(shards).glob("*/_manifest.json")):
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def register_candidate(
    task_dir: Path,
    collection: str,
    name: str,
    source: Path,
    hyperparameters: dict[str, Any],
    genres: list[str],
    valid_accuracy: float,
    data_hash: str,
) -> ModelVersion:
    """Copy the chosen model file into a new version of `genre_<collection>`."""
    source = Path(source)
    if not source.exists():
        raise ValueError(f"{collection}: the chosen model {name!r} has no saved file at {source}")
    kind = "keras" if source.suffix == ".keras" else "sklearn"

    def save(folder: Path) -> str:
        file_name = f"model{source.suffix}"
        shutil.copy2(source, folder / file_name)
        return file_name

    return write_version(
        task_dir,
        genre_task(collection),
        save,
        config={"model": name, "kind": kind, "hyperparameters": hyperparameters, "genres": genres},
        data_version=data_hash,
        code_version=code_version(PACKAGE_DIR),
        metrics={"valid_accuracy": valid_accuracy},
    )


def score_version(version: ModelVersion, test: pd.DataFrame, shards: Path) -> dict[str, float]:
    """Accuracy and macro F1 of a stored version on the collection's test split."""
    if version.model_file.endswith(".joblib"):
        import joblib

        predicted = joblib.load(version.model_path).predict(feature_matrix(test)).tolist()
        return scores(test["genre"].tolist(), predicted)
    import keras

    from assets.audio.cnn import predict_split
    from assets.audio.spectrograms import read_labels

    current = read_labels(shards)["genres"]
    trained = version.config["genres"]
    truth, predicted = predict_split(keras.models.load_model(version.model_path), shards, "test")
    return scores([current[index] for index in truth], [trained[index] for index in predicted])
