"""Expressive piano performances: their notes, the note-velocity BiLSTM and its report."""

import functools
import json
from collections.abc import Iterator

import dagster as dg
import pandas as pd

from assets.common.champions import challenger_fields
from assets.common.dagster_metadata import (
    MODEL_ASSET_ARGS,
    check_result_from_validation,
    report_metadata,
    table_metadata,
)
from assets.common.expectations import validate_frame
from assets.common.lifecycle import Trained, TrainingRun, content_hash, train_version
from assets.common.model_registry import read_version
from assets.common.quarantine import NoGoodRecordsError, write_quarantine
from assets.common.reports import strong_baseline_blocks_field
from assets.midi.paths import DOMAIN, PACKAGE_DIR, VELOCITY_TASK, task_dir
from assets.midi.velocity_notes import parse_performances
from assets.midi.velocity_training import VelocitySettings
from resources.lake import LakeResource
from resources.tracking import MlflowResource
from resources.training import TrainingResource


@dg.asset(group_name=DOMAIN, kinds={"pandas", "parquet"})
def performance_notes(
    context: dg.AssetExecutionContext, lake: LakeResource, raw_piano_velocity_files: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    """Every note of the expressive piano performances (onset, offset, pitch, velocity, sustain pedal).

    Unreadable files, files without notes or with constant velocities, and notes outside the 88 keys
    go to the quarantine with the reason. The source is optional: no files give an empty table, but files
    of which none is usable fail the step (the previous table stays)."""
    notes, bad = parse_performances(raw_piano_velocity_files)
    write_quarantine(lake.quarantine_dir(DOMAIN), "performance_notes", bad)
    if notes.empty and len(raw_piano_velocity_files):
        raise NoGoodRecordsError.from_records("performance_notes", bad)
    context.log.info(f"{len(notes)} notes from {notes['performance'].nunique()} performances, {bad.total} problems")
    return dg.Output(
        notes,
        metadata={
            **table_metadata(notes),
            "quarantined_records": bad.total,
            "performances": int(notes["performance"].nunique()),
        },
    )


@dg.asset_check(asset=performance_notes, blocking=True)
def performance_notes_are_valid(performance_notes: pd.DataFrame) -> dg.AssetCheckResult:
    """Velocities 1-127, pitches on the 88 keys, offsets after onsets, no missing values."""
    checked = performance_notes.assign(duration=performance_notes["offset"] - performance_notes["onset"])
    validation = validate_frame(
        checked,
        "performance_notes",
        [
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="velocity", min_value=1, max_value=127),
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="pitch", min_value=21, max_value=108),
            lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="duration", min_value=0, strict_min=True),
            lambda gxe: gxe.ExpectColumnValuesToNotBeNull(column="onset"),
            lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="sustain", value_set=[0, 1]),
        ],
    )
    return check_result_from_validation(validation, notes=len(checked))


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, output_required=False, **MODEL_ASSET_ARGS)
def velocity_model(
    context: dg.AssetExecutionContext,
    config: VelocitySettings,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
    performance_notes: pd.DataFrame,
) -> Iterator[dg.Output[pd.DataFrame]]:
    """Bidirectional LSTM predicting each note's key velocity from the surrounding note activations
    (pitch, duration, timing, chord, notes held, density, sustain pedal); linear output, MSE loss.
    Skipped (with its report) when the optional piano_velocity/ folder has no usable performance."""
    from assets.midi.velocity_training import save_velocity_model, train_velocity_model

    if performance_notes.empty:
        context.log.warning("no performance notes (piano_velocity/ is optional): the velocity model is skipped")
        return

    def train(run: TrainingRun) -> Trained:
        model, stats, summary = train_velocity_model(
            performance_notes,
            config,
            seed=run.seed,
            checkpoint_dir=run.checkpoint_dir,
            tensorboard_dir=run.tensorboard_dir,
            fingerprint=run.fingerprint,
        )
        save = functools.partial(save_velocity_model, model, stats)
        return Trained(save, metrics={"best_valid_loss": summary["best_valid_loss"]}, summary=summary)

    version, table, metadata = train_version(
        context,
        task=VELOCITY_TASK,
        task_dir=task_dir(lake, VELOCITY_TASK),
        config=config,
        data_version=content_hash(performance_notes),
        package_dir=PACKAGE_DIR,
        training=training,
        mlflow=mlflow,
        train=train,
    )
    summary = table.iloc[0]
    context.log.info(
        f"velocity model {version.version}: {summary['epochs_run']} epochs in {summary['train_seconds']:.0f} s"
    )
    yield dg.Output(table, metadata=metadata)


class VelocityReportConfig(dg.Config):
    """Whether the candidate must beat the ridge regression (the strong baseline) to be blessed."""

    strong_baseline_blocks: bool = strong_baseline_blocks_field(
        True,
        "On the real performance (bench/results/real_midi.json) the BiLSTM on the ridge's residual scores test "
        "MAE 7.35 / 7.22 (seeds 0 / 1) against the ridge's 7.93, so it must beat it.",
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"})
def velocity_report(
    config: VelocityReportConfig, lake: LakeResource, performance_notes: pd.DataFrame, velocity_model: pd.DataFrame
) -> dg.MaterializeResult:
    """Velocity MAE of the held-out last 15% of each performance vs the mean training velocity and the strong
    baseline, a ridge regression on the features of each note and its 4 neighbours either side (alpha chosen on
    the valid notes), with a plot of predicted and true velocities over time, and the current champion's MAE
    on the same notes."""
    from assets.common.reports import write_report
    from assets.midi.velocity_evaluation import evaluate_velocity, score_velocity_model

    summary = velocity_model.iloc[0].to_dict()
    report, plots = evaluate_velocity(performance_notes, summary, config.strong_baseline_blocks)
    split_settings = VelocitySettings(**json.loads(summary["hyperparameters"]))
    folder = task_dir(lake, VELOCITY_TASK)
    report.extra.update(
        challenger_fields(
            folder,
            VELOCITY_TASK,
            read_version(folder / summary["version"]),
            report.metrics,
            lambda champion: score_velocity_model(
                performance_notes, split_settings, champion.model_path, int(champion.config["window_notes"])
            ),
        )
    )
    paths = write_report(lake.reports_dir(DOMAIN), "velocity", report, plots)
    return dg.MaterializeResult(metadata=report_metadata(report, paths, plots))
