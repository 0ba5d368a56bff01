"""Write the embedded, deterministic sample data for one raw source (all-or-nothing, once per seed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assets.common.atomic import atomic_directory
from assets.common.sources import SOURCES_BY_FOLDER

SAMPLE_MARKER = ".encore-sample.json"


def ensure_sample_source(raw_root: Path, folder: str, seed: int) -> Path:
    """Return ``<raw_root>/<folder>``, writing the sample there first unless it exists for this seed.

    The folder is written in a temporary sibling and renamed into place, so a crash never leaves a
    half-written sample that later runs would mistake for a complete one.
    """
    source = SOURCES_BY_FOLDER[folder]
    target = Path(raw_root) / folder
    marker = target / SAMPLE_MARKER
    if marker.exists() and json.loads(marker.read_text()).get("seed") == seed:
        return target
    writer = source.load_sample_writer()
    with atomic_directory(target) as staging:
        writer(staging, seed)
        (staging / SAMPLE_MARKER).write_text(json.dumps({"source": folder, "seed": seed}))
    return target


def remove_sample(raw_root: Path) -> None:
    shutil.rmtree(raw_root, ignore_errors=True)
