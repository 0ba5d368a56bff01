"""Champion/challenger in Dagster: a blocking blessing check on each report, then a promotion asset.

A report asset that takes part writes two extra fields into its JSON (see :func:`challenger_fields`):
``candidate`` (the version it evaluated) and ``champion_before`` (the current champion re-evaluated on
the same test data, or null); ``write_report`` stores that evaluation in the candidate's version folder
and the report's materialization names the version (``candidate/<report name>``). The blessing check
and the promotion asset find the candidate through that materialization and call the same
:func:`judge`, so a promotion run on its own re-decides instead of trusting a report file; the rules of
the promotion itself are in :mod:`assets.common.promotion`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from assets.common.atomic import write_json_atomic
from assets.common.dagster_metadata import CANDIDATE_KEY
from assets.common.model_registry import ModelVersion, append_evaluation, read_champion, read_version
from assets.common.promotion import (
    Decision,
    champion_lease,
    decide,
    promote_if_unchanged,
    read_evaluation,
    task_lock,
)
from assets.common.reports import read_no_candidate
from resources.lake import LakeResource
from resources.tracking import MlflowResource


@dataclass(frozen=True)
class ChampionTask:
    """One model task: where its versions live and how its report is judged."""

    domain: str
    task: str
    report_asset: str
    report_name: str
    primary_metric: str
    higher_is_better: bool
    tolerance: float
    check_name: str = ""  # set when several tasks share one report asset (default `<report_asset>_blessing`)

    @property
    def blessing_name(self) -> str:
        return self.check_name or f"{self.report_asset}_blessing"

    def task_dir(self, lake: LakeResource) -> Path:
        return lake.models_dir(self.domain) / self.task

    def report_path(self, lake: LakeResource) -> Path:
        return lake.reports_dir(self.domain) / f"{self.report_name}.json"


def challenger_fields(
    task_dir: Path,
    task: str,
    candidate: ModelVersion,
    candidate_metrics: dict[str, float],
    evaluate: Callable[[ModelVersion], dict[str, float]],
) -> dict[str, Any]:
    """Report fields naming the candidate and the champion's metrics on the same test data.

    Also appends the candidate's metrics to the task's evaluation history (the leaderboard's plot).
    """
    with task_lock(task_dir):
        append_evaluation(task_dir, candidate.version, candidate_metrics)
    champion_metrics = None
    with champion_lease(task_dir) as pointer:
        if pointer is not None:
            champion = read_version(Path(task_dir) / pointer["version"])
            champion_metrics = {"version": champion.version, "metrics": evaluate(champion)}
    return {
        "candidate": {"version": candidate.version, "path": candidate.path},
        "champion_before": champion_metrics,
        "promoted": False,
    }


class PromotionConfig(dg.Config):
    keep_versions: int = Field(default=5, description="Versions kept per task after promotion (never the champion).")


def _no_report(spec: ChampionTask, lake: LakeResource) -> tuple[bool, dict[str, Any]]:
    """Whether a task without a report this run may pass its blessing, and the check's metadata.

    It passes only when its report asset recorded that the task's input data is absent; data that is
    present but produced no candidate, or no record at all, fails (a green run must have a model)."""
    unnamed = f"the `{spec.report_asset}` materialization names no `{CANDIDATE_KEY}{spec.report_name}`"
    record = read_no_candidate(lake.reports_dir(spec.domain), spec.report_name)
    if record is not None and not record["input_present"]:
        skipped = f"no report {spec.report_path(lake).name}: {record['reason']}; no candidate to bless or promote"
        return True, {"skipped": skipped, "reasons": "input data absent"}
    reason = record["reason"] if record is not None else f"{unnamed} and recorded no reason for having none"
    return False, {"reasons": f"no {spec.task} candidate: {reason}"}


def _report_materialization(
    instance: dg.DagsterInstance, run_id: str, report_asset: str
) -> dg.AssetMaterialization | None:
    """The report's materialization of this run when it ran here, else its latest one in the instance."""
    key = dg.AssetKey(report_asset)
    own = [
        entry.asset_materialization
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        if entry.asset_materialization is not None and entry.asset_materialization.asset_key == key
    ]
    if own:
        return own[-1]
    latest = instance.get_latest_materialization_event(key)
    return latest.asset_materialization if latest is not None else None


@dataclass(frozen=True)
class Judgement:
    """What the blessing check and the promotion both act on: one decision, or why there is none."""

    decision: Decision | None
    passed: bool
    metadata: dict[str, Any]
    evaluation: dict[str, Any] | None = None


def judge(spec: ChampionTask, lake: LakeResource, instance: dg.DagsterInstance, run_id: str) -> Judgement:
    """Find the candidate through the report's materialization and decide from its stored evaluation."""
    materialization = _report_materialization(instance, run_id, spec.report_asset)
    if materialization is None:
        reason = f"`{spec.report_asset}` was never materialized in this Dagster instance: materialize it first"
        return Judgement(None, False, {"reasons": f"no {spec.task} candidate: {reason}"})
    candidate = materialization.metadata.get(f"{CANDIDATE_KEY}{spec.report_name}")
    if candidate is None:
        passed, metadata = _no_report(spec, lake)
        return Judgement(None, passed, metadata)
    evaluation = read_evaluation(spec.task_dir(lake) / str(candidate.value))
    decision = decide(evaluation, spec.primary_metric, higher_is_better=spec.higher_is_better, tolerance=spec.tolerance)
    return Judgement(decision, decision.passed, decision.metadata(), evaluation)


def _mark_report_promoted(report_path: Path, candidate: str, previous_pointer: dict[str, Any] | None) -> None:
    """Note the promotion in the report file for its readers, if the file still describes this candidate
    (another run may have rewritten it since); nothing decides from this field."""
    if not report_path.exists():
        return
    report = json.loads(report_path.read_text())
    if (report.get("candidate") or {}).get("version") == candidate:
        write_json_atomic(report_path, {**report, "promoted": True, "champion_pointer_before": previous_pointer})


def build_champion_definitions(spec: ChampionTask) -> tuple[dg.AssetChecksDefinition, dg.AssetsDefinition]:
    """The ``<report>_blessing`` check and the ``<task>_champion`` promotion asset for one task."""

    @dg.asset_check(
        asset=spec.report_asset,
        name=spec.blessing_name,
        blocking=True,
        description=f"Passes when the {spec.task} candidate beats every baseline on {spec.primary_metric} (its "
        "strong baseline too, unless the report's `strong_baseline_blocks` is false: then losing to it is a "
        f"warning in this check's metadata) and is no worse than the champion by more than {spec.tolerance}.",
    )
    def blessing(
        context: dg.AssetCheckExecutionContext, lake: LakeResource, mlflow: MlflowResource
    ) -> dg.AssetCheckResult:
        judgement = judge(spec, lake, context.instance, context.run.run_id)
        if judgement.decision is not None:  # the candidate's MLflow run shows its test metrics and verdict
            version_dir = spec.task_dir(lake) / judgement.decision.candidate
            mlflow.log_evaluation(version_dir, judgement.evaluation["metrics"], judgement.passed)
            for warning in judgement.decision.warnings:
                context.log.warning(f"{spec.task}: {warning}")
        return dg.AssetCheckResult(passed=judgement.passed, metadata=judgement.metadata)

    @dg.asset(
        name=f"{spec.task}_champion",
        group_name=spec.domain,
        deps=[spec.report_asset],
        kinds={"json"},
        description=f"The {spec.task} model in use. Re-decides from the evaluation stored with the candidate "
        f"that `{spec.report_asset}` last scored (so materializing this asset alone never ships a refused "
        f"model), then moves MLflow's `models:/{spec.task}@champion` alias and `models/{spec.task}/champion.json` "
        "to it, only if the champion is still the one it was compared with; prunes old versions (never the "
        "champion nor one being scored).",
    )
    def champion(
        context: dg.AssetExecutionContext, config: PromotionConfig, lake: LakeResource, mlflow: MlflowResource
    ) -> dg.MaterializeResult:
        judgement = judge(spec, lake, context.instance, context.run_id)
        decision = judgement.decision
        if decision is None:
            if not judgement.passed:
                raise dg.Failure(description=judgement.metadata["reasons"], metadata=judgement.metadata)
            context.log.info(f"{spec.task}: {judgement.metadata['skipped']}")
            return dg.MaterializeResult(metadata={**judgement.metadata, "promoted": False})
        task_dir = spec.task_dir(lake)
        if not decision.passed:
            current = (read_champion(task_dir) or {}).get("version", "none")
            raise dg.Failure(
                description=f"{spec.task}: candidate {decision.candidate} was refused by its blessing "
                f"({'; '.join(decision.reasons)}); the champion stays {current}",
                metadata=judgement.metadata,
            )
        outcome = promote_if_unchanged(
            task_dir,
            decision,
            read_version(task_dir / decision.candidate),
            spec.primary_metric,
            context.run_id,
            config.keep_versions,
            publish=lambda version_dir: mlflow.set_champion(spec.task, version_dir),
        )
        context.log.info(f"{spec.task}: {outcome.reason}")
        if outcome.promoted:
            _mark_report_promoted(spec.report_path(lake), decision.candidate, outcome.previous_pointer)
        champion_pointer = outcome.champion or {}
        return dg.MaterializeResult(
            metadata={
                **judgement.metadata,
                "promoted": outcome.promoted,
                "promotion": outcome.reason,
                "version": champion_pointer.get("version", "none"),
                spec.primary_metric: float(champion_pointer.get("value", float("nan"))),
                "previous_version": outcome.previous_version or "none",
                "pruned_versions": len(outcome.pruned),
                "champion": dg.MetadataValue.path(str(task_dir / "champion.json")),
            }
        )

    return blessing, champion
