"""The same tracking and registry against a real `mlflow server` process on loopback (what a team runs):
a version logged over HTTP, its artifacts proxied by the server, the alias set and the champion loaded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assets.common.model_registry import load_champion, promote
from resources import MlflowResource
from tests.common.test_tracking import _sklearn_version
from tests.operations.processes import BIN, base_environment, free_port, http_ok, log_tail, running, wait_until

pytest.importorskip("mlflow")


def test_a_version_round_trips_through_a_real_mlflow_server(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    encore_home = tmp_path / "encore"
    environment = base_environment(tmp_path / "dagster", encore_home)
    environment.pop("MLFLOW_TRACKING_URI", None)
    command = [
        str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
        "--artifacts-destination", (tmp_path / "server-artifacts").as_uri(),
    ]  # fmt: skip
    log = tmp_path / "mlflow-server.log"
    with running(command, log, environment):
        try:
            wait_until(lambda: http_ok(f"{url}/health"), 90, f"mlflow server on {url}")
        except TimeoutError:
            pytest.fail(log_tail(log))
        tracker = MlflowResource(tracking_uri=url, home=str(encore_home))
        task_dir = encore_home / "lake" / "toy" / "models" / "toy_task"
        version = _sklearn_version(task_dir, "toy_task", 4.0)
        tracked = tracker.log_version("toy_task", version, {"fit": {"loss": [2.0, 1.0]}})
        tracker.set_champion("toy_task", Path(version.path))
        promote(task_dir, version, "accuracy", 0.9, "run")
        model, record = load_champion("toy", "toy_task", home=str(encore_home), tracking_uri=url)
    assert record.version == version.version and model.predict([[1.0]])[0] == pytest.approx(4.0)
    assert "MLFLOW_TRACKING_URI" not in os.environ, "loading a champion must not repoint the whole process"
    assert tracked["model_version"] == "1"
    # the server, not the client, stored the artifacts, and nothing went to the embedded store
    assert list((tmp_path / "server-artifacts").rglob("model.joblib"))
    assert not (encore_home / "mlflow.db").exists()
