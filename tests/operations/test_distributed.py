"""Scale-out on a real engine: one domain materialized through Dagster's Celery executor by two
workers over a real Redis, compared with the same materialization on the local executor.

Workers: `cpu` serves the default queue (`dagster`), `gpu` serves `dagster` and `gpu`, one task at a
time each. Each step's worker and process id are read back from the run's event log: the Celery
task's engine event names the worker, and the step-start event carries the pid of the process that
ran the step, which must be a child of that worker.
"""

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from pipelines import defs
from tests.operations.killed_step_probe import ATTEMPTS_FILE
from tests.operations.processes import (
    BIN,
    REPOSITORY,
    base_environment,
    celery_workers_by_step,
    free_port,
    http_ok,
    log_tail,
    require_program,
    running,
    wait_until,
)

pytestmark = pytest.mark.distributed

# midi: two raw sources that can run at the same time, and (once the domain lands) a training step.
GROUP = "midi"
QUEUE_TAG = "dagster-celery/queue"
# One comma-separated -q: Celery 5 keeps only the last of several -Q options that dagster-celery
# passes for several -q, so `-q dagster -q gpu` would serve `gpu` alone.
WORKER_QUEUES = {"cpu": "dagster", "gpu": "dagster,gpu"}
# A bound, not an expectation: the whole midi group takes about a minute per executor on two idle
# cores, and several times that on a machine shared with other trainings.
RUN_TIMEOUT = 900
BROKER_PASSWORD = "encore-test-broker-secret"
WORKER_CONFIG = str(REPOSITORY / "resources" / "celery_worker")  # holds dagster_celery_config.py
# The sample-sized settings the README's materialization uses (the defaults are sized for real data).
SAMPLE_RUN_CONFIG = REPOSITORY / "pipelines" / "sample_run_config.yaml"


@dataclass
class Cluster:
    environment: dict[str, str]
    dagster_home: Path
    encore_home: Path
    worker_pids: dict[str, int]
    scratch: Path
    mlflow_url: str


@dataclass
class StepPlacement:
    worker: str
    host: str
    pid: int


def _redis_answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(f"AUTH {BROKER_PASSWORD}\r\nPING\r\n".encode())
        replies = b""
        while b"PONG" not in replies and (reply := connection.recv(64)):
            replies += reply
        return replies.startswith(b"+OK") and b"+PONG" in replies
    return False


def _worker_ready(log: Path, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"worker exited with {process.returncode}:\n{log_tail(log)}")
    return log.exists() and " ready." in log.read_text(errors="replace")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Redis and an MLflow tracking server on free loopback ports, a migrated fresh DAGSTER_HOME, two Celery
    workers sharing that one registry; all stopped after."""
    redis_server = require_program("redis-server", "redis-server")
    scratch = tmp_path_factory.mktemp("distributed")
    dagster_home = scratch / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", dagster_home / "dagster.yaml")
    port, mlflow_port = free_port(), free_port()
    mlflow_url = f"http://127.0.0.1:{mlflow_port}"
    environment = base_environment(dagster_home, scratch / "encore")
    environment.update(
        ENCORE_EXECUTOR="celery",
        # An authenticated broker, as docs/deploy.md requires: whoever can write to it runs code on the workers.
        ENCORE_CELERY_BROKER=f"redis://:{BROKER_PASSWORD}@127.0.0.1:{port}/0",
        ENCORE_CELERY_BACKEND=f"redis://:{BROKER_PASSWORD}@127.0.0.1:{port}/1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])),
        PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        MLFLOW_TRACKING_URI=mlflow_url,
    )
    # Before any worker starts: several processes creating one SQLite instance at once break it.
    subprocess.run([str(BIN / "dagster"), "instance", "migrate"], env=environment, check=True, timeout=120)
    with contextlib.ExitStack() as stack:
        redis_command = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--requirepass", BROKER_PASSWORD]  # fmt: skip
        stack.enter_context(running(redis_command, scratch / "redis.log", environment))
        wait_until(lambda: _redis_answers(port), timeout=30, what=f"redis-server on port {port}")
        mlflow_command = [
            str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(mlflow_port), "--workers", "1",
            "--backend-store-uri", f"sqlite:///{scratch / 'mlflow-server.db'}",
            "--artifacts-destination", (scratch / "mlflow-server-artifacts").as_uri(),
        ]  # fmt: skip
        stack.enter_context(running(mlflow_command, scratch / "mlflow-server.log", environment))
        wait_until(lambda: http_ok(f"{mlflow_url}/health"), timeout=90, what=f"mlflow server on {mlflow_url}")
        workers = {}
        for name, queues in WORKER_QUEUES.items():
            # docs/deploy.md's worker command: settings from resources/celery_worker, the broker's password
            # from the environment (`dagster-celery worker start` would write it into DAGSTER_HOME).
            command = [
                str(BIN / "celery"), *("-A", "dagster_celery.app", "worker", "--prefetch-multiplier=1", "-l", "INFO"),
                *("-Q", queues, "-n", f"{name}@%h", "--concurrency=1", "--without-gossip", "--without-mingle"),
            ]  # fmt: skip
            paths = os.pathsep.join([environment["PYTHONPATH"], WORKER_CONFIG])
            worker_environment = {**environment, "PYTHONPATH": paths}
            log = scratch / f"worker-{name}.log"
            workers[name] = (stack.enter_context(running(command, log, worker_environment)), log)
        for name, (process, log) in workers.items():
            wait_until(
                lambda process=process, log=log: _worker_ready(log, process), timeout=90, what=f"Celery worker {name}"
            )
        yield Cluster(
            environment=environment,
            dagster_home=dagster_home,
            encore_home=scratch / "encore",
            worker_pids={name: process.pid for name, (process, _) in workers.items()},
            scratch=scratch,
            mlflow_url=mlflow_url,
        )


def _execute_job(environment: dict[str, str], arguments: list[str], log: Path) -> None:
    """``dagster job execute`` in its own process group, stopped with its step processes on timeout."""
    command = [str(BIN / "dagster"), "job", "execute", *arguments]
    with running(command, log, environment) as process:
        try:
            returncode = process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"{' '.join(command)} ran past {RUN_TIMEOUT} s:\n{log_tail(log)}") from error
    assert returncode == 0, f"{' '.join(command)} failed:\n{log_tail(log)}"


def _latest_run(instance: dg.DagsterInstance, job_name: str) -> dg.DagsterRun:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=job_name), limit=1)
    assert runs, f"no run of {job_name} in the instance"
    return runs[0]


def _step_placements(instance: dg.DagsterInstance, run_id: str) -> dict[str, StepPlacement]:
    """Worker (from the Celery task's engine event) and pid (from the step-start event) of every step."""
    workers = celery_workers_by_step(instance, run_id)
    pids = {
        entry.dagster_event.step_key: entry.dagster_event.pid
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    }
    assert set(workers) == set(pids), (workers, pids)
    return {
        step: StepPlacement(worker=workers[step].split("@")[0], host=workers[step].split("@")[1], pid=pids[step])
        for step in pids
    }


def _descends_from(pid: int, ancestor: int) -> bool:
    """Follow /proc parent links from ``pid`` up to ``ancestor`` (the worker command we started)."""
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError):
            return False
    return False


def _report_metrics(encore_home: Path) -> dict[str, dict[str, float]]:
    reports = sorted((encore_home / "lake" / GROUP / "reports").glob("*.json"))
    return {report.stem: json.loads(report.read_text())["metrics"] for report in reports}


def _raw_content_hashes(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    hashes = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if "content_hash" in materialization.metadata:
            hashes[materialization.asset_key.to_user_string()] = materialization.metadata["content_hash"].value
    return hashes


def _training_steps() -> set[str]:
    return {
        assets_def.op.name
        for assets_def in defs.resolve_asset_graph().assets_defs
        if assets_def.is_executable
        and GROUP in assets_def.group_names_by_key.values()
        and assets_def.op.tags.get(QUEUE_TAG) == "gpu"
    }


def _sample_config(job_name: str, scratch: Path) -> list[str]:
    """`-c` with the sample settings of this job's ops only: a job rejects config for ops it does not have,
    and the sample file covers every group (it is made for `--select '*'`)."""
    import yaml

    ops = set(defs.resolve_job_def(job_name).graph.node_dict)
    config = yaml.safe_load(SAMPLE_RUN_CONFIG.read_text())
    config["ops"] = {name: settings for name, settings in config.get("ops", {}).items() if name in ops}
    path = scratch / f"{job_name}_sample_config.yaml"
    path.write_text(yaml.safe_dump(config))
    return ["-c", str(path)]


@pytest.fixture(scope="module")
def celery_run(cluster: Cluster) -> tuple[dg.DagsterRun, dict[str, StepPlacement]]:
    job_name = f"{GROUP}_job"
    _execute_job(
        cluster.environment,
        ["-m", "pipelines", "-j", job_name, *_sample_config(job_name, cluster.scratch)],
        cluster.scratch / "celery-run.log",
    )
    with dg.DagsterInstance.from_config(str(cluster.dagster_home)) as instance:
        run = _latest_run(instance, job_name)
        placements = _step_placements(instance, run.run_id)
    # Kept beside the worker logs for a person reading a failed (or passed) run.
    (cluster.scratch / "placements.json").write_text(
        json.dumps({step: vars(placement) for step, placement in sorted(placements.items())}, indent=2)
    )
    return run, placements


def test_no_file_holds_the_broker_password(cluster: Cluster, celery_run: tuple) -> None:
    """Workers and runs read the broker URL from the environment: nothing they write contains its password."""
    leaked = [
        path
        for root in (cluster.dagster_home, cluster.encore_home)
        for path in root.rglob("*")
        if path.is_file() and BROKER_PASSWORD.encode() in path.read_bytes()
    ]
    assert leaked == []


def test_the_domain_runs_on_both_workers(cluster: Cluster, celery_run: tuple) -> None:
    run, placements = celery_run
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert {placement.worker for placement in placements.values()} == set(WORKER_QUEUES)
    assert len(placements) >= len(WORKER_QUEUES)
    for step, placement in placements.items():
        assert placement.host == socket.gethostname(), step
        assert _descends_from(placement.pid, cluster.worker_pids[placement.worker]), (step, placement)


def test_training_steps_run_on_the_gpu_worker(cluster: Cluster, celery_run: tuple) -> None:
    _, placements = celery_run
    assert _training_steps(), f"no training step in the {GROUP} group"
    for step in _training_steps():
        assert placements[step].worker == "gpu", step
    _execute_job(
        cluster.environment,
        ["-m", "tests.operations.celery_probe", "-j", "gpu_queue_probe"],
        cluster.scratch / "probe-run.log",
    )
    with dg.DagsterInstance.from_config(str(cluster.dagster_home)) as instance:
        run = _latest_run(instance, "gpu_queue_probe")
        probe_placements = _step_placements(instance, run.run_id)
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert {step: placement.worker for step, placement in probe_placements.items()} == {
        f"gpu_probe_{index}": "gpu" for index in range(4)
    }


def test_both_workers_track_into_the_one_mlflow_server(cluster: Cluster, celery_run: tuple) -> None:
    """The training steps (gpu worker) log their runs and register versions; the blessings and champions
    (either worker) add test metrics and move the alias: all on the shared server, none in a local store."""
    from mlflow import MlflowClient

    run, placements = celery_run
    client = MlflowClient(cluster.mlflow_url)
    tasks = {"pianoroll", "velocity"}
    for task in tasks:
        experiment = client.get_experiment_by_name(f"encore/{task}")
        assert experiment is not None, task
        runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.`dagster.run_id` = '{run.run_id}'")
        assert len(runs) == 1, (task, runs)
        assert runs[0].data.tags["encore.blessed"] == "true"
        assert any(name.startswith("test/") for name in runs[0].data.metrics), runs[0].data.metrics
        assert client.get_model_version_by_alias(task, "champion").run_id == runs[0].info.run_id
    assert {placements[f"{task}_model"].worker for task in tasks} == {"gpu"}
    assert {placement.worker for step, placement in placements.items() if "blessing" in step or "champion" in step}
    assert not (cluster.encore_home / "mlflow.db").exists()


def test_results_match_the_local_executor(cluster: Cluster, celery_run: tuple) -> None:
    """Same seed, same data, CPU kernels made deterministic by the training resource: the metrics of
    every report must be equal. The tolerance (relative 1e-9) only absorbs float printing, not noise."""
    celery_run_record, _ = celery_run
    local_home = cluster.scratch / "encore-local"
    local_environment = {**cluster.environment, "ENCORE_HOME": str(local_home)}
    del local_environment["ENCORE_EXECUTOR"]
    _execute_job(
        local_environment,
        ["-m", "pipelines", "-j", f"{GROUP}_job", *_sample_config(f"{GROUP}_job", cluster.scratch)],
        cluster.scratch / "local-run.log",
    )
    with dg.DagsterInstance.from_config(str(cluster.dagster_home)) as instance:
        local_run = _latest_run(instance, f"{GROUP}_job")
        assert local_run.run_id != celery_run_record.run_id
        assert _raw_content_hashes(instance, local_run.run_id) == _raw_content_hashes(
            instance, celery_run_record.run_id
        )
        assert _raw_content_hashes(instance, local_run.run_id)
    celery_metrics = _report_metrics(cluster.encore_home)
    local_metrics = _report_metrics(local_home)
    assert celery_metrics.keys() == local_metrics.keys()
    assert celery_metrics and all(celery_metrics.values()), "no report metrics to compare"
    for report, metrics in celery_metrics.items():
        assert metrics.keys() == local_metrics[report].keys(), report
        for name, value in metrics.items():
            assert math.isclose(value, local_metrics[report][name], rel_tol=1e-9, abs_tol=1e-12), (report, name)


def test_a_step_whose_worker_process_is_killed_runs_again(cluster: Cluster) -> None:
    """SIGKILL the Celery pool process running a step, as the out-of-memory killer would: the worker loses it,
    `task_reject_on_worker_lost` puts the step back on the broker, a worker runs it again and the run succeeds."""
    folder = cluster.scratch / "killed_step"
    folder.mkdir()
    attempts = folder / ATTEMPTS_FILE
    config = folder / "run_config.json"  # JSON is YAML: `dagster job execute` takes run config only as files
    config.write_text(json.dumps({"ops": {"killed_step": {"config": {"folder": str(folder)}}}}))
    command = [str(BIN / "dagster"), "job", "execute", "-m", "tests.operations.killed_step_probe", "-c", str(config)]
    log = cluster.scratch / "killed-step-run.log"
    with running(command, log, cluster.environment) as run_process:

        def first_attempt_started() -> bool:
            if run_process.poll() is not None:
                raise AssertionError(f"the run ended before its step was killed:\n{log_tail(log)}")
            return attempts.exists() and len(attempts.read_text().split()) >= 1

        wait_until(first_attempt_started, timeout=RUN_TIMEOUT, what="the step's first attempt")
        victim = int(attempts.read_text().split()[0])
        assert any(_descends_from(victim, worker) for worker in cluster.worker_pids.values()), victim
        os.kill(victim, signal.SIGKILL)
        try:
            returncode = run_process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"the run did not end after its step was killed:\n{log_tail(log)}") from error
    assert returncode == 0, log_tail(log)

    first, second = (int(pid) for pid in attempts.read_text().split())
    assert first == victim and second != victim
    with dg.DagsterInstance.from_config(str(cluster.dagster_home)) as instance:
        run = _latest_run(instance, "killed_step_probe")
        deliveries = [
            entry.dagster_event.engine_event_data.metadata["Celery worker"].value
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
            if "Celery worker" in entry.dagster_event.engine_event_data.metadata
        ]
        successes = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert len(deliveries) == 2, deliveries  # the step was handed to a worker twice
    assert [entry.dagster_event.pid for entry in successes] == [second]
