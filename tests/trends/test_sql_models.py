"""The dbt project's own tests run in DuckDB: the `unit_tests:` in the models' YAML (worked cases on fixed rows),
every column described, and the generic (artist_id, day) uniqueness test; each shown failing on a broken model
or on bad data."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.trends.dbt_project import DBT_PROJECT_DIR, dbt_executable

SOURCE_SCHEMAS = {
    "user_actions": pa.schema(
        [
            ("user_id", pa.string()),
            ("song_id", pa.string()),
            ("gmt_create", pa.int64()),
            ("action_type", pa.int64()),
            ("action_day", pa.date32()),
        ]
    ),
    "songs": pa.schema(
        [
            ("song_id", pa.string()),
            ("artist_id", pa.string()),
            ("publish_day", pa.date32()),
            ("song_init_plays", pa.int64()),
            ("language", pa.int64()),
            ("gender", pa.int64()),
        ]
    ),
    "artist_daily_aggregates": pa.schema(
        [
            ("artist_id", pa.string()),
            ("day", pa.date32()),
            ("plays", pa.int64()),
            ("downloads", pa.int64()),
            ("collects", pa.int64()),
            ("listeners", pa.int64()),
        ]
    ),
}
FIRST_OF_MARCH = dt.date(2015, 3, 1)


def write_sources(lake: Path, rows: dict[str, list[dict]]) -> None:
    """The three source tables `tianchi_tables` writes, typed as it types them; a table not given is empty."""
    folder = lake / "trends"
    folder.mkdir(parents=True, exist_ok=True)
    for name, schema in SOURCE_SCHEMAS.items():
        pq.write_table(pa.Table.from_pylist(rows.get(name, []), schema=schema), folder / f"tianchi_{name}.parquet")


def run_dbt(command: list[str], workdir: Path, project_dir: Path = DBT_PROJECT_DIR) -> subprocess.CompletedProcess:
    """A dbt command on the lake and DuckDB file under `workdir`, its artifacts in `workdir/target`."""
    dbt_vars = json.dumps({"lake_dir": str(workdir / "lake"), "duckdb_path": str(workdir / "warehouse.duckdb")})
    return subprocess.run(
        [
            dbt_executable(),
            *command,
            "--vars",
            dbt_vars,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            "--no-use-colors",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        cwd=project_dir,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt build` (views, unit tests, marts, data tests) on empty sources: the unit tests bring their own rows,
    and need only the upstream relations to exist for their column types."""
    workdir = tmp_path_factory.mktemp("dbt_build")
    write_sources(workdir / "lake", {})
    result = run_dbt(["build"], workdir)
    assert result.returncode == 0, result.stdout[-4000:]
    return workdir


def test_dbt_build_runs_every_unit_test_of_the_project_and_each_passes(built: Path) -> None:
    manifest = json.loads((built / "target" / "manifest.json").read_text())
    declared = {test["name"] for test in manifest["unit_tests"].values()}
    run_results = json.loads((built / "target" / "run_results.json").read_text())["results"]
    statuses = {
        result["unique_id"].split(".")[-1]: result["status"]
        for result in run_results
        if result["unique_id"].startswith("unit_test.")
    }
    assert len(declared) >= 4
    assert statuses == dict.fromkeys(declared, "pass")


def test_every_model_and_every_column_it_builds_is_described(built: Path) -> None:
    manifest = json.loads((built / "target" / "manifest.json").read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert len(models) == 5
    with duckdb.connect(str(built / "warehouse.duckdb"), read_only=True) as connection:
        for model in models:
            built_columns = [row[0] for row in connection.execute(f"describe {model['name']}").fetchall()]
            described = {name for name, column in model["columns"].items() if column["description"].strip()}
            assert model["description"].strip(), model["name"]
            assert set(built_columns) == described, model["name"]


def test_a_unit_test_fails_when_its_model_is_broken(built: Path, tmp_path: Path) -> None:
    """Counting every play instead of distinct playing users breaks the listeners case and only that one."""
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    model = project / "models" / "marts" / "artist_daily_actions.sql"
    right = "count(distinct user_actions.user_id)"
    assert right in model.read_text()
    model.write_text(model.read_text().replace(right, "count(user_actions.user_id)"))
    # The unit tests read their inputs' column types from the views the fixture built.
    shutil.copy(built / "warehouse.duckdb", tmp_path / "warehouse.duckdb")

    result = run_dbt(["test", "--select", "artist_daily_actions,test_type:unit"], tmp_path, project_dir=project)

    assert result.returncode == 1
    assert "FAIL 1 artist_daily_actions::daily_listeners_are_distinct_playing_users" in result.stdout
    assert "PASS artist_daily_actions::daily_actions_count_each_action_type_on_a_zero_filled_calendar" in result.stdout


def test_the_uniqueness_test_returns_each_artist_day_held_twice(built: Path) -> None:
    """The generic test as dbt compiled it for `artist_daily_actions`, run on a table where artist A has 1 March
    twice (once from raw actions, once from aggregates): it returns that pair alone, so dbt fails the check."""
    manifest = json.loads((built / "target" / "manifest.json").read_text())
    (test,) = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node["name"] == "unique_combination_artist_daily_actions_artist_id__day"
    ]
    assert "macro.encore_trends.test_unique_combination" in test["depends_on"]["macros"]
    days = [("A", FIRST_OF_MARCH), ("A", FIRST_OF_MARCH), ("A", dt.date(2015, 3, 2)), ("B", FIRST_OF_MARCH)]
    with duckdb.connect() as connection:
        connection.execute("attach ':memory:' as warehouse")
        connection.execute("create table warehouse.main.artist_daily_actions (artist_id varchar, day date)")
        connection.executemany("insert into warehouse.main.artist_daily_actions values (?, ?)", days)
        failures = connection.execute(test["compiled_code"]).fetchall()
    assert failures == [("A", FIRST_OF_MARCH, 2)]
