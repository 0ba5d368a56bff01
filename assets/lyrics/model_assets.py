"""Lyrics model assets: the two character LSTMs, their evaluation report and text samples."""

import json
import math
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.common.dagster_metadata import MODEL_ASSET_ARGS
from assets.common.lifecycle import Trained, TrainingRun, content_hash, train_version
from assets.lyrics.model import ModelSettings, model_dir, save_char_lm, train_char_lm
from assets.lyrics.vocabulary import Vocabulary
from resources.lake import LakeResource
from resources.tracking import MlflowResource
from resources.training import TrainingResource

DOMAIN = "lyrics"
PACKAGE_DIR = Path(__file__).parent


def _train(
    context: dg.AssetExecutionContext,
    task: str,
    conditioned: bool,
    config: ModelSettings,
    resources: tuple[LakeResource, TrainingResource, MlflowResource],
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    lake, training, mlflow = resources
    layout = lyrics_tfrecords.set_index("split")
    vocabulary = Vocabulary.from_frame(char_vocabulary)

    def train(run: TrainingRun) -> Trained:
        trained = train_char_lm(
            {split: Path(layout.loc[split, "path"]) for split in ("train", "valid")},
            vocabulary,
            config,
            conditioned=conditioned,
            streams=int(layout.loc["train", "streams"]),
            window=int(layout.loc["train", "window"]),
            checkpoint_dir=run.checkpoint_dir,
            seed=run.seed,
            fingerprint=run.fingerprint,
            tensorboard_dir=run.tensorboard_dir,
        )
        outcome = trained.outcome
        summary = {
            "task": task, "conditioned": conditioned, "epochs_run": outcome.epochs_run,
            "best_epoch": outcome.best_epoch, "best_val_loss": outcome.best_monitor_value,
            "stopped_early": outcome.stopped_early, "resumed_from_epoch": outcome.resumed_from_epoch,
            "train_seconds": trained.train_seconds, "hyperparameters": json.dumps(config.model_dump()),
        }  # fmt: skip
        return Trained(
            lambda folder: save_char_lm(trained.model, vocabulary, folder).name,
            {"best_val_bits_per_char": outcome.best_monitor_value / math.log(2)},
            summary,
            config={"conditioned": conditioned},
        )

    version, summary, metadata = train_version(
        context,
        task=task,
        task_dir=model_dir(lake.models_dir(DOMAIN), task),
        config=config,
        data_version=content_hash(lyrics_tfrecords[["split", "records", "bytes"]], char_vocabulary),
        package_dir=PACKAGE_DIR,
        training=training,
        mlflow=mlflow,
        train=train,
    )
    summary.insert(2, "path", version.path)
    row = summary.iloc[0]
    return dg.Output(
        summary,
        metadata={
            **metadata,
            "epochs_run": int(row["epochs_run"]),
            "best_epoch": int(row["best_epoch"]),
            "train_seconds": float(row["train_seconds"]),
            "resumed_from_epoch": int(row["resumed_from_epoch"]),
            "path": dg.MetadataValue.path(version.path),
        },
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, **MODEL_ASSET_ARGS)
def char_lm_model(
    context: dg.AssetExecutionContext,
    config: ModelSettings,
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
    config: ModelSettings,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
    lyrics_tfrecords: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Artist-conditioned character LSTM: an artist embedding is concatenated to every character input."""
    resources = (lake, training, mlflow)
    return _train(context, "artist_char_lm", True, config, resources, lyrics_tfrecords, char_vocabulary)
