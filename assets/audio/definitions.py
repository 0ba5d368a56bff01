"""Everything the `audio` group contributes to the code location."""

import dagster as dg

from assets.audio.data_assets import audio_features, clean_tracks, clean_tracks_valid, feature_parity_check
from assets.common.raw_assets import raw_assets_for_domain

defs = dg.Definitions(
    assets=[*raw_assets_for_domain("audio"), clean_tracks, audio_features],
    asset_checks=[clean_tracks_valid, feature_parity_check],
)
