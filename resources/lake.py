"""The lake: ``<home>/lake/<domain>/...`` holding parquet tables, shards, models and reports."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from resources.settings import encore_home


class LakeResource(dg.ConfigurableResource):
    """Storage root for every artifact Encore writes."""

    home: str = Field(default="", description="Encore home folder; empty means $ENCORE_HOME or ./.encore.")

    @property
    def root(self) -> Path:
        return encore_home(self.home) / "lake"

    def domain_dir(self, domain: str) -> Path:
        path = self.root / domain
        path.mkdir(parents=True, exist_ok=True)
        return path

    def reports_dir(self, domain: str) -> Path:
        return self.domain_dir(domain) / "reports"

    def quarantine_dir(self, domain: str) -> Path:
        return self.domain_dir(domain) / "quarantine"

    def models_dir(self, domain: str) -> Path:
        return self.domain_dir(domain) / "models"

    def tensorboard_dir(self, domain: str, task: str) -> Path:
        return self.domain_dir(domain) / "tensorboard" / task
