"""Champion/challenger end to end on a toy task: first model promoted, worse one refused, crash safe."""

import json
from pathlib import Path

import dagster as dg
import pytest

from assets.common.champions import ChampionTask, build_champion_definitions, challenger_fields
from assets.common.dagster_metadata import report_metadata
from assets.common.model_registry import read_champion, write_version
from assets.common.reports import Report, write_no_candidate, write_report
from resources import LakeResource, MlflowResource

RESOURCES = {"lake": LakeResource(), "mlflow": MlflowResource()}

SPEC = ChampionTask("toy", "toy_task", "toy_report", "toy", "accuracy", True, tolerance=0.01)
STRONG_BASELINE = 0.7  # the toy report's strongest baseline; majority_class scores 0.3


class ToyConfig(dg.Config):
    skill: float = 0.8


def _score(version) -> float:
    return float(version.model_path.read_text())


@dg.asset(group_name="toy")
def toy_report(config: ToyConfig, lake: LakeResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """A report that evaluates its candidate and the current champion on the same (toy) test data."""
    task_dir = SPEC.task_dir(lake)

    def save(folder: Path) -> str:
        (folder / "model.txt").write_text(str(config.skill))
        return "model.txt"

    candidate = write_version(
        task_dir, SPEC.task, save, config={"skill": config.skill}, data_version="d", code_version="c"
    )
    mlflow.log_version(SPEC.task, candidate)
    report = Report(
        task=SPEC.task,
        primary_metric="accuracy",
        higher_is_better=True,
        data={},
        model={},
        metrics={"accuracy": _score(candidate)},
        baselines={"majority_class": {"accuracy": 0.3}, "nearest_mean": {"accuracy": STRONG_BASELINE}},
        extra=challenger_fields(
            task_dir,
            SPEC.task,
            candidate,
            {"accuracy": _score(candidate)},
            lambda version: {"accuracy": _score(version)},
        ),
    )
    paths = write_report(lake.reports_dir("toy"), SPEC.report_name, report)
    return dg.MaterializeResult(metadata=report_metadata(report, paths))


blessing, toy_task_champion = build_champion_definitions(SPEC)


def _run(skill: float) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [toy_report, toy_task_champion, blessing],
        resources=RESOURCES,
        run_config={"ops": {"toy_report": {"config": {"skill": skill}}}},
        raise_on_error=False,
    )


def test_first_model_is_promoted_worse_one_is_not_better_one_is(encore_home: Path) -> None:
    task_dir = encore_home / "lake" / "toy" / "models" / "toy_task"
    assert _run(0.8).success
    first = read_champion(task_dir)
    assert first["value"] == 0.8

    worse = _run(0.5)
    assert not worse.success
    evaluation = worse.get_asset_check_evaluations()[0]
    assert not evaluation.passed
    assert "worse than the champion" in evaluation.metadata["reasons"].value
    assert read_champion(task_dir) == first
    report = json.loads((encore_home / "lake" / "toy" / "reports" / "toy.json").read_text())
    assert report["promoted"] is False and report["champion_before"]["metrics"]["accuracy"] == 0.8

    assert _run(0.9).success
    assert read_champion(task_dir)["value"] == 0.9


def _refused(result: dg.ExecuteInProcessResult) -> str:
    """The blessing's reasons for a run whose check failed, after checking the champion step never ran."""
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == SPEC.blessing_name and not evaluation.passed
    assert not result.asset_materializations_for_node("toy_task_champion")
    # the failed blocking check is the run's only failure: the report itself succeeded
    assert [event.step_key for event in result.get_step_failure_events()] == [f"toy_report_{SPEC.blessing_name}"]
    return evaluation.metadata["reasons"].value


def test_a_candidate_that_loses_to_the_weak_baseline_is_not_promoted(encore_home: Path) -> None:
    result = _run(0.2)
    assert not result.success
    assert "does not beat baseline majority_class (0.2000 vs 0.3000)" in _refused(result)
    assert read_champion(encore_home / "lake" / "toy" / "models" / "toy_task") is None


@pytest.mark.parametrize("skill", [0.5, STRONG_BASELINE])
def test_a_candidate_that_beats_the_weak_baseline_but_not_the_strong_one_is_not_promoted(
    encore_home: Path, skill: float
) -> None:
    result = _run(skill)
    assert not result.success
    reasons = _refused(result)
    assert f"does not beat baseline nearest_mean ({skill:.4f} vs {STRONG_BASELINE:.4f})" in reasons
    assert "majority_class" not in reasons
    assert read_champion(encore_home / "lake" / "toy" / "models" / "toy_task") is None


def test_a_crash_during_promotion_leaves_the_old_champion_readable(encore_home: Path, monkeypatch) -> None:
    assert _run(0.8).success
    task_dir = encore_home / "lake" / "toy" / "models" / "toy_task"
    before = read_champion(task_dir)

    def crash(*args, **kwargs):
        raise RuntimeError("crash while promoting")

    monkeypatch.setattr("assets.common.promotion.promote", crash)
    assert not _run(0.95).success
    assert read_champion(task_dir) == before


def test_pruning_keeps_the_champion(encore_home: Path) -> None:
    for skill in (0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.91):
        _run(skill)
    task_dir = encore_home / "lake" / "toy" / "models" / "toy_task"
    versions = sorted(path.name for path in task_dir.iterdir() if path.is_dir())
    assert read_champion(task_dir)["version"] in versions
    assert read_champion(task_dir)["value"] == 0.91
    assert len(versions) == 5


def test_leaderboard_has_a_row_per_task_with_champion_and_baselines(encore_home: Path) -> None:
    from assets.common.leaderboard import build_leaderboard_asset
    from resources import ParquetIOManager

    assert _run(0.8).success
    leaderboard = build_leaderboard_asset([SPEC])
    result = dg.materialize(
        [toy_report, toy_task_champion, blessing, leaderboard],
        selection=[leaderboard.key],
        resources={**RESOURCES, "io_manager": ParquetIOManager()},
    )
    table = result.output_for_node("model_leaderboard")
    assert table[["task", "champion_value", "candidate_value"]].values.tolist() == [["toy_task", 0.8, 0.8]]
    assert json.loads(table.loc[0, "baselines"]) == {"majority_class": 0.3, "nearest_mean": STRONG_BASELINE}


def test_a_task_whose_input_is_absent_is_skipped_and_promotes_nothing(encore_home: Path) -> None:
    absent = ChampionTask("toy", "absent_task", "toy_report", "absent", "accuracy", True, 0.01, "absent_blessing")
    check, champion = build_champion_definitions(absent)
    write_no_candidate(LakeResource().reports_dir("toy"), "absent", "the toy input is absent", input_present=False)
    result = dg.materialize([toy_report, champion, check], resources=RESOURCES, run_config={"ops": {}})
    assert result.success
    evaluation = result.get_asset_check_evaluations()[0]
    assert evaluation.check_name == "absent_blessing" and evaluation.passed
    assert "no report absent.json: the toy input is absent" in evaluation.metadata["skipped"].value
    assert result.asset_materializations_for_node("absent_task_champion")[0].metadata["promoted"].value is False
    assert read_champion(encore_home / "lake" / "toy" / "models" / "absent_task") is None


@pytest.mark.parametrize("record", [True, False])
def test_a_task_with_input_but_no_candidate_fails_its_blessing_and_the_run(encore_home: Path, record: bool) -> None:
    """Data present but no model (or no report and no reason at all): the run is red, with the reason."""
    missing = ChampionTask("toy", "missing_task", "toy_report", "missing", "accuracy", True, 0.01, "missing_blessing")
    check, champion = build_champion_definitions(missing)
    if record:
        write_no_candidate(LakeResource().reports_dir("toy"), "missing", "no valid split", input_present=True)
    result = dg.materialize(
        [toy_report, champion, check], resources=RESOURCES, run_config={"ops": {}}, raise_on_error=False
    )
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    expected = "no valid split" if record else "the `toy_report` materialization names no `candidate/missing`"
    assert evaluation.metadata["reasons"].value.startswith(f"no missing_task candidate: {expected}")
    assert not result.asset_materializations_for_node("missing_task_champion")
