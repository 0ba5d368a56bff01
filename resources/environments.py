"""Resources per environment, chosen in one place by ``ENCORE_ENV`` (default ``local``)."""

from __future__ import annotations

import os
from typing import Any

from resources.duckdb import DuckDBResource
from resources.lake import LakeResource
from resources.parquet_io import ParquetIOManager
from resources.raw_data import RawDataResource
from resources.training import TrainingResource


def local_resources() -> dict[str, Any]:
    """Everything under ``$ENCORE_HOME``; raw data from ``$ENCORE_RAW_ROOT`` or the embedded sample."""
    return {
        "io_manager": ParquetIOManager(),
        "lake": LakeResource(),
        "raw_data": RawDataResource(),
        "training": TrainingResource(),
        "duckdb": DuckDBResource(),
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
