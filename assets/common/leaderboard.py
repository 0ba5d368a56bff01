"""The model leaderboard: one row per task with its champion, latest candidate and baselines."""

import json
from collections.abc import Sequence

import dagster as dg
import pandas as pd

from assets.common.champions import ChampionTask
from assets.common.model_registry import read_champion, read_evaluations
from assets.common.reports import figure_png, png_markdown
from resources.lake import LakeResource

# The leaderboard ranks every domain's champions, so it sits in a group of its own.
LEADERBOARD_GROUP = "models"


def leaderboard_rows(specs: Sequence[ChampionTask], lake: LakeResource) -> pd.DataFrame:
    rows = []
    for spec in specs:
        report_path = spec.report_path(lake)
        if not report_path.exists():
            continue
        report = json.loads(report_path.read_text())
        champion = read_champion(spec.task_dir(lake)) or {}
        metric = spec.primary_metric
        rows.append(
            {
                "domain": spec.domain,
                "task": spec.task,
                "primary_metric": metric,
                "higher_is_better": spec.higher_is_better,
                "champion_version": champion.get("version"),
                "champion_value": champion.get("value"),
                "candidate_version": (report.get("candidate") or {}).get("version"),
                "candidate_value": report["metrics"][metric],
                "baselines": json.dumps({name: values[metric] for name, values in report["baselines"].items()}),
                "train": report["data"].get("train"),
                "test": report["data"].get("test"),
                "evaluated_at": report["created_at"],
            }
        )
    return pd.DataFrame(rows)


def metric_history_png(specs: Sequence[ChampionTask], lake: LakeResource) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(specs), 1, figsize=(7, 2.2 * len(specs)), squeeze=False)
    for axis, spec in zip(axes[:, 0], specs, strict=True):
        history = read_evaluations(spec.task_dir(lake))
        values = [entry["metrics"].get(spec.primary_metric) for entry in history]
        axis.plot(range(1, len(values) + 1), values, marker="o")
        axis.set_title(f"{spec.task}: {spec.primary_metric} per candidate", fontsize=9)
        axis.set_xlabel("candidate (oldest first)", fontsize=8)
    figure.tight_layout()
    return figure_png(figure)


def build_leaderboard_asset(specs: Sequence[ChampionTask]) -> dg.AssetsDefinition:
    @dg.asset(
        name="model_leaderboard",
        group_name=LEADERBOARD_GROUP,
        deps=[f"{spec.task}_champion" for spec in specs],
        kinds={"pandas"},
        description="How every model is doing: per task the champion's primary metric, the latest candidate, "
        "each baseline, the data sizes and the date, plus each task's metric over its candidates.",
    )
    def model_leaderboard(lake: LakeResource) -> dg.Output[pd.DataFrame]:
        table = leaderboard_rows(specs, lake)
        metadata = {"dagster/row_count": len(table), "table": dg.MetadataValue.md(table.to_markdown(index=False))}
        if specs:
            metadata["history"] = dg.MetadataValue.md(png_markdown(metric_history_png(specs, lake), "history"))
        return dg.Output(table, metadata=metadata)

    return model_leaderboard
