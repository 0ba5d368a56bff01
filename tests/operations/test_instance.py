"""The one Dagster instance of a checkout: ``encore COMMAND`` gives ``dagster``, ``dagster dev`` and
``dagster-daemon`` ``<ENCORE_HOME>/dagster`` with the repository's ``dagster.yaml`` when ``DAGSTER_HOME`` is
unset, and leaves an explicit ``DAGSTER_HOME`` alone. (The CLI materialization that ``dagster dev`` then
shows in the browser is in ``test_ui.py``.)"""

import os
import subprocess
import tomllib
from pathlib import Path

import dagster as dg
import pytest

from resources import instance as launcher
from tests.operations.processes import BIN, ENCORE, REPOSITORY, log_tail, running, user_environment, wait_until

SHIPPED = (REPOSITORY / "dagster.yaml").read_bytes()


def test_without_dagster_home_the_instance_is_the_encore_home_dagster_folder(tmp_path: Path) -> None:
    environment = launcher.instance_environment({"ENCORE_HOME": str(tmp_path / "encore"), "PATH": "/bin"})
    assert environment["DAGSTER_HOME"] == str(tmp_path / "encore" / "dagster")
    assert environment["ENCORE_HOME"] == str(tmp_path / "encore")
    assert environment["PATH"] == "/bin"
    assert (tmp_path / "encore" / "dagster" / "dagster.yaml").read_bytes() == SHIPPED


def test_relative_and_default_encore_homes_resolve_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert launcher.instance_environment({})["DAGSTER_HOME"] == str(tmp_path / ".encore" / "dagster")
    relative = launcher.instance_environment({"ENCORE_HOME": "elsewhere"})
    assert (relative["ENCORE_HOME"], relative["DAGSTER_HOME"]) == (
        str(tmp_path / "elsewhere"),
        str(tmp_path / "elsewhere" / "dagster"),
    )
    assert os.path.isabs(relative["DAGSTER_HOME"])  # Dagster refuses a relative DAGSTER_HOME


def test_an_explicit_dagster_home_wins_and_is_left_alone(tmp_path: Path) -> None:
    given = {"DAGSTER_HOME": str(tmp_path / "mine"), "ENCORE_HOME": str(tmp_path / "encore")}
    assert launcher.instance_environment(given) == given
    assert not (tmp_path / "mine").exists()
    assert not (tmp_path / "encore").exists()


def test_the_folder_always_holds_the_repository_config(tmp_path: Path) -> None:
    folder = tmp_path / "dagster"
    folder.mkdir()
    (folder / "dagster.yaml").write_text("concurrency: {runs: {max_concurrent_runs: 25}}\n")
    launcher.prepare_instance_folder(folder)
    assert (folder / "dagster.yaml").read_bytes() == SHIPPED
    written = (folder / "dagster.yaml").stat()
    launcher.prepare_instance_folder(folder)  # identical: not rewritten
    assert (folder / "dagster.yaml").stat().st_ino == written.st_ino
    assert sorted(path.name for path in folder.iterdir()) == ["dagster.yaml"]


def test_the_console_script_is_the_launcher_and_needs_a_command() -> None:
    scripts = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["encore"] == "resources.instance:main"
    with pytest.raises(SystemExit) as exit_info:
        launcher.main([])
    assert exit_info.value.code == 2


def test_the_readme_runs_every_dagster_command_through_the_launcher() -> None:
    readme = (REPOSITORY / "README.md").read_text()
    assert ".venv/bin/encore dagster asset materialize --select '*' -m pipelines" in readme
    assert ".venv/bin/encore dagster dev" in readme
    assert ".venv/bin/encore dagster-daemon run" in readme
    assert ".venv/bin/dagster " not in readme  # a bare dagster command would use a temporary instance


def test_the_dagster_cli_gets_the_instance_and_its_shipped_limits(tmp_path: Path) -> None:
    info = subprocess.run(
        [*ENCORE, "dagster", "instance", "info"],
        cwd=REPOSITORY,
        env=user_environment(tmp_path / "encore"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert info.returncode == 0, info.stderr[-4000:]
    assert f"$DAGSTER_HOME: {tmp_path / 'encore' / 'dagster'}\n" in info.stdout
    assert "max_concurrent_runs: 2" in info.stdout and "default_limit: 1" in info.stdout


def test_dagster_daemon_runs_against_the_instance(tmp_path: Path) -> None:
    """``dagster-daemon run`` alone refuses to start without ``DAGSTER_HOME``; through the launcher its
    daemons heartbeat into ``<ENCORE_HOME>/dagster``."""
    home = tmp_path / "encore"
    bare = subprocess.run(
        [str(BIN / "dagster-daemon"), "run"],
        cwd=REPOSITORY,
        env=user_environment(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bare.returncode != 0 and "DAGSTER_HOME is not set" in bare.stderr, bare.stderr[-2000:]
    log = tmp_path / "daemon.log"
    with running([*ENCORE, "dagster-daemon", "run"], log, user_environment(home)) as process:
        folder = home / "dagster"
        wait_until(lambda: (folder / "dagster.yaml").exists(), timeout=60, what="the launcher to prepare the folder")
        with dg.DagsterInstance.from_config(str(folder)) as instance:

            def heartbeats() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"dagster-daemon exited with {process.returncode}:\n{log_tail(log)}")
                # Each daemon writes its first heartbeat when it starts: wait for all three, not the first.
                return {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR"} <= set(instance.get_daemon_heartbeats())

            try:
                wait_until(heartbeats, timeout=180, what="dagster-daemon heartbeats in the instance")
            except TimeoutError as error:
                raise AssertionError(f"{error}\n{log_tail(log)}") from error
            assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 2
