"""Lyrics model assets: the two character LSTMs, their evaluation report and text samples."""

import json
import math
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.dagster_metadata import TRAINING_ASSET_ARGS
from assets.lyrics.model import ModelSettings, model_dir, train_char_lm
from assets.lyrics.vocabulary import Vocabulary
from resources.lake import LakeResource
from resources.training import TrainingResource

DOMAIN = "lyrics"


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
    task: str,
    conditioned: bool,
    config: CharLMConfig,
    lake: LakeResource,
    training: TrainingResource,
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    layout = lyrics_tfrecords.set_index("split")
    with training.strategy().scope():
        trained = train_char_lm(
            {split: Path(layout.loc[split, "path"]) for split in ("train", "valid")},
            Vocabulary.from_frame(char_vocabulary),
            config.settings(),
            conditioned=conditioned,
            streams=int(layout.loc["train", "streams"]),
            window=int(layout.loc["train", "window"]),
            max_epochs=config.max_epochs,
            patience=config.patience,
            output_dir=model_dir(lake.models_dir(DOMAIN), task),
            seed=training.seed,
            data_version=lyrics_tfrecords[["split", "records", "bytes"]].to_json(),
            tensorboard_dir=training.tensorboard_dir(DOMAIN, task),
        )
    outcome = trained.outcome
    summary = pd.DataFrame([{
        "task": task, "path": str(model_dir(lake.models_dir(DOMAIN), task)), "conditioned": conditioned,
        "epochs_run": outcome.epochs_run, "best_epoch": outcome.best_epoch,
        "best_val_loss": outcome.best_monitor_value, "stopped_early": outcome.stopped_early,
        "train_seconds": trained.train_seconds, "hyperparameters": json.dumps(config.model_dump()),
    }])  # fmt: skip
    return dg.Output(
        summary,
        metadata={
            **{name: dg.MetadataValue.text(str(value)) for name, value in config.model_dump().items()},
            "epochs_run": outcome.epochs_run,
            "best_epoch": outcome.best_epoch,
            "best_val_bits_per_char": outcome.best_monitor_value / math.log(2),
            "train_seconds": trained.train_seconds,
            "resumed_from_epoch": outcome.resumed_from_epoch,
            "path": dg.MetadataValue.path(summary.loc[0, "path"]),
        },
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, **TRAINING_ASSET_ARGS)
def char_lm_model(
    config: CharLMConfig,
    lake: LakeResource,
    training: TrainingResource,
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Character-level LSTM language model of lyrics (no artist input), trained with stateful TBPTT.

    Early stopping on validation loss, a checkpoint per epoch (resumes after a crash), TensorBoard logs.
    """
    return _train("char_lm", False, config, lake, training, lyrics_tfrecords, char_vocabulary)


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, **TRAINING_ASSET_ARGS)
def artist_char_lm_model(
    config: CharLMConfig,
    lake: LakeResource,
    training: TrainingResource,
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Artist-conditioned character LSTM: an artist embedding is concatenated to every character input."""
    return _train("artist_char_lm", True, config, lake, training, lyrics_tfrecords, char_vocabulary)
