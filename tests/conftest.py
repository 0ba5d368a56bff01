"""Shared fixtures: a temporary Encore home with sample data, and the real data when it is available."""

from __future__ import annotations

import os
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


@pytest.fixture
def encore_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Encore home for one test; raw data falls back to the embedded sample."""
    home = tmp_path / "encore"
    monkeypatch.setenv("ENCORE_HOME", str(home))
    monkeypatch.delenv("ENCORE_RAW_ROOT", raising=False)
    return home


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
