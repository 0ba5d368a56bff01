"""Evaluation reports: the JSON contract every domain follows, with a Markdown twin and PNG plots.

``<lake>/<domain>/reports/<name>.json`` holds task, data sizes, model, metrics, baselines and
whether the model beats every baseline on its primary metric.

Each report names its **strong baseline**: the strongest cheap alternative a careful team would deploy
instead of the model (a ridge regression, a character 5-gram, gradient boosting...). It must be beaten like
every other baseline, unless the task's report config sets ``strong_baseline_blocks: false``: then losing
to it is a warning on the blessing instead of a refusal, for a task whose model the real data shows cannot
beat it yet. The report records the choice (``strong_baseline``), so the blessing decides from the record.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from assets.common.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic


@dataclass
class Report:
    """One evaluation of one model on held-out data."""

    task: str
    primary_metric: str
    higher_is_better: bool
    data: dict[str, Any]
    model: dict[str, Any]
    metrics: dict[str, float]
    baselines: dict[str, dict[str, float]]
    extra: dict[str, Any] = field(default_factory=dict)
    strong_baseline: str | None = None  # the name, in `baselines`, of the strongest cheap alternative
    strong_baseline_blocks: bool = True  # False: losing to it warns instead of refusing the candidate

    def __post_init__(self) -> None:
        if self.strong_baseline is not None and self.strong_baseline not in self.baselines:
            raise ValueError(
                f"strong baseline {self.strong_baseline!r} is not one of the baselines {sorted(self.baselines)}"
            )

    @property
    def beats_baselines(self) -> bool:
        return beats_every_baseline(self.metrics, self.baselines, self.primary_metric, self.higher_is_better)

    @property
    def advisory_baselines(self) -> list[str]:
        """Baselines that warn instead of refusing the candidate when the model loses to them."""
        return [self.strong_baseline] if self.strong_baseline and not self.strong_baseline_blocks else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "primary_metric": self.primary_metric,
            "higher_is_better": self.higher_is_better,
            "data": self.data,
            "model": self.model,
            "metrics": self.metrics,
            "baselines": self.baselines,
            "beats_baselines": self.beats_baselines,
            "strong_baseline": self.strong_baseline,
            "advisory_baselines": self.advisory_baselines,
            **self.extra,
        }


def beats_every_baseline(
    metrics: Mapping[str, float],
    baselines: Mapping[str, Mapping[str, float]],
    primary_metric: str,
    higher_is_better: bool,
) -> bool:
    if primary_metric not in metrics:
        raise ValueError(f"primary metric {primary_metric!r} missing from metrics {sorted(metrics)}")
    ours = metrics[primary_metric]
    for name, baseline in baselines.items():
        if primary_metric not in baseline:
            raise ValueError(f"baseline {name!r} lacks the primary metric {primary_metric!r}")
        theirs = baseline[primary_metric]
        if (ours <= theirs) if higher_is_better else (ours >= theirs):
            return False
    return True


def strong_baseline_blocks_field(default: bool, evidence: str) -> Any:
    """The per-task switch, as a report config field: whether losing to the strong baseline refuses the
    candidate (True) or only warns (False). ``evidence`` says why the default is what it is."""
    return Field(
        default=default,
        description="Whether the candidate must beat the strong baseline to be blessed (false: it only warns). "
        + evidence,
    )


def verdict_markdown(report: Report) -> str:
    """One sentence on how the model compares with the baselines, naming the strong one."""
    verdict = "beats" if report.beats_baselines else "does NOT beat"
    sentence = f"The model {verdict} every baseline on `{report.primary_metric}`."
    if report.strong_baseline:
        role = "must beat it to be blessed" if report.strong_baseline_blocks else "only warns when it loses to it"
        sentence += f" The strong baseline is `{report.strong_baseline}` (the model {role})."
    return sentence


def metrics_table_markdown(report: Report) -> str:
    """A model-vs-baselines table over every metric the model reports."""
    rows = {"model": report.metrics, **report.baselines}
    names = list(report.metrics)
    header = "| | " + " | ".join(names) + " |\n|---|" + "---|" * len(names) + "\n"
    lines = [
        f"| {row_name} | " + " | ".join(_format_number(values.get(name)) for name in names) + " |"
        for row_name, values in rows.items()
    ]
    return header + "\n".join(lines) + "\n"


def _format_number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def figure_png(figure: Any) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def png_markdown(png: bytes, alt: str) -> str:
    """Inline a PNG in Markdown (Dagster shows images only inside Markdown metadata)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def write_report(
    reports_dir: Path, name: str, report: Report, plots: Mapping[str, bytes] | None = None, notes_markdown: str = ""
) -> dict[str, Path]:
    """Write ``<name>.json``, ``<name>.md`` and ``<name>_<plot>.png`` atomically; return their paths.

    A report that names a candidate version (``extra["candidate"]``) is also stored in that version's
    folder as ``evaluation.json``: the blessing and the promotion read it (``assets.common.promotion``).

    An earlier run's :func:`write_no_candidate` record for ``name`` is removed: this report supersedes it."""
    reports_dir = Path(reports_dir)
    no_candidate_path(reports_dir, name).unlink(missing_ok=True)
    paths = {"json": write_json_atomic(reports_dir / f"{name}.json", report.to_dict())}
    candidate = report.extra.get("candidate")
    if candidate:  # the evaluation promotion decides from: immutable for the version, unlike this report file
        paths["evaluation"] = write_json_atomic(
            Path(candidate["path"]) / "evaluation.json", {**report.to_dict(), "report_name": name}
        )
    plot_links = []
    for plot_name, png in (plots or {}).items():
        plot_path = write_bytes_atomic(reports_dir / f"{name}_{plot_name}.png", png)
        paths[plot_name] = plot_path
        plot_links.append(f"![{plot_name}]({plot_path.name})")
    markdown = (
        f"# {report.task}\n\n{verdict_markdown(report)}\n\n"
        f"Data: {report.data}\n\n{metrics_table_markdown(report)}\n{notes_markdown}\n" + "\n".join(plot_links) + "\n"
    )
    paths["markdown"] = write_text_atomic(reports_dir / f"{name}.md", markdown)
    return paths


def no_candidate_path(reports_dir: Path, name: str) -> Path:
    return Path(reports_dir) / f"{name}.no_candidate.json"


def write_no_candidate(reports_dir: Path, name: str, reason: str, *, input_present: bool) -> int:
    """Record why the report ``name`` has no candidate this run, and delete its earlier report files.

    ``input_present=False`` (the task's optional input data is absent) lets the task's blessing pass as
    skipped; ``True`` (data present, yet no model came out) fails it with ``reason``. Returns how many stale
    report files were deleted."""
    reports_dir = Path(reports_dir)
    stale = [reports_dir / f"{name}.json", reports_dir / f"{name}.md", *reports_dir.glob(f"{name}_*.png")]
    removed = 0
    for path in stale:
        if path.exists():
            path.unlink()
            removed += 1
    write_json_atomic(no_candidate_path(reports_dir, name), {"reason": reason, "input_present": input_present})
    return removed


def read_no_candidate(reports_dir: Path, name: str) -> dict[str, Any] | None:
    path = no_candidate_path(reports_dir, name)
    return json.loads(path.read_text()) if path.exists() else None
