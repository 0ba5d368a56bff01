"""Everything the `midi` group contributes to the code location."""

import dagster as dg

from assets.common.asset_attributes import with_asset_attributes
from assets.common.champions import ChampionTask, build_champion_definitions
from assets.common.raw_assets import raw_assets_for_domain
from assets.midi.paths import DOMAIN, PIANOROLL_TASK, VELOCITY_TASK
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

# Tolerances sit above seed noise: on Nottingham, reruns with other seeds move the test NLL by a few
# hundredths of a nat per step; the velocity MAE moves by about a tenth of a velocity step.
PIANOROLL_CHAMPION = ChampionTask(
    DOMAIN, PIANOROLL_TASK, "pianoroll_report", "pianoroll", "nll_per_step", higher_is_better=False, tolerance=0.05
)
VELOCITY_CHAMPION = ChampionTask(
    DOMAIN, VELOCITY_TASK, "velocity_report", "velocity", "velocity_mae", higher_is_better=False, tolerance=0.2
)
CHAMPION_TASKS = [PIANOROLL_CHAMPION, VELOCITY_CHAMPION]

pianoroll_report_blessing, pianoroll_champion = build_champion_definitions(PIANOROLL_CHAMPION)
velocity_report_blessing, velocity_champion = build_champion_definitions(VELOCITY_CHAMPION)

MIDI_ASSETS = [
    *raw_assets_for_domain("midi"),
    piano_rolls,
    pianoroll_tfrecords,
    pianoroll_model,
    pianoroll_report,
    pianoroll_champion,
    sampled_tunes,
    performance_notes,
    velocity_model,
    velocity_report,
    velocity_champion,
]
MIDI_CHECKS = [
    piano_rolls_are_valid,
    performance_notes_are_valid,
    pianoroll_report_blessing,
    velocity_report_blessing,
]

defs = dg.Definitions(assets=with_asset_attributes(DOMAIN, MIDI_ASSETS), asset_checks=MIDI_CHECKS)
