"""Everything the `setlists` group contributes to the code location."""

import dagster as dg

from assets.common.raw_assets import raw_assets_for_domain
from assets.setlists.data_assets import (
    clean_setlists,
    clean_setlists_is_valid,
    setlist_tfrecords,
    song_sequences,
    song_vocabulary,
)
from assets.setlists.feature_assets import song_embeddings, song_rotation
from assets.setlists.model_assets import next_setlist, next_song_model, next_song_report
from assets.setlists.sweep_assets import next_song_sweep, setlists_sweep_job

SETLISTS_ASSETS = [
    *raw_assets_for_domain("setlists"),
    clean_setlists,
    song_vocabulary,
    song_sequences,
    setlist_tfrecords,
    song_embeddings,
    song_rotation,
    next_song_model,
    next_song_report,
    next_setlist,
]
SETLISTS_CHECKS = [clean_setlists_is_valid]

# The sweep sits in its own group so that materializing `group:setlists` does not run the grid.
defs = dg.Definitions(
    assets=[*SETLISTS_ASSETS, next_song_sweep], asset_checks=SETLISTS_CHECKS, jobs=[setlists_sweep_job]
)
