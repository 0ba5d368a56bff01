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

SETLISTS_ASSETS = [
    *raw_assets_for_domain("setlists"),
    clean_setlists,
    song_vocabulary,
    song_sequences,
    setlist_tfrecords,
]
SETLISTS_CHECKS = [clean_setlists_is_valid]

defs = dg.Definitions(assets=SETLISTS_ASSETS, asset_checks=SETLISTS_CHECKS)
