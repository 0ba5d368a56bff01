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
from assets.midi.velocity_assets import (
    performance_notes,
    performance_notes_are_valid,
    velocity_model,
    velocity_report,
)

MIDI_ASSETS = [
    *raw_assets_for_domain("midi"),
    piano_rolls,
    pianoroll_tfrecords,
    pianoroll_model,
    pianoroll_report,
    sampled_tunes,
    performance_notes,
    velocity_model,
    velocity_report,
]
MIDI_CHECKS = [piano_rolls_are_valid, performance_notes_are_valid]

defs = dg.Definitions(assets=MIDI_ASSETS, asset_checks=MIDI_CHECKS)
