"""Shared fixtures: a temporary Encore home with sample data, and the real data when it is available."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assets.common.sample_data import ensure_sample_source
from assets.common.sources import RAW_SOURCES

SAMPLE_SEED = 7


@pytest.fixture(scope="session")
def sample_raw_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every source's sample data, written once per test session (seed 7, as the pipelines use)."""
    root = tmp_path_factory.mktemp("sample_raw")
    for source in RAW_SOURCES:
        ensure_sample_source(root, source.folder, SAMPLE_SEED)
    return root


@pytest.fixture(autouse=True)
def embedded_mlflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests track into each Encore home's embedded store, never a team server named by the environment."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def encore_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Encore home for one test; raw data falls back to the embedded sample."""
    home = tmp_path / "encore"
    monkeypatch.setenv("ENCORE_HOME", str(home))
    monkeypatch.delenv("ENCORE_RAW_ROOT", raising=False)
    return home


# `.ci/run` sets ENCORE_REQUIRE_REAL_DATA=1 when it finds the real data: a real-data test that skips then fails.
REQUIRE_REAL_DATA = os.environ.get("ENCORE_REQUIRE_REAL_DATA") == "1"


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """``$ENCORE_REAL_DATA`` (the shared real data, read in place); skips the test when it is unset."""
    value = os.environ.get("ENCORE_REAL_DATA")
    if not value:
        pytest.skip("ENCORE_REAL_DATA is not set: real-data checks are skipped")
    root = Path(value)
    if not root.is_dir():
        pytest.fail(f"ENCORE_REAL_DATA={value} is not a folder")
    return root


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that reads the real data carries the `real_data` marker (so `-m real_data` finds them all)."""
    unmarked = [
        item.nodeid
        for item in items
        if "real_data_root" in getattr(item, "fixturenames", ()) and item.get_closest_marker("real_data") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"tests reading the real data without @pytest.mark.real_data: {unmarked}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """With ENCORE_REQUIRE_REAL_DATA=1 a skipped real-data test is a failure, whatever made it skip."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_REAL_DATA and report.skipped and item.get_closest_marker("real_data") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"ENCORE_REQUIRE_REAL_DATA=1, but this real-data test skipped: {reason}"
