"""The dbt project behind the trends marts as a dagster-dbt `DbtProject`, and how its manifest is prepared.

`@dbt_assets` reads `target/manifest.json` when the code location loads, and target/ is not committed. A
deployment prepares the manifest at build time with
`dagster-dbt project prepare-and-package --file assets/trends/dbt_project.py`. A fresh clone needs no such
step: `DBT_PROJECT.prepare_if_dev()` runs `dbt parse` (5-10 s, stopped after `PARSE_TIMEOUT_S`) on the first
load when the manifest is missing, and again after any change to the project's SQL or YAML (a hash of a dozen
small files, well under a millisecond, kept beside the manifest). dbt writes into a temporary folder that is
renamed into place under a file lock, so concurrent loads neither read half a manifest nor parse twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from dagster_dbt import DbtProject
from dagster_dbt.dbt_project import DbtProjectPreparer
from dagster_shared.record import replace
from filelock import FileLock

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_like_sql"
FINGERPRINT_NAME = "encore_manifest_fingerprint.txt"
PROJECT_SUFFIXES = (".sql", ".yml", ".yaml", ".csv")
SOURCE_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")
# A parse takes 5-10 s here; the limit only stops a dbt that hangs (a lock, a stuck adapter) from hanging
# every load of the code location with it.
PARSE_TIMEOUT_S = 300.0


class ManifestParseError(RuntimeError):
    """`dbt parse` failed or ran past its time limit, so the code location cannot list the dbt assets."""


def dbt_executable() -> str:
    """The `dbt` next to this Python, so the CLI works without activating the environment."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash over the project's configuration and every SQL, YAML and CSV file under its source folders."""
    digest = hashlib.sha256()
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in SOURCE_FOLDERS:
        files += sorted(path for path in (project_dir / folder).rglob("*") if path.suffix in PROJECT_SUFFIXES)
    for path in files:
        if path.is_file():
            digest.update(f"{path.relative_to(project_dir).as_posix()}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def fingerprint_path(project: DbtProject) -> Path:
    return project.manifest_path.with_name(FINGERPRINT_NAME)


def manifest_is_current(project: DbtProject) -> bool:
    """Whether the manifest exists and was parsed from the project's files as they are now."""
    stamp = fingerprint_path(project)
    return (
        project.manifest_path.exists()
        and stamp.exists()
        and stamp.read_text().strip() == project_fingerprint(project.project_dir)
    )


def parse_manifest(project: DbtProject, timeout_s: float) -> None:
    """Run `dbt parse` into a temporary folder and move its manifest into place with the project's fingerprint;
    raises ManifestParseError with dbt's output when dbt fails or runs past `timeout_s`."""
    fingerprint = project_fingerprint(project.project_dir)
    staging = project.manifest_path.parent / f".parse-{uuid.uuid4().hex[:8]}"
    command = [
        dbt_executable(),
        "parse",
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(staging),
        "--log-path",
        str(staging),
        "--quiet",
        "--no-use-colors",
    ]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
            cwd=project.project_dir,
        )
    except subprocess.TimeoutExpired as error:
        raise ManifestParseError(
            f"`dbt parse` of the dbt project {project.project_dir} did not finish within {timeout_s:g} s, so the "
            f"trends dbt assets cannot be listed. Run `dbt parse --project-dir {project.project_dir} --profiles-dir "
            f"{project.profiles_dir}` to see where it stops."
        ) from error
    else:
        if result.returncode != 0:
            raise ManifestParseError(
                f"`dbt parse` of the dbt project {project.project_dir} failed (exit code {result.returncode}), "
                f"so the trends dbt assets cannot be listed:\n{result.stdout}\n{result.stderr}"
            )
        os.replace(staging / "manifest.json", project.manifest_path)
        fingerprint_path(project).write_text(fingerprint + "\n")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class FingerprintManifestPreparer(DbtProjectPreparer):
    """Parses the project on any load (not only under `dagster dev`, as dagster-dbt's default preparer does)
    when the manifest is missing or the project's files changed since it was parsed."""

    def __init__(self, timeout_s: float = PARSE_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s

    def prepare_if_dev(self, project: DbtProject) -> None:
        if manifest_is_current(project):
            return
        with self.lock(project):
            # Another load may have parsed the same files while this one waited for the lock.
            if not manifest_is_current(project):
                parse_manifest(project, self.timeout_s)

    def prepare(self, project: DbtProject) -> None:
        with self.lock(project):
            parse_manifest(project, self.timeout_s)

    def lock(self, project: DbtProject) -> FileLock:
        project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(project.manifest_path.with_suffix(".lock"), timeout=2 * self.timeout_s)


def trends_dbt_project(project_dir: Path = DBT_PROJECT_DIR, timeout_s: float = PARSE_TIMEOUT_S) -> DbtProject:
    """The project with the fingerprint preparer; `DbtProject` takes no preparer argument, hence `replace`."""
    return replace(DbtProject(project_dir=project_dir), preparer=FingerprintManifestPreparer(timeout_s))


DBT_PROJECT = trends_dbt_project()
