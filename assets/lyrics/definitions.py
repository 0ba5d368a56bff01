"""Everything the `lyrics` group contributes to the code location."""

import dagster as dg

from assets.common.raw_assets import raw_assets_for_domain
from assets.lyrics.data_assets import (
    char_vocabulary,
    clean_lyrics,
    clean_lyrics_is_valid,
    lyrics_splits,
    lyrics_tfrecords,
)
from assets.lyrics.model_assets import artist_char_lm_model, char_lm_model
from assets.lyrics.report_assets import lyrics_report, lyrics_samples

LYRICS_ASSETS = [
    clean_lyrics,
    lyrics_splits,
    char_vocabulary,
    lyrics_tfrecords,
    char_lm_model,
    artist_char_lm_model,
    lyrics_report,
    lyrics_samples,
]

defs = dg.Definitions(assets=[*raw_assets_for_domain("lyrics"), *LYRICS_ASSETS], asset_checks=[clean_lyrics_is_valid])
