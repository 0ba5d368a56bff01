"""The SQL layer: the parsed Tianchi tables that feed dbt, and every dbt model as an asset.

`tianchi_tables` writes the three source tables to `<lake>/trends/tianchi_<table>.parquet`; the dbt
sources read those files (`external_location` in `models/staging/__sources.yml`) and carry
`meta.dagster.asset_key`, so each dbt source is this asset's output and lineage runs from the raw files
through the SQL models. Each dbt model is an asset and each YAML data test an asset check. Adding a `.sql`
file to `dbt_like_sql/models` adds an asset with no Python change. The YAML `unit_tests:` check the SQL on
fixed rows, not the data, so the run leaves them to CI (`tests/trends/test_sql_models.py`), as dbt advises.
"""

import json
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from pydantic import Field

from assets.common.dagster_metadata import table_metadata
from assets.common.quarantine import NoGoodRecordsError, write_quarantine
from assets.trends.day_range import EARLIEST_DAY, LATEST_DAY, DayRange
from assets.trends.dbt_project import DBT_PROJECT, dbt_executable
from assets.trends.parse import parse_tianchi_files
from resources.duckdb import DuckDBResource
from resources.lake import LakeResource

DOMAIN = "trends"
SOURCE_TABLES = {
    "tianchi_user_actions": "User actions (play, download, collect) parsed from the raw actions CSV; "
    "empty when the input is per-artist daily aggregates.",
    "tianchi_songs": "Songs with artist, publication day, initial plays, language and gender; empty for aggregates.",
    "tianchi_artist_daily_aggregates": "Per-artist daily plays, downloads, collects and distinct playing users "
    "from the aggregate files (the real-data form); empty for the raw tables.",
}


class TianchiTablesConfig(dg.Config):
    earliest_day: str = Field(
        default=EARLIEST_DAY,
        description="First accepted day (YYYY-MM-DD) of an action's Ds and of the aggregate series; an earlier "
        "day is quarantined with the day and the range named, so a typo such as 1915 cannot stretch the "
        "zero-filled daily calendar. Songs' publish_time is not limited (old catalogue songs are real).",
    )
    latest_day: str = Field(
        default=LATEST_DAY,
        description="Last accepted day (YYYY-MM-DD), the same way. The competition's data cover "
        "2015-03-01 .. 2015-08-30.",
    )


@dg.multi_asset(
    outs={name: dg.AssetOut(description=description, kinds={"pandas"}) for name, description in SOURCE_TABLES.items()},
    group_name=DOMAIN,
)
def tianchi_tables(
    context: dg.AssetExecutionContext,
    config: TianchiTablesConfig,
    raw_tianchi_files: pd.DataFrame,
    lake: LakeResource,
) -> tuple[dg.Output, dg.Output, dg.Output]:
    """The Tianchi files parsed (streamed, in chunks) into typed tables, whichever form they come in; bad rows
    and days outside the configured range quarantined."""
    days = DayRange.from_iso(config.earliest_day, config.latest_day)
    tables = parse_tianchi_files(raw_tianchi_files["path"], days)
    quarantine_path = write_quarantine(lake.quarantine_dir(DOMAIN), "tianchi_tables", tables.bad_records)
    frames = [tables.user_actions, tables.songs, tables.artist_daily_aggregates]
    # Songs alone (or actions without their songs) give no artist series: fail before overwriting good tables.
    if tables.input_form == "empty" or (tables.input_form == "raw_tables" and tables.songs.empty):
        raise NoGoodRecordsError.from_records(
            "tianchi (user actions with their songs, or daily aggregates)", tables.bad_records
        )
    context.log.info(f"input form: {tables.input_form}; {len(tables.bad_records)} records quarantined")
    shared = {
        "input_form": tables.input_form,
        "day_range": str(days),
        "quarantined_records": len(tables.bad_records),
        "quarantine": dg.MetadataValue.path(str(quarantine_path)),
    }
    return tuple(
        dg.Output(frame, output_name=name, metadata={**table_metadata(frame), **shared})
        for name, frame in zip(SOURCE_TABLES, frames, strict=True)
    )


DBT_PROJECT.prepare_if_dev()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=DagsterDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
    ),
)
def trends_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource, duckdb: DuckDBResource
):
    """Every dbt model of `dbt_like_sql/` (staging views in DuckDB, marts as parquet in the lake) and its data
    tests; each model's columns with their types, and the marts' row counts and column lineage, as metadata."""
    variables = dbt_vars(lake.root, duckdb.path)
    duckdb.path.parent.mkdir(parents=True, exist_ok=True)
    invocation = dbt.cli(["build", "--vars", variables, "--exclude-resource-type", "unit_test"], context=context)
    # The fetchers open DuckDB read-only, so with DuckDB dagster-dbt lets dbt exit (releasing its write lock)
    # first: the models' events then arrive together when dbt is done.
    yield from invocation.stream().fetch_row_counts().fetch_column_metadata()


# The lake path reaches SQL string literals (`external_location`, the marts' `location`): dbt and DuckDB
# quote none of it, so a character that can end a literal or a statement is refused, not escaped.
SQL_UNSAFE_CHARACTERS = {"'": "a single quote", '"': "a double quote", "\\": "a backslash", ";": "a semicolon"}


def dbt_vars(lake_dir: Path, duckdb_path: Path) -> str:
    """The `--vars` of a dbt run; raises ValueError naming the path and the character when a path could
    break out of the SQL string literal it is placed in."""
    for name, path in (("lake", lake_dir), ("DuckDB file", duckdb_path)):
        text = str(path)
        unsafe = [label for character, label in SQL_UNSAFE_CHARACTERS.items() if character in text]
        if unsafe or any(ord(character) < 32 for character in text):
            found = ", ".join(unsafe) or "a control character"
            raise ValueError(
                f"the {name} path {text!r} holds {found}; dbt places it inside SQL string literals unquoted, so "
                "it is refused: set ENCORE_HOME (or the resource's path) to a folder without such characters"
            )
    return json.dumps({"lake_dir": str(lake_dir), "duckdb_path": str(duckdb_path)})


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
