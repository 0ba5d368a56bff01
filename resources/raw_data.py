"""Where raw files come from: a real-data folder, or the embedded sample written on first use."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from resources.settings import encore_home


class RawDataResource(dg.ConfigurableResource):
    """The raw-data root: one folder per source (``phish/``, ``lyrics/``, ``nottingham/``, ``fma/``,
    ``tianchi/``, optionally ``gtzan/`` and ``piano_velocity/``), laid out like the real sources.

    Leave ``root`` empty (and ``$ENCORE_RAW_ROOT`` unset) to use the deterministic sample data,
    generated under ``<home>/raw`` the first time a source is read.
    """

    root: str = Field(default="", description="Real-data folder; empty means $ENCORE_RAW_ROOT or the sample.")
    home: str = Field(default="", description="Encore home folder; empty means $ENCORE_HOME or ./.encore.")
    sample_seed: int = Field(default=7, description="Seed of the embedded sample data.")

    @property
    def configured_root(self) -> str:
        return self.root or os.environ.get("ENCORE_RAW_ROOT", "")

    @property
    def uses_sample(self) -> bool:
        return not self.configured_root

    @property
    def base(self) -> Path:
        configured = self.configured_root
        return Path(configured).expanduser().resolve() if configured else encore_home(self.home) / "raw"

    def source_dir(self, folder: str) -> Path:
        """The folder of one source; with sample data, written first if it is not there yet."""
        if self.uses_sample:
            from assets.common.sample_data import ensure_sample_source

            return ensure_sample_source(self.base, folder, self.sample_seed)
        return self.base / folder
