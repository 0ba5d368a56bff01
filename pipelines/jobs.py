"""Jobs: one per domain (its whole group)."""

from __future__ import annotations

import dagster as dg

from assets.common.sources import DOMAINS

DOMAIN_JOBS: list[dg.UnresolvedAssetJobDefinition] = [
    dg.define_asset_job(
        name=f"{domain}_job",
        selection=dg.AssetSelection.groups(domain),
        description=f"Materialize every asset of the {domain} group, from raw files to reports.",
    )
    for domain in DOMAINS
]
