"""Where the midi group keeps what its assets write themselves (one place for every path)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

DOMAIN = "midi"


class HasDomainDir(Protocol):
    def domain_dir(self, domain: str) -> Path: ...


def tfrecords_dir(lake: HasDomainDir) -> Path:
    """``<lake>/midi/tfrecords/pianoroll``: one shard folder per split."""
    return lake.domain_dir(DOMAIN) / "tfrecords" / "pianoroll"


PACKAGE_DIR = Path(__file__).parent
PIANOROLL_TASK = "pianoroll"
VELOCITY_TASK = "velocity"


class HasModelsDir(Protocol):
    def models_dir(self, domain: str) -> Path: ...


def task_dir(lake: HasModelsDir, task: str) -> Path:
    """``<lake>/midi/models/<task>``: the task's model versions and its champion.json."""
    return lake.models_dir(DOMAIN) / task
