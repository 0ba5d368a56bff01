"""The executor is chosen in one place: multiprocess by default, Celery with ENCORE_EXECUTOR=celery."""

import importlib.util
import os
import subprocess
import sys

import pytest

from resources.environments import CELERY_SETTINGS, PRELOADED_MODULES, executor_for_environment

BROKER = "redis://127.0.0.1:6390/0"
BACKEND = "redis://127.0.0.1:6390/1"


def test_multiprocess_with_a_preloading_forkserver_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENCORE_EXECUTOR", raising=False)
    executor = executor_for_environment()
    assert executor.name == "multiprocess"
    config = executor.apply_config_mapping({}).value["config"]
    assert config["start_method"] == {"forkserver": {"preload_modules": PRELOADED_MODULES}}
    assert "pipelines" in PRELOADED_MODULES
    spawned = executor.apply_config_mapping({"config": {"start_method": "spawn", "max_concurrent": 1}}).value["config"]
    assert spawned["start_method"] == {"spawn": {}} and spawned["max_concurrent"] == 1
    for module in PRELOADED_MODULES:  # a module that cannot be imported would fail every run's first step
        assert importlib.util.find_spec(module) is not None, module


def test_celery_reads_broker_and_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_EXECUTOR", "celery")
    monkeypatch.setenv("ENCORE_CELERY_BROKER", BROKER)
    monkeypatch.setenv("ENCORE_CELERY_BACKEND", BACKEND)
    executor = executor_for_environment()
    assert executor.name == "celery"
    config = executor.apply_config_mapping({}).value["config"]
    assert (config["broker"], config["backend"]) == (BROKER, BACKEND)
    assert config["config_source"] == CELERY_SETTINGS


def test_celery_without_a_broker_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_EXECUTOR", "celery")
    monkeypatch.delenv("ENCORE_CELERY_BROKER", raising=False)
    monkeypatch.setenv("ENCORE_CELERY_BACKEND", BROKER)
    with pytest.raises(ValueError, match="needs ENCORE_CELERY_BROKER"):
        executor_for_environment()


def test_an_unknown_executor_is_rejected() -> None:
    with pytest.raises(ValueError, match="ENCORE_EXECUTOR='dask' is not one of"):
        executor_for_environment("dask")


def test_every_job_of_the_code_location_uses_the_chosen_executor() -> None:
    probe = (
        "from pipelines import defs; "
        "print(sorted({defs.resolve_job_def(job.name).executor_def.name for job in "
        "defs.get_repository_def().get_all_jobs()}))"
    )
    environment = {"ENCORE_EXECUTOR": "celery", "ENCORE_CELERY_BROKER": BROKER, "ENCORE_CELERY_BACKEND": BROKER}
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=_with(environment)
    ).stdout
    assert output.strip() == "['celery']"


def test_celery_settings_acknowledge_late_redeliver_a_lost_step_and_outlast_a_training() -> None:
    assert CELERY_SETTINGS["task_acks_late"] is True
    assert CELERY_SETTINGS["task_reject_on_worker_lost"] is True
    assert CELERY_SETTINGS["broker_transport_options"]["visibility_timeout"] >= 12 * 3600


def _with(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **extra}


def test_k8s_names_the_missing_package_when_dagster_k8s_is_absent() -> None:
    # dagster-k8s is not a dependency here: the deployment image installs it (docs/deploy.md).
    try:
        import dagster_k8s  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="pip install dagster-k8s"):
            executor_for_environment("k8s")
    else:
        assert executor_for_environment("k8s").name == "k8s"
