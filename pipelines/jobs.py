"""Jobs: one per domain (its whole group, raw files to reports) and ``retrain_all``."""

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

# Resolved against the asset graph when the code location loads, so a domain's new `*_model` asset
# (and the reports downstream of it) joins the job without an edit here.
TRAINING_AND_DOWNSTREAM = dg.AssetSelection.from_string('key:"*_model"+')

retrain_all_job = dg.define_asset_job(
    name="retrain_all",
    selection=TRAINING_AND_DOWNSTREAM,
    description="Retrain every model (every asset whose name ends in `_model`) and rebuild everything "
    "downstream of them (evaluation reports), reading the current cleaned data and features.",
)


def job_for_domain(domain: str) -> str:
    """The name of a domain's job, which the raw-files sensor starts when the domain's raw folders change."""
    if domain not in DOMAINS:
        raise ValueError(f"{domain!r} is not one of the domains {DOMAINS}")
    return f"{domain}_job"


JOBS: list[dg.UnresolvedAssetJobDefinition] = [*DOMAIN_JOBS, retrain_all_job]
