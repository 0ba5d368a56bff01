"""Helpers for tests that start real servers: a free loopback port, bounded waits, and processes
that are always stopped (their whole process group, SIGTERM then SIGKILL, each wait bounded)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.5) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def http_ok(url: str) -> bool:
    """Whether ``url`` answers 200 right now (a server's health endpoint while it starts)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def log_tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else f"({path} was not written)"


@contextlib.contextmanager
def running(
    command: Sequence[str], log: Path, environment: Mapping[str, str], cwd: Path = REPOSITORY
) -> Iterator[subprocess.Popen]:
    """Start ``command`` in its own process group with output in ``log``; stop the group on exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(environment),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the process group, wait up to ``grace`` seconds, then SIGKILL it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # Children (code servers, Celery pool processes) share the group and may outlive the leader.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def base_environment(dagster_home: Path, encore_home: Path) -> dict[str, str]:
    """This environment with a fresh Dagster instance and Encore home, and no real-data root."""
    environment = {key: value for key, value in os.environ.items() if key != "ENCORE_RAW_ROOT"}
    environment.update(DAGSTER_HOME=str(dagster_home), ENCORE_HOME=str(encore_home), PYTHONUNBUFFERED="1")
    return environment


# The `encore` console script (`resources.instance:main`) as this interpreter runs it: the same code whether or
# not the venv was installed from this checkout.
ENCORE = [sys.executable, "-m", "resources.instance"]


def user_environment(encore_home: Path) -> dict[str, str]:
    """This environment as a user's shell has it: ``ENCORE_HOME`` set, and no ``DAGSTER_HOME``, real-data root
    or MLflow server, so the ``encore`` launcher picks the instance (``<encore_home>/dagster``)."""
    unset = ("DAGSTER_HOME", "ENCORE_RAW_ROOT", "MLFLOW_TRACKING_URI")
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    environment.update(ENCORE_HOME=str(encore_home), PYTHONUNBUFFERED="1")
    return environment


def require_program(program: str, package: str) -> str:
    """The path of ``program``; skip the test without it, or fail when CI said it must run.

    ``.ci/run`` installs the Debian packages and sets ``ENCORE_REQUIRE_SYSTEM_TESTS=1``, so in CI a
    missing program is a failure, never a silent skip.
    """
    import shutil

    import pytest

    path = shutil.which(program)
    if path:
        return path
    message = f"{program} is not installed (Debian package {package}; .ci/run installs it)"
    if os.environ.get("ENCORE_REQUIRE_SYSTEM_TESTS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def celery_workers_by_step(instance: Any, run_id: str) -> dict[str, str]:
    """Step key -> the Celery worker (``name@host``) that ran it, from the engine event that the Celery
    executor logs for each step it hands to a worker."""
    import dagster as dg

    workers: dict[str, str] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        worker = entry.dagster_event.engine_event_data.metadata.get("Celery worker")
        if worker is not None:
            workers[entry.dagster_event.step_key] = str(worker.value)
    return workers
