"""MLflow as tracker and registry, on the embedded SQLite store: runs, registered versions, the alias."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common.model_registry import RegistryMismatchError, load_champion, promote, write_version
from resources import MlflowResource
from resources.tracking import CHAMPION_ALIAS, VERSION_TAG, read_tracking, tracking_uri

mlflow = pytest.importorskip("mlflow")


def _sklearn_version(task_dir: Path, task: str, weight: float):
    import joblib
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit([[0.0], [1.0]], [0.0, weight])

    def save(folder: Path) -> str:
        joblib.dump(model, folder / "model.joblib")
        (folder / "scaler.json").write_text("{}")  # a side file travels with the model
        return "model.joblib"

    return write_version(
        task_dir, task, save, config={"weight": weight, "layers": [1, 2]}, data_version="d1", code_version="c1",
        metrics={"best_val_loss": 0.5},
    )  # fmt: skip


def test_the_embedded_store_lives_in_the_encore_home_unless_a_server_is_named(
    encore_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri() == f"sqlite:///{encore_home.resolve() / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert MlflowResource().resolved_uri() == "http://127.0.0.1:5000"
    assert MlflowResource(tracking_uri="http://mlflow:80").resolved_uri() == "http://mlflow:80"


def test_a_version_is_a_run_with_its_curves_and_a_registered_model_version(encore_home: Path) -> None:
    tracker = MlflowResource()
    task_dir = encore_home / "lake" / "toy" / "models" / "toy_task"
    version = _sklearn_version(task_dir, "toy_task", 2.0)
    histories = {"early_stopping": {"loss": [3.0, 2.0, 1.5], "val_loss": [3.5, 2.5, 2.6]}}
    tracked = tracker.log_version("toy_task", version, histories, {"dagster.run_id": "r1"})
    assert tracked == read_tracking(Path(version.path))

    client = mlflow.MlflowClient(tracker.resolved_uri())
    run = client.get_run(tracked["run_id"])
    assert client.get_experiment(run.info.experiment_id).name == "encore/toy_task"
    assert run.data.params == {"weight": "2.0", "layers": "[1, 2]"}
    assert run.data.tags[VERSION_TAG] == version.version and run.data.tags["dagster.run_id"] == "r1"
    assert run.data.metrics["best_val_loss"] == 0.5
    curve = client.get_metric_history(tracked["run_id"], "early_stopping/val_loss")
    assert [(point.step, point.value) for point in curve] == [(1, 3.5), (2, 2.5), (3, 2.6)]
    artifacts = {item.path for item in client.list_artifacts(tracked["run_id"], "model")}
    assert artifacts == {"model/model.joblib", "model/scaler.json", "model/version.json"}
    registered = client.get_model_version("toy_task", tracked["model_version"])
    assert registered.run_id == tracked["run_id"] and registered.tags[VERSION_TAG] == version.version

    tracker.log_evaluation(Path(version.path), {"accuracy": 0.9}, blessed=True)
    run = client.get_run(tracked["run_id"])
    assert run.data.metrics["test/accuracy"] == 0.9 and run.data.tags["encore.blessed"] == "true"


def test_load_champion_reads_the_alias_and_refuses_a_pointer_it_disagrees_with(encore_home: Path) -> None:
    tracker = MlflowResource()
    task_dir = encore_home / "lake" / "toy" / "models" / "toy_task"
    first, second = (_sklearn_version(task_dir, "toy_task", weight) for weight in (2.0, 3.0))
    for version in (first, second):
        tracker.log_version("toy_task", version)
    tracker.set_champion("toy_task", Path(second.path))
    promote(task_dir, second, "accuracy", 0.9, "run")
    model, record = load_champion("toy", "toy_task")
    assert record.version == second.version and model.predict([[1.0]])[0] == pytest.approx(3.0)
    client = mlflow.MlflowClient(tracker.resolved_uri())
    assert str(client.get_model_version_by_alias("toy_task", CHAMPION_ALIAS).version) == "2"

    promote(task_dir, first, "accuracy", 0.8, "run")  # the file moved without the alias: a broken promotion
    with pytest.raises(RegistryMismatchError, match=r"models:/toy_task@champion is version .* toy_task_champion"):
        load_champion("toy", "toy_task")


def test_a_version_without_a_run_names_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"was not registered in MLflow .* retrain"):
        read_tracking(tmp_path)
