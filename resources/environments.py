"""Resources and executor per environment, chosen in one place.

``ENCORE_ENV`` (default ``local``) picks the resources; ``ENCORE_EXECUTOR`` (default ``multiprocess``)
picks how a run's steps execute: in subprocesses on this machine, or as Celery tasks that workers
(``dagster-celery worker start``) pick up from a broker, training steps on the ``gpu`` queue.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from resources.duckdb import DuckDBResource
from resources.lake import LakeResource
from resources.parquet_io import ParquetIOManager
from resources.raw_data import RawDataResource
from resources.tracking import MlflowResource
from resources.training import TrainingResource


def local_resources() -> dict[str, Any]:
    """Everything under ``$ENCORE_HOME``; raw data from ``$ENCORE_RAW_ROOT`` or the embedded sample."""
    return {
        "io_manager": ParquetIOManager(),
        "lake": LakeResource(),
        "raw_data": RawDataResource(),
        "training": TrainingResource(),
        "duckdb": DuckDBResource(),
        "mlflow": MlflowResource(),
    }


def gpu_resources() -> dict[str, Any]:
    """Like local, but training must find a GPU and uses mixed precision."""
    return {**local_resources(), "training": TrainingResource(device="gpu", mixed_precision=True)}


ENVIRONMENTS = {"local": local_resources, "gpu": gpu_resources}


def resources_for_environment(name: str | None = None) -> dict[str, Any]:
    name = name or os.environ.get("ENCORE_ENV", "local")
    if name not in ENVIRONMENTS:
        raise ValueError(f"ENCORE_ENV={name!r} is not one of {sorted(ENVIRONMENTS)}")
    return ENVIRONMENTS[name]()


EXECUTORS = ("multiprocess", "celery", "k8s")
CELERY_VARIABLES = ("ENCORE_CELERY_BROKER", "ENCORE_CELERY_BACKEND")
# The multiprocess executor forks each step from one server process that has already imported Dagster, the
# code location and the heavy libraries, instead of starting a fresh interpreter per step (which paid about
# 3 s of imports a step: bench/README.md). Only imported, never initialised: TensorFlow picks its device in
# the step, after the fork.
PRELOADED_MODULES = ["pipelines", "tensorflow", "keras", "mlflow", "sklearn", "librosa"]


def _multiprocess_config(config: dict[str, Any]) -> dict[str, Any]:
    method = config.get("start_method", "forkserver")
    start_method = {"forkserver": {"preload_modules": PRELOADED_MODULES}} if method == "forkserver" else {"spawn": {}}
    concurrency = {"max_concurrent": config["max_concurrent"]} if "max_concurrent" in config else {}
    return {"start_method": start_method, **concurrency}


LOCAL_EXECUTOR = dg.multiprocess_executor.configured(
    _multiprocess_config,
    name="multiprocess",
    config_schema={
        "start_method": dg.Field(
            dg.Enum("LocalStartMethod", [dg.EnumValue("forkserver"), dg.EnumValue("spawn")]),
            default_value="forkserver",
            description="`forkserver`: each step forks from a process that already imported the code location "
            "and TensorFlow; `spawn`: a fresh interpreter per step (Dagster's default).",
        ),
        "max_concurrent": dg.Field(int, is_required=False, description="Steps at once (default: the CPU count)."),
    },
)
# Acknowledged when the step ends, and given back to the broker when the worker process running it dies (by
# default Celery acknowledges such a message, and the step is lost); a Redis visibility timeout of a day, so
# a long training is not handed to a second worker while it runs.
CELERY_SETTINGS: dict[str, Any] = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "broker_transport_options": {"visibility_timeout": 86400},
}


def executor_for_environment(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor of every job: ``$ENCORE_EXECUTOR``, ``multiprocess`` unless set to ``celery`` or ``k8s``.

    ``multiprocess`` is Dagster's multiprocess executor with the ``forkserver`` start method (see
    ``PRELOADED_MODULES``); its concurrency is bounded by the instance's pools and run limits.

    ``k8s`` is dagster-k8s's ``k8s_job_executor`` (each step a Kubernetes Job, configured by the run
    config and the instance's ``K8sRunLauncher``; see docs/deploy/k8s-executor-run-config.yaml).

    Celery reads its broker and result backend from ``$ENCORE_CELERY_BROKER`` and
    ``$ENCORE_CELERY_BACKEND`` when a run starts (so passwords stay out of the run config). Workers
    must use the same broker and backend (docs/deploy.md shows the command lines).
    """
    name = name or os.environ.get("ENCORE_EXECUTOR", "multiprocess")
    if name not in EXECUTORS:
        raise ValueError(f"ENCORE_EXECUTOR={name!r} is not one of {list(EXECUTORS)}")
    if name == "multiprocess":
        return LOCAL_EXECUTOR
    if name == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError as error:
            raise ValueError("ENCORE_EXECUTOR=k8s needs dagster-k8s: pip install dagster-k8s") from error
        return k8s_job_executor
    missing = [variable for variable in CELERY_VARIABLES if not os.environ.get(variable)]
    if missing:
        raise ValueError(
            f"ENCORE_EXECUTOR=celery needs {' and '.join(missing)} (e.g. redis://127.0.0.1:6379/0 for both)"
        )
    # Imported only here: dagster-celery (the `celery` extra) is not needed to run locally.
    from dagster_celery import celery_executor

    return celery_executor.configured(
        {
            "broker": {"env": CELERY_VARIABLES[0]},
            "backend": {"env": CELERY_VARIABLES[1]},
            "config_source": CELERY_SETTINGS,
        },
        name="celery",
    )
