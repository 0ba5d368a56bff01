"""MLflow as the experiment tracker and model registry of every trained model.

Embedded by default, with nothing to set up: tracking and registry in ``sqlite:///<ENCORE_HOME>/mlflow.db``,
artifacts under ``<ENCORE_HOME>/mlflow-artifacts/``. ``tracking_uri`` (or ``MLFLOW_TRACKING_URI``) points
at a real ``mlflow server`` instead. ``mlflow`` is imported only when a method runs, never when the code
location loads.

Each trained version is one MLflow run in the experiment ``encore/<task>`` (its config as parameters,
per-epoch curves and final metrics, the version folder as artifacts, Dagster run and asset as tags) and
one version of the registered model ``<task>``; the report's test metrics are added to the same run, and
the champion is the registered model's ``champion`` alias, moved by the promotion.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from assets.common.atomic import file_lock, write_json_atomic
from assets.common.model_registry import read_version_file
from resources.settings import encore_home

CHAMPION_ALIAS = "champion"
TRACKING_FILE = "mlflow.json"  # in a version folder: its MLflow run id and registered model version
VERSION_TAG = "encore.version"
EXPERIMENT_KIND = "mlflow.experimentKind"
MAX_PARAM_LENGTH = 6000  # MLflow's limit on a parameter value


class MlflowResource(dg.ConfigurableResource):
    """Where trainings are tracked and models registered: embedded SQLite under the Encore home by default."""

    tracking_uri: str = Field(
        default="",
        description="An MLflow tracking URI (e.g. http://mlflow:5000). Empty: $MLFLOW_TRACKING_URI, else the "
        "embedded sqlite:///<home>/mlflow.db.",
    )
    home: str = Field(default="", description="Encore's home (default $ENCORE_HOME, else ./.encore).")

    def resolved_uri(self) -> str:
        return tracking_uri(self.tracking_uri, self.home)

    def log_version(
        self,
        task: str,
        version: Any,
        histories: Mapping[str, Mapping[str, list[float]]] | None = None,
        tags: Mapping[str, str] | None = None,
        started_at: float | None = None,
    ) -> dict[str, str]:
        """Record a new model version as an MLflow run (from ``started_at``, a ``time.time()``, when the
        training began) and a registered model version (see module doc)."""
        return log_version(self.resolved_uri(), self.home, task, version, histories or {}, tags or {}, started_at)

    def log_evaluation(self, version_dir: Path, metrics: Mapping[str, float], blessed: bool | None = None) -> None:
        """Add a report's test metrics (and, when known, its blessing) to the version's run."""
        log_evaluation(self.resolved_uri(), Path(version_dir), metrics, blessed)

    def set_champion(self, task: str, version_dir: Path) -> str:
        """Point the ``champion`` alias of ``task`` at the registered version of ``version_dir``."""
        return set_champion(self.resolved_uri(), task, Path(version_dir))


def tracking_uri(configured: str = "", home: str = "") -> str:
    if configured or os.environ.get("MLFLOW_TRACKING_URI"):
        return configured or os.environ["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{encore_home(home) / 'mlflow.db'}"


def _client(uri: str) -> Any:
    from mlflow import MlflowClient

    if not uri.startswith("sqlite:///"):
        return MlflowClient(tracking_uri=uri, registry_uri=uri)
    # The first use creates and migrates the schema; two processes doing it at once corrupt it.
    database = Path(uri.removeprefix("sqlite:///"))
    with file_lock(database.with_name(f".{database.name}.lock")):
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)
        client.search_registered_models(max_results=1)
    return client


def _experiment_id(client: Any, uri: str, home: str, task: str) -> str:
    """The task's experiment, created on first use (tolerating a concurrent creation by another run)."""
    from mlflow.exceptions import MlflowException

    name = f"encore/{task}"
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    location = None
    if uri.startswith("sqlite:"):
        location = (encore_home(home) / "mlflow-artifacts" / task).as_uri()
    try:
        # the kind makes MLflow's UI open the experiment on its training runs (not its GenAI traces view)
        return client.create_experiment(
            name, artifact_location=location, tags={EXPERIMENT_KIND: "custom_model_development"}
        )
    except MlflowException:
        return client.get_experiment_by_name(name).experiment_id


def _registered_model(client: Any, task: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(task)
    except MlflowException:
        try:
            client.create_registered_model(task, description=f"Encore's {task} models; alias `champion` is in use.")
        except MlflowException:
            client.get_registered_model(task)  # created by a concurrent run meanwhile


def _params(config: Mapping[str, Any]) -> dict[str, str]:
    return {name: json.dumps(value)[:MAX_PARAM_LENGTH] for name, value in config.items()}


def log_version(
    uri: str,
    home: str,
    task: str,
    version: Any,
    histories: Mapping[str, Mapping[str, list[float]]],
    tags: Mapping[str, str],
    started_at: float | None = None,
) -> dict[str, str]:
    """One run (params, per-epoch metrics, final metrics, artifacts) and one registered model version."""
    from mlflow.entities import Metric, Param

    client = _client(uri)
    run = client.create_run(
        _experiment_id(client, uri, home, task),
        run_name=version.version,
        start_time=int((started_at or time.time()) * 1000),
        tags={
            VERSION_TAG: version.version,
            "encore.data_version": version.data_version,
            "encore.code_version": version.code_version,
            **tags,
        },
    )
    run_id = run.info.run_id
    now = int(time.time() * 1000)
    metrics = [Metric(name, float(value), now, 0) for name, value in version.metrics.items()]
    for prefix, history in histories.items():
        for name, values in history.items():
            key = f"{prefix}/{name}" if prefix else name
            metrics += [Metric(key, float(value), now, step) for step, value in enumerate(values, start=1)]
    params = [Param(name, value) for name, value in _params(version.config).items()]
    for start in range(0, len(params), 100):  # log_batch's limits: 100 params, 1,000 metrics a call
        client.log_batch(run_id, params=params[start : start + 100])
    for start in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[start : start + 1000])
    client.log_artifacts(run_id, version.path, artifact_path="model")
    client.set_terminated(run_id)
    _registered_model(client, task)
    registered = client.create_model_version(
        task, f"{run.info.artifact_uri}/model", run_id=run_id, tags={VERSION_TAG: version.version}
    )
    tracked = {"run_id": run_id, "registered_model": task, "model_version": str(registered.version)}
    write_json_atomic(Path(version.path) / TRACKING_FILE, tracked)
    client.set_tag(run_id, "encore.model_version", tracked["model_version"])
    return tracked


def read_tracking(version_dir: Path) -> dict[str, str]:
    return read_version_file(
        version_dir,
        TRACKING_FILE,
        "was not registered in MLflow (it predates MLflow tracking; retrain the task, a fresh ENCORE_HOME "
        "needs no migration)",
    )


def log_evaluation(uri: str, version_dir: Path, metrics: Mapping[str, float], blessed: bool | None) -> None:
    from mlflow.entities import Metric

    tracked = read_tracking(version_dir)
    client = _client(uri)
    now = int(time.time() * 1000)
    client.log_batch(
        tracked["run_id"], metrics=[Metric(f"test/{name}", float(value), now, 0) for name, value in metrics.items()]
    )
    if blessed is not None:
        client.set_tag(tracked["run_id"], "encore.blessed", str(blessed).lower())


def set_champion(uri: str, task: str, version_dir: Path) -> str:
    tracked = read_tracking(version_dir)
    _client(uri).set_registered_model_alias(task, CHAMPION_ALIAS, tracked["model_version"])
    return tracked["model_version"]


def champion_uri(task: str) -> str:
    return f"models:/{task}@{CHAMPION_ALIAS}"


def download_champion(task: str, destination: Path, configured_uri: str = "", home: str = "") -> tuple[Path, str]:
    """The champion's files from the registry (the version ``models:/<task>@champion`` resolves to) and its
    Encore version id."""
    import mlflow

    uri = tracking_uri(configured_uri, home)
    client = _client(uri)  # explicit URIs: loading a champion never repoints the process's global MLflow URI
    registered = client.get_model_version_by_alias(task, CHAMPION_ALIAS)
    source = client.get_model_version_download_uri(task, registered.version)
    folder = mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(destination), tracking_uri=uri)
    return Path(folder), registered.tags[VERSION_TAG]
