"""Everything the `audio` group contributes to the code location."""

import dagster as dg

from assets.audio.data_assets import audio_features, clean_tracks, clean_tracks_valid, feature_parity_check
from assets.audio.model_assets import (
    audio_tfrecords,
    genre_classic_models,
    genre_cnn_model,
    genre_model,
    mel_spectrograms,
)
from assets.audio.report_assets import KNOWN_COLLECTIONS, genre_reports
from assets.common.asset_attributes import with_asset_attributes
from assets.common.champions import ChampionTask, build_champion_definitions
from assets.common.raw_assets import raw_assets_for_domain

# One task per known collection: `genre_<collection>` is the best model of that collection (chosen on valid).
# Both share the `genre_reports` asset, so each check is named after its report. Tolerance 0.02 accuracy:
# above seed noise of the best model on real GTZAN (200 test clips, one clip = 0.005) and FMA.
CHAMPION_TASKS = [
    ChampionTask(
        "audio",
        f"genre_{collection}",
        "genre_reports",
        f"genre_{collection}",
        "accuracy",
        True,
        tolerance=0.02,
        check_name=f"genre_{collection}_blessing",
    )
    for collection in KNOWN_COLLECTIONS
]
CHAMPION_DEFINITIONS = [build_champion_definitions(spec) for spec in CHAMPION_TASKS]

defs = dg.Definitions(
    assets=with_asset_attributes(
        "audio",
        [
            *raw_assets_for_domain("audio"),
            clean_tracks,
            audio_features,
            mel_spectrograms,
            audio_tfrecords,
            genre_classic_models,
            genre_cnn_model,
            genre_model,
            genre_reports,
            *(champion for _, champion in CHAMPION_DEFINITIONS),
        ],
    ),
    asset_checks=[clean_tracks_valid, feature_parity_check, *(blessing for blessing, _ in CHAMPION_DEFINITIONS)],
)
