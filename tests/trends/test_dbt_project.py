"""The cached dbt manifest is rebuilt exactly when the project's SQL or YAML changes; the paths dbt puts in SQL
literals are checked first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.trends.dbt_project import DBT_PROJECT_DIR, ensure_manifest, project_fingerprint
from assets.trends.sql_assets import dbt_resource, dbt_vars, trends_dbt_models
from resources import LakeResource
from resources.duckdb import DuckDBResource


def copy_project(destination: Path) -> Path:
    shutil.copytree(DBT_PROJECT_DIR, destination, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    return destination


def test_fingerprint_follows_model_files_and_ignores_build_output(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    before = project_fingerprint(project)
    (project / "target" / "run").mkdir(parents=True)
    (project / "target" / "run" / "compiled.sql").write_text("select 1")
    assert project_fingerprint(project) == before
    (project / "models" / "marts" / "new_model.sql").write_text("select 1 as one")
    assert project_fingerprint(project) != before


def test_the_manifest_lists_every_model_and_is_reused_while_nothing_changes() -> None:
    manifest = ensure_manifest()
    written = manifest.stat().st_mtime_ns
    assert ensure_manifest() == manifest and manifest.stat().st_mtime_ns == written
    text = manifest.read_text()
    for model in ("stg_user_actions", "stg_songs", "artist_daily_actions", "artist_daily_features"):
        assert f"model.encore_trends.{model}" in text


@pytest.mark.parametrize(
    ("folder", "found"),
    [
        ("lake'); COPY (SELECT 1) TO '/tmp/pwned.csv", "a single quote, a semicolon"),
        ('lake"x', "a double quote"),
        ("lake\\x", "a backslash"),
        ("lake\nx", "a control character"),
    ],
)
def test_a_lake_path_that_could_break_out_of_an_sql_literal_is_refused_before_dbt_runs(
    tmp_path: Path, folder: str, found: str
) -> None:
    lake = tmp_path / folder / "lake"
    with pytest.raises(ValueError, match=f"the lake path .* holds {found}; dbt places it inside SQL"):
        dbt_vars(lake, tmp_path / "warehouse.duckdb")
    with pytest.raises(ValueError, match="the DuckDB file path"):
        dbt_vars(tmp_path / "lake", lake / "warehouse.duckdb")


def test_the_trends_dbt_step_stops_on_an_unsafe_lake_path_and_runs_no_sql(tmp_path: Path) -> None:
    home = tmp_path / "it's"
    result = dg.materialize(
        [trends_dbt_models],
        resources={
            "dbt": dbt_resource(),
            "lake": LakeResource(home=str(home)),
            "duckdb": DuckDBResource(home=str(home)),
        },
        raise_on_error=False,
        selection=dg.AssetSelection.assets(trends_dbt_models),
    )
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    assert "holds a single quote" in failure.step_failure_data.error.cause.message
    assert not (home / "lake" / "trends").exists() and not (tmp_path / "pwned.csv").exists()


def test_an_ordinary_lake_path_passes_through_as_json(tmp_path: Path) -> None:
    variables = json.loads(dbt_vars(tmp_path / "my lake-1.0", tmp_path / "w.duckdb"))
    assert variables == {"lake_dir": str(tmp_path / "my lake-1.0"), "duckdb_path": str(tmp_path / "w.duckdb")}
