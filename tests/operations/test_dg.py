"""`dg` (dagster-dg-cli) works on the checkout as pyproject.toml's `[tool.dg]` describes it: `dg check defs`
loads and validates the code location, and `dg list defs` lists exactly the definitions `pipelines` holds."""

import json
import os
import subprocess
import sys

import pytest

from pipelines import defs
from tests.operations.processes import BIN, REPOSITORY


def _dg(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``dg`` run from the repository root on this checkout's code, with an ephemeral Dagster instance."""
    if not (BIN / "dg").is_file():
        pytest.fail(f"{BIN / 'dg'} is missing: the dev extra installs it (pip install -e '.[dev]')")
    environment = {key: value for key, value in os.environ.items() if key != "DAGSTER_HOME"}
    environment.update(PYTHONPATH=str(REPOSITORY), VIRTUAL_ENV=sys.prefix)
    return subprocess.run(
        [str(BIN / "dg"), *arguments], cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=300
    )


def test_dg_check_defs_validates_the_code_location() -> None:
    result = _dg("check", "defs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully." in result.stdout


def test_dg_list_defs_lists_the_definitions_of_pipelines() -> None:
    result = _dg("list", "defs", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    repository = defs.get_repository_def()
    assets = {asset["asset_key"]: asset for asset in listed["assets"]}
    assert set(assets) == {node.key.to_user_string() for node in repository.asset_graph.asset_nodes}
    assert {job["name"] for job in listed["jobs"]} == {
        job.name for job in repository.get_all_jobs() if not job.name.startswith("__")
    }
    assert {schedule["name"] for schedule in listed["schedules"]} == {s.name for s in repository.schedule_defs}
    assert {sensor["name"] for sensor in listed["sensors"]} == {s.name for s in repository.sensor_defs}
    # The owners come with the listing too: what the UI shows is what dg lists.
    assert assets["clean_setlists"]["owners"] == [{"team": "encore-setlists"}]
    assert assets["clean_setlists"]["group_name"] == "setlists"
