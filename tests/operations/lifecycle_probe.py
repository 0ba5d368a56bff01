"""A small task with the whole model lifecycle (a version, a report that scores it against the champion,
the blessing, the champion), as a code location two processes can run at once (test_overlapping_runs).

The report waits at a barrier until every overlapping run has scored its candidate, so both runs compare
with the same champion before either promotes: the overlap the test needs happens every time."""

import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
from pydantic import Field

from assets.common.champions import ChampionTask, build_champion_definitions, challenger_fields
from assets.common.dagster_metadata import report_metadata
from assets.common.lifecycle import Trained, train_version
from assets.common.reports import Report, write_report
from resources import LakeResource, MlflowResource, TrainingResource

SPEC = ChampionTask("probe", "probe_task", "probe_report", "probe", "accuracy", True, tolerance=0.01)


class ProbeConfig(dg.Config):
    skill: float = Field(description="The test accuracy this model will score.")
    barrier: str = Field(default="", description="Folder where the reports of overlapping runs meet.")
    parties: int = Field(default=1, description="How many runs meet at the barrier.")


def _score(version_dir: Path) -> float:
    return float((version_dir / "model.txt").read_text())


def _save_skill(skill: float) -> Callable[[Path], str]:
    def save(folder: Path) -> str:
        (folder / "model.txt").write_text(str(skill))
        return "model.txt"

    return save


@dg.asset(group_name="probe", tags={"encore/role": "trained_model"})
def probe_model(
    context: dg.AssetExecutionContext,
    config: ProbeConfig,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
) -> str:
    """A 'model' whose file holds its accuracy, trained through the one lifecycle every task uses; returns
    its version id (the report's input)."""
    version, _, _ = train_version(
        context,
        task=SPEC.task,
        task_dir=SPEC.task_dir(lake),
        config=config,
        data_version="d",
        package_dir=Path(__file__).parent,
        training=training,
        mlflow=mlflow,
        train=lambda run: Trained(_save_skill(config.skill), metrics={"skill": config.skill}),
    )
    return version.version


@dg.asset(group_name="probe")
def probe_report(context: dg.AssetExecutionContext, config: ProbeConfig, lake: LakeResource, probe_model: str):
    """Scores the candidate and the champion, then waits for the other runs at the barrier."""
    from assets.common.model_registry import read_version

    candidate = read_version(SPEC.task_dir(lake) / probe_model)
    accuracy = _score(Path(candidate.path))
    extra = challenger_fields(
        SPEC.task_dir(lake), SPEC.task, candidate, {"accuracy": accuracy}, lambda v: {"accuracy": _score(Path(v.path))}
    )
    if config.barrier:
        Path(config.barrier, context.run_id).touch()
        deadline = time.monotonic() + 120
        while len(list(Path(config.barrier).iterdir())) < config.parties and time.monotonic() < deadline:
            time.sleep(0.2)
    report = Report(
        task=SPEC.task,
        primary_metric="accuracy",
        higher_is_better=True,
        data={},
        model={},
        metrics={"accuracy": accuracy},
        baselines={"majority_class": {"accuracy": 0.3}},
        extra=extra,
    )
    paths = write_report(lake.reports_dir(SPEC.domain), SPEC.report_name, report)
    return dg.MaterializeResult(metadata=report_metadata(report, paths))


probe_blessing, probe_task_champion = build_champion_definitions(SPEC)

defs = dg.Definitions(
    assets=[probe_model, probe_report, probe_task_champion],
    asset_checks=[probe_blessing],
    resources={
        "lake": LakeResource(),
        "training": TrainingResource(device="cpu"),
        "mlflow": MlflowResource(),
        "io_manager": dg.mem_io_manager,
    },
    executor=dg.in_process_executor,
)
