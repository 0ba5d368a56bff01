"""Parquet IO manager: DataFrames move between assets as ``<lake>/<group>/<asset>.parquet``."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.atomic import write_parquet_atomic
from resources.settings import encore_home


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores each DataFrame output in the asset's domain folder, written atomically."""

    home: str = Field(default="", description="Encore home folder; empty means $ENCORE_HOME or ./.encore.")

    def _path(self, context: dg.OutputContext | dg.InputContext) -> Path:
        asset_key = context.asset_key
        group = context.step_context.job_def.asset_layer.get(asset_key).group_name
        return encore_home(self.home) / "lake" / group / f"{asset_key.path[-1]}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: ParquetIOManager stores DataFrames, got {type(obj)}"
            )
        path = write_parquet_atomic(obj, self._path(context))
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "bytes": path.stat().st_size})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        path = self._path(context)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: materialize {context.asset_key.to_user_string()} first")
        return pd.read_parquet(path)
