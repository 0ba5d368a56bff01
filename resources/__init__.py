"""Resources: everything that touches the outside world (storage, raw files, devices, DuckDB)."""

from resources.duckdb import DuckDBResource
from resources.lake import LakeResource
from resources.parquet_io import ParquetIOManager
from resources.raw_data import RawDataResource
from resources.tracking import MlflowResource
from resources.training import GpuUnavailableError, TrainingResource

__all__ = [
    "DuckDBResource",
    "GpuUnavailableError",
    "LakeResource",
    "MlflowResource",
    "ParquetIOManager",
    "RawDataResource",
    "TrainingResource",
]
