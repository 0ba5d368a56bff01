"""The dbt project's manifest is parsed on the first load of a fresh clone and again exactly when the project's SQL
or YAML changes, within a time limit and with dbt's error when it fails; the paths dbt puts in SQL literals are
checked first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.trends.dbt_project import (
    DBT_PROJECT,
    DBT_PROJECT_DIR,
    FingerprintManifestPreparer,
    ManifestParseError,
    manifest_is_current,
    project_fingerprint,
    trends_dbt_project,
)
from assets.trends.sql_assets import dbt_resource, dbt_vars, trends_dbt_models
from resources import LakeResource
from resources.duckdb import DuckDBResource


def copy_project(destination: Path) -> Path:
    """The project as a fresh clone has it: no target/ folder."""
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


def test_the_code_location_and_the_packaging_command_share_the_fingerprint_preparer() -> None:
    """`dagster-dbt project prepare-and-package --file assets/trends/dbt_project.py` calls this preparer too."""
    assert isinstance(DBT_PROJECT.preparer, FingerprintManifestPreparer)
    assert manifest_is_current(DBT_PROJECT)  # prepared when `assets.trends.sql_assets` was imported


def test_a_fresh_clone_is_parsed_on_first_load_and_again_only_after_a_change(tmp_path: Path) -> None:
    project = trends_dbt_project(copy_project(tmp_path / "project"))
    assert not project.manifest_path.exists()

    project.prepare_if_dev()

    manifest = json.loads(project.manifest_path.read_text())
    for model in ("stg_user_actions", "stg_songs", "artist_daily_actions", "artist_daily_features"):
        assert f"model.encore_trends.{model}" in manifest["nodes"]
    assert not list(project.manifest_path.parent.glob(".parse-*"))
    written = project.manifest_path.read_bytes()
    modified = project.manifest_path.stat().st_mtime_ns
    project.prepare_if_dev()
    assert project.manifest_path.stat().st_mtime_ns == modified

    # A new model is a change: the next load parses again, and dbt's error names the model.
    broken = project.project_dir / "models" / "marts" / "broken_mart.sql"
    broken.write_text("select * from {{ ref('no_such_model') }}")
    with pytest.raises(ManifestParseError, match=r"(?s)failed \(exit code \d+\).*broken_mart.*no_such_model"):
        project.prepare_if_dev()
    assert project.manifest_path.read_bytes() == written and not manifest_is_current(project)


def test_a_parse_past_its_time_limit_stops_the_load_with_a_clear_error(tmp_path: Path) -> None:
    project = trends_dbt_project(copy_project(tmp_path / "project"), timeout_s=0.01)
    with pytest.raises(ManifestParseError, match=r"`dbt parse` of the dbt project .* did not finish within 0.01 s"):
        project.prepare_if_dev()
    assert not project.manifest_path.exists() and not list(project.manifest_path.parent.glob(".parse-*"))


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
