"""Lyrics model assets: the two character LSTMs, their evaluation report and text samples."""

import hashlib
import json
import math
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.dagster_metadata import MODEL_ASSET_ARGS, dagster_tags
from assets.common.model_registry import code_version, write_version
from assets.common.training import recorded_histories
from assets.lyrics.model import ModelSettings, model_dir, save_char_lm, train_char_lm
from assets.lyrics.vocabulary import Vocabulary
from resources.lake import LakeResource
from resources.tracking import MlflowResource
from resources.training import TrainingResource

DOMAIN = "lyrics"
PACKAGE_DIR = Path(__file__).parent


class CharLMConfig(dg.Config):
    embedding_dim: int = Field(32, description="Size of the learned character embedding.")
    artist_embedding_dim: int = Field(16, description="Size of the artist embedding (conditioned model only).")
    lstm_units: int = Field(256, description="LSTM hidden units.")
    learning_rate: float = Field(2e-3, description="Adam learning rate.")
    clipnorm: float = Field(1.0, description="Gradient norm clipping, for stable TBPTT.")
    max_epochs: int = Field(
        4,
        description="Epoch cap (early stopping may end sooner). 4 keeps the sample run short; on real lyrics "
        "validation loss still falls after 12 epochs, so use 20 there.",
    )
    patience: int = Field(2, description="Epochs without a better validation loss before training stops.")

    def settings(self) -> ModelSettings:
        return ModelSettings(
            self.embedding_dim, self.artist_embedding_dim, self.lstm_units, self.learning_rate, self.clipnorm
        )


def _train(
    context: dg.AssetExecutionContext,
    task: str,
    conditioned: bool,
    config: CharLMConfig,
    resources: tuple[LakeResource, TrainingResource, MlflowResource],
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    lake, training, mlflow = resources
    layout = lyrics_tfrecords.set_index("split")
    vocabulary = Vocabulary.from_frame(char_vocabulary)
    data_version = hashlib.sha256(
        (lyrics_tfrecords[["split", "records", "bytes"]].to_json() + char_vocabulary.to_json()).encode()
    ).hexdigest()[:16]
    task_dir = model_dir(lake.models_dir(DOMAIN), task)
    with training.strategy().scope(), recorded_histories() as histories:
        trained = train_char_lm(
            {split: Path(layout.loc[split, "path"]) for split in ("train", "valid")},
            vocabulary,
            config.settings(),
            conditioned=conditioned,
            streams=int(layout.loc["train", "streams"]),
            window=int(layout.loc["train", "window"]),
            max_epochs=config.max_epochs,
            patience=config.patience,
            checkpoint_dir=task_dir / "checkpoints",
            seed=training.seed,
            data_version=data_version,
            tensorboard_dir=training.tensorboard_dir(DOMAIN, task),
        )
    outcome = trained.outcome
    version = write_version(
        task_dir,
        task,
        lambda folder: save_char_lm(trained.model, vocabulary, folder).name,
        config={**config.model_dump(), "conditioned": conditioned, "seed": training.seed},
        data_version=data_version,
        code_version=code_version(PACKAGE_DIR),
        metrics={"best_val_bits_per_char": outcome.best_monitor_value / math.log(2)},
    )
    mlflow.log_version(task, version, histories, dagster_tags(context))
    summary = pd.DataFrame([{
        "task": task, "version": version.version, "path": version.path, "conditioned": conditioned,
        "epochs_run": outcome.epochs_run, "best_epoch": outcome.best_epoch,
        "best_val_loss": outcome.best_monitor_value, "stopped_early": outcome.stopped_early,
        "train_seconds": trained.train_seconds, "hyperparameters": json.dumps(config.model_dump()),
    }])  # fmt: skip
    return dg.Output(
        summary,
        metadata={
            **{name: dg.MetadataValue.text(str(value)) for name, value in config.model_dump().items()},
            "version": version.version,
            "epochs_run": outcome.epochs_run,
            "best_epoch": outcome.best_epoch,
            "best_val_bits_per_char": outcome.best_monitor_value / math.log(2),
            "train_seconds": trained.train_seconds,
            "resumed_from_epoch": outcome.resumed_from_epoch,
            "path": dg.MetadataValue.path(version.path),
        },
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, **MODEL_ASSET_ARGS)
def char_lm_model(
    context: dg.AssetExecutionContext,
    config: CharLMConfig,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Character-level LSTM language model of lyrics (no artist input), trained with stateful TBPTT.

    Early stopping on validation loss, a checkpoint per epoch (resumes after a crash), TensorBoard logs.
    Each training is a new version `models/char_lm/<version>/` (model.keras + vocabulary.json).
    """
    return _train(context, "char_lm", False, config, (lake, training, mlflow), lyrics_tfrecords, char_vocabulary)


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, **MODEL_ASSET_ARGS)
def artist_char_lm_model(
    context: dg.AssetExecutionContext,
    config: CharLMConfig,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Artist-conditioned character LSTM: an artist embedding is concatenated to every character input."""
    resources = (lake, training, mlflow)
    return _train(context, "artist_char_lm", True, config, resources, lyrics_tfrecords, char_vocabulary)
