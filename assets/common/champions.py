"""Champion/challenger in Dagster: a blocking blessing check on each report, then a promotion asset.

A report asset that takes part writes two extra fields into its JSON (see :func:`challenger_fields`):
``candidate`` (the version it evaluated) and ``champion_before`` (the current champion re-evaluated on
the same test data, or null). The blessing check reads them; the promotion asset runs only when the
check passes, moves ``champion.json`` and prunes old versions.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from assets.common.atomic import write_json_atomic
from assets.common.model_registry import (
    ModelVersion,
    append_evaluation,
    bless,
    champion_version,
    promote,
    prune,
    read_champion,
    read_version,
)
from assets.common.reports import read_no_candidate
from resources.lake import LakeResource


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
    append_evaluation(task_dir, candidate.version, candidate_metrics)
    champion_metrics = None
    if read_champion(task_dir) is not None:
        champion = champion_version(task_dir, task)
        champion_metrics = {"version": champion.version, "metrics": evaluate(champion)}
    return {
        "candidate": {"version": candidate.version, "path": candidate.path},
        "champion_before": champion_metrics,
        "promoted": False,
    }


class PromotionConfig(dg.Config):
    keep_versions: int = Field(default=5, description="Versions kept per task after promotion (never the champion).")


def _decision(spec: ChampionTask, report: dict[str, Any]) -> tuple[Any, float | None, dict[str, float]]:
    metric = spec.primary_metric
    baselines = {name: values[metric] for name, values in report["baselines"].items()}
    champion = (report.get("champion_before") or {}).get("metrics", {}).get(metric)
    decision = bless(
        report["metrics"][metric],
        champion,
        baselines,
        higher_is_better=spec.higher_is_better,
        tolerance=spec.tolerance,
    )
    return decision, champion, baselines


def _no_report(spec: ChampionTask, lake: LakeResource) -> tuple[bool, dict[str, Any]]:
    """Whether a task without a report this run may pass its blessing, and the check's metadata.

    It passes only when its report asset recorded that the task's input data is absent; data that is
    present but produced no candidate, or no record at all, fails (a green run must have a model)."""
    record = read_no_candidate(lake.reports_dir(spec.domain), spec.report_name)
    if record is not None and not record["input_present"]:
        skipped = f"no report {spec.report_path(lake).name}: {record['reason']}; no candidate to bless or promote"
        return True, {"skipped": skipped, "reasons": "input data absent"}
    reason = (
        record["reason"]
        if record is not None
        else (f"`{spec.report_asset}` wrote neither {spec.report_path(lake).name} nor a reason for having no candidate")
    )
    return False, {"reasons": f"no {spec.task} candidate: {reason}"}


def build_champion_definitions(spec: ChampionTask) -> tuple[dg.AssetChecksDefinition, dg.AssetsDefinition]:
    """The ``<report>_blessing`` check and the ``<task>_champion`` promotion asset for one task."""

    @dg.asset_check(
        asset=spec.report_asset,
        name=spec.blessing_name,
        blocking=True,
        description=f"Passes when the {spec.task} candidate beats every baseline on {spec.primary_metric} and "
        f"is no worse than the champion by more than {spec.tolerance}.",
    )
    def blessing(lake: LakeResource) -> dg.AssetCheckResult:
        if not spec.report_path(lake).exists():
            passed, metadata = _no_report(spec, lake)
            return dg.AssetCheckResult(passed=passed, metadata=metadata)
        report = json.loads(spec.report_path(lake).read_text())
        decision, champion, baselines = _decision(spec, report)
        return dg.AssetCheckResult(
            passed=decision.passed,
            metadata={
                "candidate": float(report["metrics"][spec.primary_metric]),
                "champion": float(champion) if champion is not None else "none yet",
                **{f"baseline_{name}": float(value) for name, value in baselines.items()},
                "reasons": "; ".join(decision.reasons) or "blessed",
            },
        )

    @dg.asset(
        name=f"{spec.task}_champion",
        group_name=spec.domain,
        deps=[spec.report_asset],
        kinds={"json"},
        description=f"The {spec.task} model in use: promotes the blessed candidate of `{spec.report_asset}` "
        f"to `models/{spec.task}/champion.json` and prunes old versions (never the champion).",
    )
    def champion(
        context: dg.AssetExecutionContext, config: PromotionConfig, lake: LakeResource
    ) -> dg.MaterializeResult:
        report_path = spec.report_path(lake)
        if not report_path.exists():
            context.log.info(f"{spec.task}: no report at {report_path}, nothing to promote")
            return dg.MaterializeResult(metadata={**_no_report(spec, lake)[1], "promoted": False})
        report = json.loads(report_path.read_text())
        task_dir = spec.task_dir(lake)
        candidate_version = report["candidate"]["version"]
        before = read_champion(task_dir)
        pointer = promote(
            task_dir,
            read_version(task_dir / candidate_version),
            spec.primary_metric,
            report["metrics"][spec.primary_metric],
            context.run_id,
        )
        pruned = prune(task_dir, config.keep_versions)
        write_json_atomic(report_path, {**report, "promoted": True, "champion_pointer_before": before})
        return dg.MaterializeResult(
            metadata={
                "version": pointer["version"],
                spec.primary_metric: float(pointer["value"]),
                "previous_version": (before or {}).get("version", "none"),
                "pruned_versions": len(pruned),
                "champion": dg.MetadataValue.path(str(task_dir / "champion.json")),
            }
        )

    return blessing, champion
