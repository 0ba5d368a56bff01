"""Everything the `lyrics` group contributes to the code location."""

import dagster as dg

from assets.common.asset_attributes import with_asset_attributes
from assets.common.champions import ChampionTask, build_champion_definitions
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

# Both tasks are judged on test bits per character (lower is better) from the one `lyrics_report` asset, which
# writes `reports/char_lm.json` and `reports/artist_char_lm.json`; each check is named after its task.
# Tolerance 0.05 bits/char: reruns with another seed move the real-data test score by ~0.03 (MODELLING.md).
CHAMPION_TASKS = [
    ChampionTask(
        "lyrics", task, "lyrics_report", task, "bits_per_char", False, tolerance=0.05, check_name=f"{task}_blessing"
    )
    for task in ("char_lm", "artist_char_lm")
]
(char_lm_blessing, char_lm_champion), (artist_char_lm_blessing, artist_char_lm_champion) = (
    build_champion_definitions(spec) for spec in CHAMPION_TASKS
)

LYRICS_ASSETS = [
    clean_lyrics,
    lyrics_splits,
    char_vocabulary,
    lyrics_tfrecords,
    char_lm_model,
    artist_char_lm_model,
    lyrics_report,
    char_lm_champion,
    artist_char_lm_champion,
    lyrics_samples,
]
LYRICS_CHECKS = [clean_lyrics_is_valid, char_lm_blessing, artist_char_lm_blessing]

defs = dg.Definitions(
    assets=with_asset_attributes("lyrics", [*raw_assets_for_domain("lyrics"), *LYRICS_ASSETS]),
    asset_checks=LYRICS_CHECKS,
)
