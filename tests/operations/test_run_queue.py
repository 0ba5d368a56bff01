"""The run queue of the shipped instance, with real processes: runs submitted the way the UI submits them
(its GraphQL launch mutation, through the instance's run coordinator) and started by `dagster-daemon run`.

Two runs that write the trends domain (a domain job, and a hand-picked asset selection that carries no tag
when launched) run one after the other and both succeed; a lyrics run is not held back by them; a run
spanning both domains is tagged for each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster._core.workspace.context import WorkspaceProcessContext, WorkspaceRequestContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster_graphql.client.query import LAUNCH_PIPELINE_EXECUTION_MUTATION
from dagster_graphql.test.utils import execute_dagster_graphql

from resources.instance import prepare_instance_folder
from resources.run_coordinator import DomainRunCoordinator, write_tag
from tests.operations.processes import BIN, REPOSITORY, base_environment, log_tail, running, wait_until
from tests.operations.queue_probe import HOLD_FILE, WRITES_FILE

LOCATION = "queue_probe"
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def test_runs_writing_one_domain_wait_for_each_other_whatever_launched_them(tmp_path: Path) -> None:
    dagster_home = prepare_instance_folder(tmp_path / "dagster")
    encore_home = tmp_path / "encore"
    workspace_file = tmp_path / "workspace.yaml"
    probe = {"module_name": "tests.operations.queue_probe", "location_name": LOCATION,
             "working_directory": str(REPOSITORY)}  # fmt: skip
    workspace_file.write_text(yaml.safe_dump({"load_from": [{"python_module": probe}]}))
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert isinstance(instance.run_coordinator, DomainRunCoordinator)
        with WorkspaceProcessContext(instance, WorkspaceFileTarget([str(workspace_file)])) as process_context:
            workspace = process_context.create_request_context()
            # All queued before the daemon starts, so the order of the queue is this order.
            trends_job_run = launch(workspace, "trends_probe_job")
            picked_trends = launch(workspace, "__ASSET_JOB", assets=["trends_probe"])
            picked_lyrics = launch(workspace, "__ASSET_JOB", assets=["lyrics_probe"])
            spanning = launch(workspace, "both_probe_job")
        tags = {run_id: instance.get_run_by_id(run_id).tags for run_id in (picked_trends, picked_lyrics, spanning)}
        assert write_tag("trends") in tags[picked_trends] and write_tag("lyrics") not in tags[picked_trends]
        assert write_tag("lyrics") in tags[picked_lyrics] and write_tag("trends") not in tags[picked_lyrics]
        assert {write_tag("trends"), write_tag("lyrics")} <= set(tags[spanning])
        assert instance.run_coordinator.cancel_run(spanning)  # its tags were the point; it need not run

        started = [trends_job_run, picked_trends, picked_lyrics]
        log = tmp_path / "daemon.log"
        with running([str(BIN / "dagster-daemon"), "run", "-w", str(workspace_file)], log,
                     base_environment(dagster_home, encore_home)) as daemon:  # fmt: skip

            def all_finished() -> bool:
                if daemon.poll() is not None:
                    raise AssertionError(f"dagster-daemon exited with {daemon.returncode}:\n{log_tail(log)}")
                return all(instance.get_run_by_id(run_id).status in FINISHED for run_id in started)

            try:
                wait_until(all_finished, timeout=240, what="the queued runs to finish")
            except TimeoutError as error:
                raise AssertionError(f"{error}\n{log_tail(log)}") from error
        records = {record.dagster_run.run_id: record for record in instance.get_run_records()}
        lyrics_launched = launched_at(instance, picked_lyrics)

    statuses = {run_id: records[run_id].dagster_run.status for run_id in started}
    assert set(statuses.values()) == {dg.DagsterRunStatus.SUCCESS}, (statuses, log_tail(log))
    first, second = sorted((records[run_id] for run_id in (trends_job_run, picked_trends)), key=lambda r: r.start_time)
    assert first.dagster_run.run_id == trends_job_run  # first in the queue, first to run
    assert second.start_time >= first.end_time, "two runs wrote the trends domain at once"
    # The daemon starts the lyrics run in the same pass as the first trends run, not after it.
    assert lyrics_launched < first.end_time, "the lyrics run waited for a trends run"

    lake = encore_home / "lake"
    assert (lake / "trends" / WRITES_FILE).read_text().split() == [trends_job_run, picked_trends]
    assert (lake / "lyrics" / WRITES_FILE).read_text().split() == [picked_lyrics]
    assert not list(lake.glob(f"*/{HOLD_FILE}")), "a write was left unfinished"


def launch(workspace: WorkspaceRequestContext, job_name: str, assets: list[str] | None = None) -> str:
    """Submit a run as the UI's launch button does; the run id."""
    selector: dict[str, Any] = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__",
                                "pipelineName": job_name}  # fmt: skip
    if assets is not None:
        selector["assetSelection"] = [{"path": [name]} for name in assets]
    result = execute_dagster_graphql(
        workspace, LAUNCH_PIPELINE_EXECUTION_MUTATION, variables={"executionParams": {"selector": selector}}
    )
    launched = result.data["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    assert launched["run"]["status"] == "QUEUED", launched["run"]
    return launched["run"]["runId"]


def launched_at(instance: dg.DagsterInstance, run_id: str) -> float:
    """When the daemon took ``run_id`` off the queue and started its process (its RUN_STARTING event)."""
    (starting,) = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_STARTING)
    return starting.timestamp
