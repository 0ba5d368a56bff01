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


def _character_model_asset(task: str, conditioned: bool, description: str) -> dg.AssetsDefinition:
    """The asset `<task>_model`: a character LSTM trained as a new version of `task`, with the artist as an
    input when `conditioned`. Both lyrics models are this asset but for that input."""

    @dg.asset(
        name=f"{task}_model", group_name=DOMAIN, kinds={"tensorflow"}, description=description, **MODEL_ASSET_ARGS
    )
    def character_model(
        context: dg.AssetExecutionContext,
        config: ModelSettings,
        lake: LakeResource,
        training: TrainingResource,
        mlflow: MlflowResource,
        lyrics_tfrecords: pd.DataFrame,
        char_vocabulary: pd.DataFrame,
    ) -> dg.Output[pd.DataFrame]:
        layout = lyrics_tfrecords.set_index("split")
        vocabulary = Vocabulary.from_frame(char_vocabulary)

        def train(run: TrainingRun) -> Trained:
            fitted = train_char_lm(
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
            summary = {
                "task": task,
                "conditioned": conditioned,
                **fitted.summary_fields(),
                "hyperparameters": json.dumps(config.model_dump()),
            }
            return Trained(
                lambda folder: save_char_lm(fitted.model, vocabulary, folder).name,
                {"best_val_bits_per_char": fitted.outcome.best_monitor_value / math.log(2)},
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

    return character_model


char_lm_model = _character_model_asset(
    "char_lm",
    conditioned=False,
    description="""Character-level LSTM language model of lyrics (no artist input), trained with stateful TBPTT.

Early stopping on validation loss, a checkpoint per epoch (resumes after a crash), TensorBoard logs.
Each training is a new version `models/char_lm/<version>/` (model.keras + vocabulary.json).""",
)
artist_char_lm_model = _character_model_asset(
    "artist_char_lm",
    conditioned=True,
    description="Artist-conditioned character LSTM: an artist embedding is concatenated to every character input.",
)
