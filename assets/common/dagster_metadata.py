"""The Dagster side of the shared pieces: materialization metadata, check results, training tags."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from assets.common.expectations import ValidationSummary
from assets.common.reports import Report, metrics_table_markdown, png_markdown

# Kubernetes places training steps on GPU nodes; the `gpu` pool limits how many run at once.
GPU_OP_TAGS: dict[str, Any] = {
    "dagster-k8s/config": {
        "container_config": {"resources": {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}},
        "pod_spec_config": {"node_selector": {"encore/accelerator": "gpu"}},
    },
    "dagster-celery/queue": "gpu",
}
TRAINING_ASSET_ARGS: dict[str, Any] = {"pool": "gpu", "op_tags": GPU_OP_TAGS}
CANDIDATE_KEY = "candidate/"  # report metadata `candidate/<report name>`: the version the report evaluated

# Every asset that fits a model carries this tag: `retrain_all` selects by it, not by a name pattern.
TRAINED_MODEL_TAGS: dict[str, str] = {"encore/role": "trained_model"}
MODEL_ASSET_ARGS: dict[str, Any] = {**TRAINING_ASSET_ARGS, "tags": TRAINED_MODEL_TAGS}


def table_metadata(frame: pd.DataFrame, path: Path | None = None, preview_rows: int = 5) -> dict[str, Any]:
    """Row count, column schema (names and dtypes, which the UI shows as the asset's columns), column list and
    a Markdown preview of a table (and its path when written by the asset)."""
    metadata: dict[str, Any] = {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame),
        "columns": dg.MetadataValue.json(list(map(str, frame.columns))),
        "preview": dg.MetadataValue.md(frame.head(preview_rows).to_markdown(index=False)),
    }
    if path is not None:
        metadata["path"] = dg.MetadataValue.path(str(path))
    return metadata


def column_schema(frame: pd.DataFrame) -> dg.TableSchema:
    """The frame's columns with their pandas dtypes, as Dagster's table schema."""
    return dg.TableSchema(columns=[dg.TableColumn(str(name), str(dtype)) for name, dtype in frame.dtypes.items()])


def report_metadata(
    report: Report, paths: Mapping[str, Path], plots: Mapping[str, bytes] | None = None
) -> dict[str, Any]:
    """Metrics as plain floats (the UI charts them across runs), a comparison table and the plots."""
    metadata: dict[str, Any] = {name: float(value) for name, value in report.metrics.items()}
    metadata["beats_baselines"] = report.beats_baselines
    if report.strong_baseline:
        metadata["strong_baseline"] = report.strong_baseline
        metadata["strong_baseline_value"] = float(report.baselines[report.strong_baseline][report.primary_metric])
    metadata["report"] = dg.MetadataValue.path(str(paths["json"]))
    metadata.update(candidate_metadata(Path(paths["json"]).stem, report))
    metadata["comparison"] = dg.MetadataValue.md(metrics_table_markdown(report))
    for plot_name, png in (plots or {}).items():
        metadata[f"plot_{plot_name}"] = dg.MetadataValue.md(png_markdown(png, plot_name))
    return metadata


def dagster_tags(context: dg.AssetExecutionContext) -> dict[str, str]:
    """Tags that lead from an MLflow run back to the Dagster run and asset that trained it."""
    return {"dagster.run_id": context.run_id, "dagster.asset_key": context.asset_key.to_user_string()}


def candidate_metadata(report_name: str, report: Report) -> dict[str, str]:
    """The version a report evaluated, under ``candidate/<report name>``: the promotion reads it from the
    report's materialization (lineage through Dagster), never from "the latest file"."""
    candidate = report.extra.get("candidate")
    return {f"{CANDIDATE_KEY}{report_name}": candidate["version"]} if candidate else {}


def check_result_from_validation(summary: ValidationSummary, **extra: Any) -> dg.AssetCheckResult:
    """A check result whose metadata shows every failed expectation with its unexpected values."""
    metadata: dict[str, Any] = {**summary.as_metadata(), **extra}
    if summary.failures:
        metadata["failures"] = dg.MetadataValue.json(summary.failures)
    return dg.AssetCheckResult(passed=summary.passed, metadata=metadata)
