"""Jobs: one per domain (its whole group, raw files to reports) and ``retrain_all``."""

from __future__ import annotations

import dagster as dg

from assets.common.dagster_metadata import TRAINED_MODEL_TAGS
from assets.common.sources import DOMAINS
from assets.setlists.sweep_assets import SWEEP_GROUP
from resources.run_coordinator import write_tags

DOMAIN_JOBS: list[dg.UnresolvedAssetJobDefinition] = [
    dg.define_asset_job(
        name=f"{domain}_job",
        selection=dg.AssetSelection.groups(domain),
        description=f"Materialize every asset of the {domain} group, from raw files to reports.",
        # The run coordinator derives this tag for every run; on the job it also shows in the UI.
        tags=write_tags([domain]),
    )
    for domain in DOMAINS
]

# Resolved against the asset graph when the code location loads: every asset tagged as fitting a model
# (`TRAINED_MODEL_TAGS`, whatever its name), and everything downstream of them. The hyperparameter sweep
# sits downstream of the song embeddings but is an experiment, run by its own `setlists_sweep_job`.
TRAINING_AND_DOWNSTREAM = dg.AssetSelection.tag(
    *next(iter(TRAINED_MODEL_TAGS.items()))
).downstream() - dg.AssetSelection.groups(SWEEP_GROUP)

retrain_all_job = dg.define_asset_job(
    name="retrain_all",
    selection=TRAINING_AND_DOWNSTREAM,
    description="Retrain every model (every asset tagged `encore/role=trained_model`: the Keras models, the "
    "scikit-learn genre models and the Word2Vec song embeddings) and rebuild everything downstream of them "
    "(evaluation reports, champions), reading the current cleaned data and features.",
)


def job_for_domain(domain: str) -> str:
    """The name of a domain's job (its automation runs carry the same tags)."""
    if domain not in DOMAINS:
        raise ValueError(f"{domain!r} is not one of the domains {DOMAINS}")
    return f"{domain}_job"


JOBS: list[dg.UnresolvedAssetJobDefinition] = [*DOMAIN_JOBS, retrain_all_job]
