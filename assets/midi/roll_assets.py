"""Nottingham piano rolls: rolls, TFRecord shards, the LSTM, its report and sampled tunes."""

import functools
import hashlib
import json
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.champions import challenger_fields
from assets.common.dagster_metadata import (
    MODEL_ASSET_ARGS,
    check_result_from_validation,
    report_metadata,
    table_metadata,
)
from assets.common.expectations import validate_frame
from assets.common.fingerprint import file_sha256
from assets.common.lifecycle import Trained, TrainingRun, train_version
from assets.common.model_registry import champion_version, read_version
from assets.common.quarantine import NoGoodRecordsError, write_quarantine
from assets.common.reports import strong_baseline_blocks_field
from assets.common.splits import SPLITS
from assets.midi import rolls as roll_parsing
from assets.midi.paths import DOMAIN, PACKAGE_DIR, PIANOROLL_TASK, task_dir, tfrecords_dir
from assets.midi.roll_model import RollModelSettings
from resources.lake import LakeResource
from resources.tracking import MlflowResource
from resources.training import TrainingResource


class PianoRollConfig(dg.Config):
    frame_seconds: float = Field(default=0.25, description="Frame length in seconds (0.25 = an eighth at 120 BPM).")
    transpose_to_c: bool = Field(
        default=True, description="Transpose each tune to C major / A minor from its first key signature."
    )
    max_frames_per_tune: int = Field(
        default=roll_parsing.MAX_FRAMES_PER_TUNE,
        gt=0,
        description="Longest tune kept, in frames, checked from the last note end before the roll is allocated "
        "(the longest real Nottingham tune has 1,788 frames of 0.25 s). A longer tune is quarantined.",
    )


@dg.asset(group_name=DOMAIN, kinds={"pandas", "parquet"})
def piano_rolls(
    context: dg.AssetExecutionContext, config: PianoRollConfig, lake: LakeResource, raw_nottingham_files: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    """88-key binary piano rolls (MIDI 21-108) of every Nottingham tune, one row per frame.

    Frame t holds the notes sounding at (t+1) x frame length; tunes are transposed to C major / A minor.
    Corrupt, empty, misplaced or too long (`max_frames_per_tune`) MIDI files go to the quarantine with the reason."""
    tunes, bad = roll_parsing.parse_tunes(
        raw_nottingham_files, config.frame_seconds, config.transpose_to_c, config.max_frames_per_tune
    )
    write_quarantine(lake.quarantine_dir(DOMAIN), "piano_rolls", bad)
    if not tunes:
        raise NoGoodRecordsError.from_records("piano_rolls", bad)
    table = roll_parsing.rolls_to_table(tunes)
    tunes_per_split = {split: sum(tune.split == split for tune in tunes) for split in SPLITS}
    context.log.info(f"{len(tunes)} tunes, {len(table)} frames, {bad.total} quarantined problems")
    return dg.Output(
        table,
        metadata={
            **table_metadata(table),
            "quarantined_records": bad.total,
            "tunes_per_split": dg.MetadataValue.json(tunes_per_split),
            "mean_active_keys": float(table["active_keys"].map(len).mean()),
            "config": dg.MetadataValue.json(config.model_dump()),
        },
    )


@dg.asset_check(asset=piano_rolls, blocking=True)
def piano_rolls_are_valid(piano_rolls: pd.DataFrame) -> dg.AssetCheckResult:
    """Keys within the 88-key range, no empty tune, split labels from train/valid/test, unique tunes."""
    summary = roll_parsing.tune_summary(piano_rolls)
    validation = validate_frame(
        summary,
        "piano_rolls",
        [
            lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="split", value_set=list(SPLITS)),
            lambda gxe: gxe.ExpectColumnValuesToBeUnique(column="tune_id"),
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="frames", min_value=2),
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="active_notes", min_value=1),
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="lowest_key", min_value=0, max_value=87),
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="highest_key", min_value=0, max_value=87),
            lambda gxe: gxe.ExpectColumnValuesToNotBeNull(column="lowest_key"),
        ],
    )
    return check_result_from_validation(validation, tunes=len(summary))


class PianoRollRecordsConfig(dg.Config):
    chunk_frames: int = Field(default=400, description="Longest chunk of a tune per record (chunks overlap by 1).")
    shards_per_split: int = Field(default=2, description="TFRecord files per split.")
    compression: str = Field(default="GZIP", description="TFRecord compression: GZIP or empty for none.")


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"})
def pianoroll_tfrecords(
    config: PianoRollRecordsConfig, lake: LakeResource, piano_rolls: pd.DataFrame
) -> dg.MaterializeResult:
    """Sharded TFRecords of piano-roll chunks per split (tune id, chunk index, frames, 88-key roll)."""
    from assets.common.tfrecords import write_shards
    from assets.midi.roll_records import encode_chunks

    shards = {}
    for split in sorted(set(piano_rolls["split"])):
        rolls = roll_parsing.table_to_rolls(piano_rolls, split)
        examples = encode_chunks(rolls, config.chunk_frames)
        directory = tfrecords_dir(lake) / split
        shards[split] = write_shards(examples, directory, config.shards_per_split, config.compression).as_metadata()
    return dg.MaterializeResult(
        metadata={
            "splits": dg.MetadataValue.json(shards),
            "records": sum(summary["records"] for summary in shards.values()),
            "path": dg.MetadataValue.path(str(tfrecords_dir(lake))),
        }
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, deps=[pianoroll_tfrecords], **MODEL_ASSET_ARGS)
def pianoroll_model(
    context: dg.AssetExecutionContext,
    config: RollModelSettings,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
) -> dg.Output[pd.DataFrame]:
    """LSTM that predicts the next piano-roll frame (a sigmoid per key, cross-entropy summed over keys).

    Trained on 100-frame windows with a random phase each epoch; early stopping on the valid split, or
    on a 10% tune hold-out of train when valid is the evaluation split (no test split)."""
    from assets.midi.roll_model import RollTrainingPlan, save_roll_model, train_roll_model

    splits = {path.name for path in tfrecords_dir(lake).iterdir() if path.is_dir()}
    monitor_is_holdout = "test" not in splits or "valid" not in splits
    plan = RollTrainingPlan(
        train_dir=tfrecords_dir(lake) / "train",
        monitor_dir=tfrecords_dir(lake) / ("train" if monitor_is_holdout else "valid"),
        monitor_is_train_holdout=monitor_is_holdout,
        window=config.window_frames,
        batch_size=config.batch_size,
        max_epochs=config.max_epochs,
        patience=config.patience,
        max_train_seconds=60.0 * config.max_train_minutes,
    )
    monitor = "train hold-out (10% of tunes)" if monitor_is_holdout else "valid"

    def train(run: TrainingRun) -> Trained:
        fitted = train_roll_model(
            config,
            plan,
            seed=run.seed,
            checkpoint_dir=run.checkpoint_dir,
            fingerprint=run.fingerprint,
            tensorboard_dir=run.tensorboard_dir,
        )
        outcome, seconds = fitted.outcome, fitted.train_seconds
        context.log.info(f"trained {outcome.epochs_run} epochs in {seconds:.0f} s, early stopping on {monitor}")
        summary = {
            "epochs_run": outcome.epochs_run,
            "best_epoch": outcome.best_epoch,
            "best_monitor_loss": outcome.best_monitor_value,
            "train_seconds": seconds,
            "early_stopping_on": monitor,
            "hyperparameters": json.dumps(config.model_dump()),
        }
        return Trained(
            functools.partial(save_roll_model, fitted.model), {"best_monitor_loss": outcome.best_monitor_value}, summary
        )

    _, summary, metadata = train_version(
        context,
        task=PIANOROLL_TASK,
        task_dir=task_dir(lake, PIANOROLL_TASK),
        config=config,
        data_version=_shards_version(tfrecords_dir(lake)),
        package_dir=PACKAGE_DIR,
        training=training,
        mlflow=mlflow,
        train=train,
    )
    return dg.Output(summary, metadata=metadata)


def _shards_version(shards: Path) -> str:
    """A hash of every shard file (split/name + content): the data version of the trained model."""
    digest = hashlib.sha256()
    for path in sorted(shards.glob("*/part-*.tfrecord")):
        digest.update(f"{path.parent.name}/{path.name}".encode())
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()[:16]


class PianoRollReportConfig(dg.Config):
    threshold: float = Field(default=0.5, description="Probability at which a key counts as predicted on.")
    strong_baseline_blocks: bool = strong_baseline_blocks_field(
        True,
        "On the real Nottingham valid tunes the LSTM scores 3.39 nats/step (frame accuracy 0.695) against the "
        "previous-frame logistic regression's 4.58 (0.653), so it must beat it.",
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"})
def pianoroll_report(
    config: PianoRollReportConfig, lake: LakeResource, piano_rolls: pd.DataFrame, pianoroll_model: pd.DataFrame
) -> dg.MaterializeResult:
    """Next-frame NLL per step (nats) and frame accuracy on test (valid without a test split), vs the key
    frequencies, a copy of the previous frame, the per-key Markov chain and the strong baseline, 88 logistic
    regressions on the previous frame (L2 penalty chosen on valid, or on a 10% hold-out of the training tunes
    when valid is the evaluation split), and the current champion's scores on the same tunes (for the
    blessing check)."""
    from assets.common.reports import write_report
    from assets.midi.roll_evaluation import evaluate_pianoroll, score_roll_model

    summary = pianoroll_model.iloc[0].to_dict()
    report, plots = evaluate_pianoroll(
        piano_rolls, summary, config.threshold, strong_baseline_blocks=config.strong_baseline_blocks
    )
    folder = task_dir(lake, PIANOROLL_TASK)
    report.extra.update(
        challenger_fields(
            folder,
            PIANOROLL_TASK,
            read_version(folder / summary["version"]),
            report.metrics,
            lambda champion: score_roll_model(champion.model_path, piano_rolls, config.threshold),
        )
    )
    paths = write_report(lake.reports_dir(DOMAIN), "pianoroll", report, plots)
    return dg.MaterializeResult(metadata=report_metadata(report, paths, plots))


class SampledTunesConfig(dg.Config):
    num_tunes: int = Field(default=4, description="How many tunes to generate.")
    primer_frames: int = Field(default=16, description="Frames of a real tune that start each sample (2 bars of 4/4).")
    new_frames: int = Field(default=112, description="Frames generated after the primer.")
    temperature: float = Field(default=1.0, description="Divides the logits: < 1 sharper, > 1 more random.")
    threshold: float = Field(default=0.0, description="> 0: a key is on at this probability (no sampling).")


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, deps=[f"{PIANOROLL_TASK}_champion"])
def sampled_tunes(
    config: SampledTunesConfig, lake: LakeResource, training: TrainingResource, piano_rolls: pd.DataFrame
) -> dg.MaterializeResult:
    """Tunes generated by the champion piano-roll model from real primers, as .mid files, with a picture
    of one sample next to the real tune it was primed with. Runs after a promotion."""
    from assets.common.reports import png_markdown
    from assets.midi.roll_evaluation import write_sampled_tunes

    champion = champion_version(task_dir(lake, PIANOROLL_TASK), PIANOROLL_TASK)
    written, png = write_sampled_tunes(
        piano_rolls,
        str(champion.model_path),
        lake.domain_dir(DOMAIN) / "sampled_tunes",
        num_tunes=config.num_tunes,
        primer_frames=config.primer_frames,
        new_frames=config.new_frames,
        temperature=config.temperature,
        threshold=config.threshold,
        seed=training.seed,
    )
    return dg.MaterializeResult(
        metadata={
            "files": dg.MetadataValue.json([path.name for path in written]),
            "path": dg.MetadataValue.path(str(written[0].parent)),
            "picture": dg.MetadataValue.md(png_markdown(png, "sampled vs real")),
            "config": dg.MetadataValue.json(config.model_dump()),
            "model_version": champion.version,
        }
    )
