"""Where the setlists artifacts live in the lake (one function per artifact, so paths never drift)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

DOMAIN = "setlists"


class Lake(Protocol):
    def domain_dir(self, domain: str) -> Path: ...
    def models_dir(self, domain: str) -> Path: ...
    def reports_dir(self, domain: str) -> Path: ...


def tfrecords_dir(lake: Lake, split: str) -> Path:
    return lake.domain_dir(DOMAIN) / "tfrecords" / split


def word2vec_path(lake: Lake) -> Path:
    return lake.models_dir(DOMAIN) / "song_embeddings" / "song_word2vec.model"


def model_dir(lake: Lake, task: str = "next_song") -> Path:
    return lake.models_dir(DOMAIN) / task


def checkpoint_dir(lake: Lake, task: str = "next_song") -> Path:
    return lake.domain_dir(DOMAIN) / "checkpoints" / task
