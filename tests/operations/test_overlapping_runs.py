"""Two processes train, report and promote the same task at once: both runs succeed, the champion is a
blessed version, and the promotion that lost the race is refused with its reason instead of shipping a
candidate that was never compared with the new champion."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dagster as dg

from assets.common.promotion import decide, read_evaluation
from tests.operations.processes import base_environment, log_tail, running, wait_until


def test_two_overlapping_runs_promote_one_blessed_candidate_and_neither_fails(tmp_path: Path) -> None:
    dagster_home, encore_home, barrier = tmp_path / "dagster", tmp_path / "encore", tmp_path / "barrier"
    for folder in (dagster_home, barrier):
        folder.mkdir()
    environment = base_environment(dagster_home, encore_home)
    with dg.DagsterInstance.from_config(str(dagster_home)):
        pass  # a deployment's instance exists before its runs: create its storage once, not in both at once
    with running_both(environment, tmp_path, barrier, skills=(0.8, 0.9)) as processes:
        wait_until(lambda: all(process.poll() is not None for process in processes), 240, "both runs to end")
    for index, process in enumerate(processes):
        assert process.returncode == 0, log_tail(tmp_path / f"run{index}.log")

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 2 and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        promotions = [
            entry.asset_materialization.metadata
            for run in runs
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            if entry.asset_materialization.asset_key == dg.AssetKey("probe_task_champion")
        ]
    outcomes = sorted((metadata["promoted"].value, metadata["promotion"].value) for metadata in promotions)
    assert len(outcomes) == 2
    (lost_promoted, lost_reason), (won_promoted, won_reason) = outcomes
    assert (lost_promoted, won_promoted, won_reason) == (False, True, "promoted")
    assert lost_reason.startswith("the champion moved to "), lost_reason

    task_dir = encore_home / "lake" / "probe" / "models" / "probe_task"
    champion = json.loads((task_dir / "champion.json").read_text())
    evaluation = read_evaluation(task_dir / champion["version"])
    assert decide(evaluation, "accuracy", higher_is_better=True, tolerance=0.01).passed
    assert champion["value"] in (0.8, 0.9)
    versions = [path for path in task_dir.iterdir() if path.is_dir()]
    assert len(versions) == 2 and all((version / "evaluation.json").exists() for version in versions)
    assert not list(task_dir.glob("*/.leases/*")), "a report left its lease behind"


class running_both:
    """Start one `dagster asset materialize` of the probe location per skill, all at once."""

    def __init__(self, environment: dict[str, str], logs: Path, barrier: Path, skills: tuple[float, ...]) -> None:
        self.contexts = []
        for index, skill in enumerate(skills):
            config = {"ops": {name: {"config": {"skill": skill, "barrier": str(barrier), "parties": len(skills)}}
                              for name in ("probe_model", "probe_report")}}  # fmt: skip
            command = [
                sys.executable, "-m", "dagster", "asset", "materialize", "-m", "tests.operations.lifecycle_probe",
                "--select", "*", "--config-json", json.dumps(config),
            ]  # fmt: skip
            self.contexts.append(running(command, logs / f"run{index}.log", environment))

    def __enter__(self) -> list:
        return [context.__enter__() for context in self.contexts]

    def __exit__(self, *exc_info: object) -> None:
        for context in self.contexts:
            context.__exit__(*exc_info)
