"""One training lifecycle for every Keras model task: a model asset supplies its train function, the
mechanism does the rest.

A domain's ``*_model`` asset calls :func:`train_version` with its config, the version of its input data
and a ``train(run) -> Trained`` function. The mechanism owns what is the same for every task: the
fingerprint a checkpoint is resumed under (config, data version, seed), the training resource's
strategy scope and seed, the checkpoint and TensorBoard folders, the new model version, its MLflow run
(parameters, per-epoch curves, artifacts, registered model version) and the metadata the UI shows.
The report, blessing and promotion that follow are in :mod:`assets.common.champions`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from assets.common.dagster_metadata import dagster_tags, table_metadata
from assets.common.model_registry import ModelVersion, code_version, write_version
from assets.common.training import recorded_histories


def content_hash(*parts: Any, length: int = 16) -> str:
    """A short SHA-256 of JSON-able parts, bytes or data frames: data versions and fingerprints."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame):
            digest.update(_frame_bytes(part))
        elif isinstance(part, bytes):
            digest.update(part)
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:length]


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    try:
        return pd.util.hash_pandas_object(frame, index=False).values.tobytes()
    except TypeError:  # cells holding arrays or lists (embedding vectors): hash their JSON form instead
        return frame.to_json(orient="split", index=False).encode()


@dataclass(frozen=True)
class TrainingRun:
    """What a task's train function is given: where to checkpoint, under which fingerprint, with which seed."""

    checkpoint_dir: Path
    fingerprint: str
    seed: int
    tensorboard_dir: Path | None


@dataclass(frozen=True)
class Trained:
    """What a task's train function returns.

    ``save(folder)`` writes the model and its side files into a new version folder and returns the model
    file's name; ``metrics`` are stored with the version; ``summary`` becomes the model asset's table (its
    fields as one row, or a table with a row per saved variant); ``config`` adds what training chose (a
    tuned penalty, say) to the version's recorded config; ``histories`` adds learning curves recorded by
    an earlier step (a contender trained upstream) to those of the fits run inside ``train``."""

    save: Callable[[Path], str]
    metrics: Mapping[str, float]
    summary: Mapping[str, Any] | pd.DataFrame = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    histories: Mapping[str, Mapping[str, list[float]]] = field(default_factory=dict)


def train_version(
    context: dg.AssetExecutionContext,
    *,
    task: str,
    task_dir: Path,
    config: dg.Config,
    data_version: str,
    package_dir: Path,
    training: Any,
    mlflow: Any,
    train: Callable[[TrainingRun], Trained],
    tensorboard_name: str = "",
) -> tuple[ModelVersion, pd.DataFrame, dict[str, Any]]:
    """Train (or resume) one model of ``task`` and record it as a new version; returns the version, the
    model asset's one-row table and its materialization metadata."""
    domain = Path(task_dir).parent.parent.name
    run = TrainingRun(
        checkpoint_dir=Path(task_dir) / "checkpoints",
        fingerprint=content_hash(config.model_dump(), data_version, training.seed),
        seed=training.seed,
        tensorboard_dir=training.tensorboard_dir(domain, tensorboard_name or task),
    )
    started_at = time.time()
    with training.strategy().scope(), recorded_histories() as histories:
        trained = train(run)
    version = write_version(
        task_dir,
        task,
        trained.save,
        config={**config.model_dump(), "seed": training.seed, **trained.config},
        data_version=data_version,
        code_version=code_version(package_dir),
        metrics=trained.metrics,
    )
    mlflow.log_version(task, version, {**trained.histories, **histories}, dagster_tags(context), started_at)
    row = trained.summary.copy() if isinstance(trained.summary, pd.DataFrame) else pd.DataFrame([trained.summary])
    row.insert(0, "version", version.version)
    row.insert(1, "model_path", str(version.model_path))
    metadata = {
        **table_metadata(row),
        "version": version.version,
        "config": dg.MetadataValue.json(config.model_dump()),
        "device": training.device_name,
        **{name: float(value) for name, value in trained.metrics.items()},
    }
    return version, row, metadata
