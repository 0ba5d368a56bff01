"""Where the dbt project lives, how dbt is called, and the manifest `@dbt_assets` needs at load time.

`@dbt_assets` reads `target/manifest.json` when the code location is imported. The manifest is not
committed (target/ is ignored), so the first import on a fresh clone runs `dbt parse` once (about 5-10 s);
later imports reuse it while a fingerprint of the project's files is unchanged (a hash of a dozen small
files, well under a millisecond). The manifest is written to a temporary folder and renamed into place,
so a concurrent import never reads half a file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_like_sql"
MANIFEST_NAME = "manifest.json"
FINGERPRINT_NAME = "encore_manifest_fingerprint.txt"
PROJECT_SUFFIXES = (".sql", ".yml", ".yaml")
SOURCE_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")


def dbt_executable() -> str:
    """The `dbt` next to this Python, so the CLI works without activating the environment."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash over the project's configuration and every SQL and YAML file under its source folders."""
    digest = hashlib.sha256()
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in SOURCE_FOLDERS:
        files += sorted(path for path in (project_dir / folder).rglob("*") if path.suffix in PROJECT_SUFFIXES)
    for path in files:
        if path.is_file():
            digest.update(f"{path.relative_to(project_dir).as_posix()}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """`target/manifest.json`, parsed again only when the project's files changed since it was written."""
    target = project_dir / "target"
    manifest = target / MANIFEST_NAME
    stamp = target / FINGERPRINT_NAME
    fingerprint = project_fingerprint(project_dir)
    if manifest.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint:
        return manifest
    staging = target / f".parse-{uuid.uuid4().hex[:8]}"
    try:
        result = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                "--target-path",
                str(staging),
                "--log-path",
                str(staging),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
            cwd=project_dir,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dbt parse failed in {project_dir}:\n{result.stdout}\n{result.stderr}")
        os.replace(staging / MANIFEST_NAME, manifest)
        stamp.write_text(fingerprint + "\n")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
