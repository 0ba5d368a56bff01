"""DuckDB, the SQL engine behind the trends marts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from resources.settings import encore_home


class DuckDBResource(dg.ConfigurableResource):
    """A DuckDB database file, ``<home>/lake/trends/warehouse.duckdb`` unless ``database`` is set."""

    database: str = Field(default="", description="DuckDB file; empty means <home>/lake/trends/warehouse.duckdb.")
    home: str = Field(default="", description="Encore home folder; empty means $ENCORE_HOME or ./.encore.")

    @property
    def path(self) -> Path:
        return Path(self.database) if self.database else encore_home(self.home) / "lake" / "trends" / "warehouse.duckdb"

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(self.path))
        try:
            yield connection
        finally:
            connection.close()
