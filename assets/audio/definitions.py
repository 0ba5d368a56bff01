"""Everything the `audio` group contributes to the code location."""

import dagster as dg

from assets.audio.data_assets import audio_features, clean_tracks, clean_tracks_valid, feature_parity_check
from assets.audio.model_assets import audio_tfrecords, genre_classic_models, genre_cnn_model, mel_spectrograms
from assets.audio.report_assets import genre_reports
from assets.common.raw_assets import raw_assets_for_domain

defs = dg.Definitions(
    assets=[
        *raw_assets_for_domain("audio"),
        clean_tracks,
        audio_features,
        mel_spectrograms,
        audio_tfrecords,
        genre_classic_models,
        genre_cnn_model,
        genre_reports,
    ],
    asset_checks=[clean_tracks_valid, feature_parity_check],
)
