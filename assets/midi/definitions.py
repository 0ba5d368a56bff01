"""Everything the `midi` group contributes to the code location."""

import dagster as dg

from assets.common.raw_assets import raw_assets_for_domain
from assets.midi.roll_assets import (
    piano_rolls,
    piano_rolls_are_valid,
    pianoroll_model,
    pianoroll_report,
    pianoroll_tfrecords,
    sampled_tunes,
)

defs = dg.Definitions(
    assets=[
        *raw_assets_for_domain("midi"),
        piano_rolls,
        pianoroll_tfrecords,
        pianoroll_model,
        pianoroll_report,
        sampled_tunes,
    ],
    asset_checks=[piano_rolls_are_valid],
)
