"""The metadata every table asset attaches: the UI reads the row count and column schema as such."""

import dagster as dg
import pandas as pd

from assets.common.dagster_metadata import table_metadata


def test_a_table_carries_its_row_count_and_column_schema_with_dtypes() -> None:
    frame = pd.DataFrame({"artist_id": ["a", "b"], "plays": [3, 4], "day": pd.to_datetime(["2015-03-01"] * 2)})
    metadata = table_metadata(frame)
    assert metadata["dagster/row_count"] == 2
    schema = metadata["dagster/column_schema"]
    assert isinstance(schema, dg.TableSchema)
    assert [(column.name, column.type) for column in schema.columns] == [
        ("artist_id", str(frame["artist_id"].dtype)),
        ("plays", "int64"),
        ("day", str(frame["day"].dtype)),
    ]
