"""Model inputs and models: `mel_spectrograms`, `audio_tfrecords`, the contenders `genre_classic_models` and
`genre_cnn_model`, and `genre_model`, the version of each collection's genre task chosen among them."""

import importlib.util
import json
import os
import uuid
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.audio.cnn import CnnSettings
from assets.audio.feature_table import clip_list
from assets.audio.features import MAX_CLIP_SECONDS, available_workers, map_clips
from assets.audio.spectrograms import (
    encode_example,
    mel_for_clip,
    mel_table,
    shard_manifests,
    tfrecords_dir,
    write_labels,
)
from assets.common.dagster_metadata import MODEL_ASSET_ARGS, TRAINED_MODEL_TAGS, table_metadata
from assets.common.lifecycle import content_hash, train_version
from assets.common.model_files import record_sha256
from assets.common.quarantine import BadRecord, BadRecords, write_quarantine
from resources.lake import LakeResource
from resources.tracking import MlflowResource
from resources.training import TrainingResource

DOMAIN = "audio"
PACKAGE_DIR = Path(__file__).resolve().parent
SPLITS = ("train", "valid", "test")
CLASSIC_MODELS = ["logistic_regression", "knn", "gaussian_nb", "svm"]


def model_dir(lake: LakeResource, task: str, collection: str) -> Path:
    """The one place that says where a trained audio model is saved."""
    return lake.models_dir(DOMAIN) / task / collection


def save_keras_model(model: object, path: Path) -> Path:
    """Save under a temporary `.keras` name, then rename (a crash never leaves a half-written model), and record
    its SHA-256 beside it (checked before it is loaded)."""
    temporary = path.with_name(f".{path.stem}.tmp-{uuid.uuid4().hex[:8]}.keras")
    model.save(temporary)
    os.replace(temporary, path)
    return record_sha256(path)


class MelConfig(dg.Config):
    n_mels: int = Field(default=64, description="Mel bands of the spectrogram.")
    frames: int = Field(default=128, description="Frames per clip (hop 512 at 22,050 Hz: 128 frames = 3 s, centred).")
    workers: int = Field(default=0, description="Processes for decoding; 0 means every available core.")
    max_clip_seconds: float = Field(
        default=MAX_CLIP_SECONDS,
        gt=0,
        description="Longest clip decoded, in seconds, checked from the file header before decoding (real clips "
        "are 30 s). A longer clip is quarantined and gets no spectrogram.",
    )


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def mel_spectrograms(
    context: dg.AssetExecutionContext, config: MelConfig, lake: LakeResource, clean_tracks: pd.DataFrame
) -> pd.DataFrame:
    """A fixed-size log-mel spectrogram (frames x mels, dB) from the centre of every clip, for the CNN.

    Tracks without a clip (GTZAN rows known only from the published table) have none; clips that fail to
    decode or are longer than `max_clip_seconds` are quarantined.
    """
    with_audio = clean_tracks[clean_tracks["audio_path"].notna()]
    workers = config.workers or available_workers()
    results = map_clips(
        mel_for_clip,
        clip_list(with_audio),
        workers,
        n_mels=config.n_mels,
        frames=config.frames,
        max_seconds=config.max_clip_seconds,
    )
    bad = BadRecords(BadRecord(result.path, None, result.error) for result in results if result.error)
    write_quarantine(lake.quarantine_dir(DOMAIN), "mel_spectrograms", bad)
    mels = mel_table(results, with_audio, config.frames, config.n_mels)
    context.add_output_metadata({**table_metadata(mels.drop(columns="mel")), "quarantined_records": bad.total})
    return mels


class TfRecordConfig(dg.Config):
    num_shards: int = Field(default=16, description="TFRecord files per split.")
    compression: str = Field(default="", description='"" for none or "GZIP".')


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"})
def audio_tfrecords(
    context: dg.AssetExecutionContext, config: TfRecordConfig, lake: LakeResource, mel_spectrograms: pd.DataFrame
) -> dg.MaterializeResult:
    """Log-mel spectrograms as sharded TFRecords per collection and split (`tfrecords/<collection>/<split>/`),
    with the genre list in `labels.json`; read back with tf.data (interleave, parallel parse, cache, prefetch)."""
    import numpy as np

    from assets.common.tfrecords import write_shards

    summaries = {}
    for collection, mels in mel_spectrograms.groupby("collection", sort=True):
        genres = sorted(mels["genre"].unique())
        frames, n_mels = int(mels["frames"].iloc[0]), int(mels["n_mels"].iloc[0])
        directory = tfrecords_dir(lake.domain_dir(DOMAIN), str(collection))
        write_labels(directory, genres, frames, n_mels)
        for split in SPLITS:
            part = mels[mels["split"] == split]
            examples = (
                encode_example(np.asarray(mel, dtype=np.float32), genres.index(genre), track_id)
                for mel, genre, track_id in zip(part["mel"], part["genre"], part["track_id"], strict=True)
            )
            summary = write_shards(examples, directory / split, config.num_shards, config.compression)
            summaries[f"{collection}/{split}"] = summary.as_metadata()
        context.log.info(f"{collection}: {len(mels)} clips in {len(genres)} genres written")
    return dg.MaterializeResult(
        metadata={
            "shards": dg.MetadataValue.json(summaries),
            "records": sum(summary["records"] for summary in summaries.values()),
            "path": dg.MetadataValue.path(str(lake.domain_dir(DOMAIN) / "tfrecords")),
        }
    )


class ClassicModelsConfig(dg.Config):
    models: list[str] = Field(
        default=CLASSIC_MODELS,
        description="Which scikit-learn pipelines to tune on valid and refit on train+valid.",
    )


@dg.asset(group_name=DOMAIN, kinds={"sklearn"}, tags=TRAINED_MODEL_TAGS)
def genre_classic_models(
    context: dg.AssetExecutionContext,
    config: ClassicModelsConfig,
    lake: LakeResource,
    audio_features: pd.DataFrame,
) -> pd.DataFrame:
    """scikit-learn genre classifiers per collection (log of the variance features, scaling, then logistic
    regression, kNN, Gaussian naive Bayes or an RBF SVM): hyperparameters picked on the valid split,
    refitted on train+valid, saved with joblib. One row per model with its path and choice."""
    import joblib

    from assets.audio.classic import tune_and_refit

    rows = []
    for collection, features in audio_features.groupby("collection", sort=True):
        if not {"train", "valid"} <= set(features["split"]):
            context.log.warning(f"{collection}: no train and valid tracks with features, skipped")
            continue
        for name in config.models:
            fitted = tune_and_refit(name, features)
            path = model_dir(lake, "genre_classic", str(collection)) / f"{name}.joblib"
            path.parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(fitted.pipeline, path)
            record_sha256(path)
            context.log.info(f"{collection}/{name}: {fitted.params} valid accuracy {fitted.valid_accuracy:.3f}")
            rows.append(
                {
                    "collection": collection,
                    "model": name,
                    "path": str(path),
                    "hyperparameters": json.dumps(fitted.params),
                    "valid_accuracy": fitted.valid_accuracy,
                }
            )
    models = pd.DataFrame(rows, columns=["collection", "model", "path", "hyperparameters", "valid_accuracy"])
    context.add_output_metadata(table_metadata(models, preview_rows=len(models)))
    return models


def tensorboard_dir(context: dg.AssetExecutionContext, training: TrainingResource, collection: str) -> Path | None:
    """The TensorBoard log folder, or None (logged) when the tensorboard package is not installed."""
    if importlib.util.find_spec("tensorboard") is None:
        context.log.info("tensorboard is not installed: training runs without TensorBoard logs")
        return None
    return training.tensorboard_dir(DOMAIN, f"genre_cnn_{collection}")


CNN_COLUMNS = [
    "collection", "path", "hyperparameters", "valid_accuracy", "history", "epochs_run", "best_epoch",
    "best_val_loss", "stopped_early", "resumed_from_epoch", "train_seconds",
]  # fmt: skip


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, deps=[audio_tfrecords], **MODEL_ASSET_ARGS)
def genre_cnn_model(
    context: dg.AssetExecutionContext,
    config: CnnSettings,
    lake: LakeResource,
    training: TrainingResource,
    mel_spectrograms: pd.DataFrame,
) -> pd.DataFrame:
    """A 2-D CNN on the log-mel TFRecords for each collection with at least 5 training clips per genre:
    early stopping on valid loss, a checkpoint every epoch (a crashed run resumes), TensorBoard logs.
    One row per trained collection with the saved `.keras` path, its valid accuracy and learning curves
    (`genre_model` chooses between it and the scikit-learn models)."""
    from assets.audio.cnn import enough_training_clips, predict_split, train_cnn
    from assets.common.training import recorded_histories

    rows = []
    for collection, mels in mel_spectrograms.groupby("collection", sort=True):
        usable, reason = enough_training_clips(mels)
        if not usable:
            context.log.info(f"{collection}: CNN skipped ({reason})")
            continue
        shards = tfrecords_dir(lake.domain_dir(DOMAIN), str(collection))
        directory = model_dir(lake, "genre_cnn", str(collection))
        fingerprint = content_hash(config.model_dump(), *shard_manifests(shards), training.seed)
        with training.strategy().scope(), recorded_histories() as histories:
            fitted = train_cnn(
                shards,
                config,
                training.seed,
                directory / "checkpoints",
                fingerprint,
                tensorboard_dir(context, training, str(collection)),
            )
        summary = fitted.summary_fields(seconds_digits=2)
        save_keras_model(fitted.model, directory / "model.keras")
        truth, predicted = predict_split(fitted.model, shards, "valid")
        valid_accuracy = float((truth == predicted).mean()) if len(truth) else 0.0
        context.log.info(f"{collection}: CNN valid accuracy {valid_accuracy:.3f}, {summary}")
        rows.append(
            {
                "collection": collection,
                "path": str(directory / "model.keras"),
                "hyperparameters": json.dumps(config.model_dump()),
                "valid_accuracy": valid_accuracy,
                "history": json.dumps(histories),
                **summary,
            }
        )
    models = pd.DataFrame(rows, columns=CNN_COLUMNS)
    context.add_output_metadata(
        {
            **table_metadata(models.drop(columns="history")),
            "config": dg.MetadataValue.json(config.model_dump()),
            "device": training.device_name,
        }
    )
    return models


class GenreModelConfig(dg.Config):
    contenders: list[str] = Field(
        default=[*CLASSIC_MODELS, "cnn"],
        description="The trained models that may become a collection's model: the one with the best valid "
        "accuracy is chosen (a tie goes to the scikit-learn pipelines in `genre_classic_models` order, then the "
        "CNN); test is never looked at.",
    )


@dg.asset(group_name=DOMAIN, kinds={"sklearn", "tensorflow"}, **MODEL_ASSET_ARGS)
def genre_model(
    context: dg.AssetExecutionContext,
    config: GenreModelConfig,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
    audio_features: pd.DataFrame,
    genre_classic_models: pd.DataFrame,
    genre_cnn_model: pd.DataFrame,
) -> pd.DataFrame:
    """The genre model of each collection, recorded as a new version of `genre_<collection>` (and an
    MLflow run with the CNN's learning curves when it wins): whichever of the tuned scikit-learn pipelines
    and the CNN has the best valid accuracy. One row per collection that has a trained model."""
    from assets.audio.champion import choose_on_valid, contender_table, data_version, genre_task, trained_choice

    tables, metadata = [], {}
    for collection, features in audio_features.groupby("collection", sort=True):
        contenders = contender_table(genre_classic_models, genre_cnn_model, str(collection), config.contenders)
        if contenders.empty:
            context.log.warning(f"{collection}: no trained model to choose from (its report says why)")
            continue
        chosen = choose_on_valid(contenders)
        shards = tfrecords_dir(lake.domain_dir(DOMAIN), str(collection))
        task = genre_task(str(collection))
        genres = sorted(features["genre"].unique())
        version, table, version_metadata = train_version(
            context,
            task=task,
            task_dir=lake.models_dir(DOMAIN) / task,
            config=config,
            data_version=data_version(features, shards),
            package_dir=PACKAGE_DIR,
            training=training,
            mlflow=mlflow,
            train=lambda run, chosen=chosen, shards=shards, genres=genres: trained_choice(chosen, shards, genres),
        )
        context.log.info(f"{collection}: {chosen['model']} (valid accuracy {chosen['valid_accuracy']:.3f})")
        tables.append(table.assign(collection=str(collection)))
        metadata[f"{collection}_version"] = version.version
        metadata[f"{collection}_valid_accuracy"] = version_metadata["valid_accuracy"]
    columns = ["collection", "version", "model_path", "model", "valid_accuracy"]
    models = pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)
    context.add_output_metadata({**table_metadata(models), **metadata, "device": training.device_name})
    return models
