"""The cached dbt manifest is rebuilt exactly when the project's SQL or YAML changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from assets.trends.dbt_project import DBT_PROJECT_DIR, ensure_manifest, project_fingerprint


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
