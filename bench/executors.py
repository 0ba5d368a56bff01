"""Wall time of materializing the whole sample graph with the local (multiprocess) executor and with
Dagster's Celery executor and two workers over a local Redis (`cpu`: queue `dagster`; `gpu`: queues
`dagster,gpu`; one task at a time each), each into a fresh Encore home and a migrated DAGSTER_HOME.
Worker start-up is measured apart: a deployment starts workers once, not per run."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.operations.processes import (
    BIN,
    REPOSITORY,
    base_environment,
    celery_workers_by_step,
    free_port,
    running,
    wait_until,
)

Row = tuple[str, float, str]
SAMPLE_RUN_CONFIG = "pipelines/sample_run_config.yaml"  # the README's and CI's materialization settings
PLACEMENT_FILE = REPOSITORY / "bench" / "results" / "celery_placement.json"  # step -> worker of the last run
WORKERS = {"cpu": "dagster", "gpu": "dagster,gpu"}


def _materialize(environment: dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    with open(log, "wb") as output:
        subprocess.run(
            [str(BIN / "dagster"), "asset", "materialize", "--select", "*", "-m", "pipelines", "-c", SAMPLE_RUN_CONFIG],
            cwd=REPOSITORY,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=1800,
        )
    return time.perf_counter() - started


def _fresh_instance(scratch: Path, name: str, environment: dict[str, str]) -> dict[str, str]:
    dagster_home = scratch / f"{name}-dagster"
    dagster_home.mkdir(parents=True)
    shutil.copy(REPOSITORY / "dagster.yaml", dagster_home / "dagster.yaml")
    environment = {**base_environment(dagster_home, scratch / f"{name}-encore"), **environment}
    subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"], env=environment, check=True, capture_output=True, timeout=120
    )
    return environment


def _answers(port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")
    return False


def measure(scratch: Path) -> list[Row]:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise RuntimeError("redis-server is not installed (Debian package redis-server): cannot measure Celery")
    local = _fresh_instance(scratch, "local", {"ENCORE_EXECUTOR": "multiprocess"})
    rows: list[Row] = [
        ("materialize '*', local multiprocess executor", _materialize(local, scratch / "local.log"), "s")
    ]

    port = free_port()
    celery = _fresh_instance(
        scratch,
        "celery",
        {
            "ENCORE_EXECUTOR": "celery",
            "ENCORE_CELERY_BROKER": f"redis://127.0.0.1:{port}/0",
            "ENCORE_CELERY_BACKEND": f"redis://127.0.0.1:{port}/1",
            "PYTHONPATH": str(REPOSITORY),
            "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        },
    )
    with contextlib.ExitStack() as stack:
        redis_command = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        stack.enter_context(running(redis_command, scratch / "redis.log", celery))
        wait_until(lambda: _answers(port), timeout=30, what="redis-server")
        started = time.perf_counter()
        logs = []
        for name, queues in WORKERS.items():
            command = [
                str(BIN / "dagster-celery"),
                *("worker", "start", "-A", "dagster_celery.app", "-n", name, "-q", queues),
                *("-y", str(REPOSITORY / "docs" / "deploy" / "celery-worker.yaml")),
                *("--", "--concurrency=1", "--without-gossip", "--without-mingle"),
            ]
            logs.append(scratch / f"worker-{name}.log")
            stack.enter_context(running(command, logs[-1], celery))
        wait_until(lambda: all(" ready." in log.read_text(errors="replace") for log in logs), 120, "two workers")
        rows.append(("start two Celery workers", time.perf_counter() - started, "s"))
        rows.append(
            ("materialize '*', Celery executor, two workers", _materialize(celery, scratch / "celery.log"), "s")
        )
    placement = step_workers(Path(celery["DAGSTER_HOME"]))
    PLACEMENT_FILE.write_text(json.dumps(placement, indent=2, sort_keys=True) + "\n")
    for name, queues in WORKERS.items():
        steps = sum(worker.split("@")[0] == name for worker in placement.values())
        rows.append((f"steps run by worker {name} (queues {queues})", float(steps), "steps"))
    return rows


def step_workers(dagster_home: Path) -> dict[str, str]:
    """Step key -> Celery worker (name@host) of the latest run in this instance."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return celery_workers_by_step(instance, instance.get_runs(limit=1)[0].run_id)


def main() -> None:
    """`python -m bench.executors [--scratch DIR]`: this comparison alone; DIR keeps both Encore homes."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scratch", type=Path, default=None, help="keep the homes and logs here (must not exist)")
    arguments = parser.parse_args()
    with contextlib.ExitStack() as stack:
        scratch = arguments.scratch or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        started_load = os.getloadavg()[0]
        rows = measure(scratch)
    rows = [("load average (1 min) at start", started_load, "runnable"), *rows,
            ("load average (1 min) at end", os.getloadavg()[0], "runnable")]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:>10.2f}  {unit}")
    output = REPOSITORY / "bench" / "results" / "executors.json"
    output.write_text(json.dumps([{"benchmark": n, "value": round(v, 2), "unit": u} for n, v, u in rows], indent=2))


if __name__ == "__main__":
    main()
