"""The Encore code location: every domain's assets, with jobs, automation, resources and executor."""

from __future__ import annotations

import dagster as dg

from assets.audio.definitions import CHAMPION_TASKS as AUDIO_CHAMPION_TASKS
from assets.audio.definitions import defs as audio_defs
from assets.common.asset_attributes import CROSS_DOMAIN, with_asset_attributes
from assets.common.leaderboard import build_leaderboard_asset
from assets.lyrics.definitions import CHAMPION_TASKS as LYRICS_CHAMPION_TASKS
from assets.lyrics.definitions import defs as lyrics_defs
from assets.midi.definitions import CHAMPION_TASKS as MIDI_CHAMPION_TASKS
from assets.midi.definitions import defs as midi_defs
from assets.setlists.definitions import CHAMPION_TASKS as SETLISTS_CHAMPION_TASKS
from assets.setlists.definitions import defs as setlists_defs
from assets.trends.definitions import CHAMPION_TASKS as TRENDS_CHAMPION_TASKS
from assets.trends.definitions import defs as trends_defs
from pipelines.automation import with_automation
from pipelines.jobs import JOBS
from pipelines.sensors import SENSORS
from resources.environments import executor_for_environment, resources_for_environment

# Every domain's champion tasks, in domain order: the leaderboard has a row per task.
CHAMPION_TASKS = [
    *SETLISTS_CHAMPION_TASKS,
    *LYRICS_CHAMPION_TASKS,
    *MIDI_CHAMPION_TASKS,
    *AUDIO_CHAMPION_TASKS,
    *TRENDS_CHAMPION_TASKS,
]

defs = with_automation(
    dg.Definitions.merge(
        setlists_defs,
        lyrics_defs,
        midi_defs,
        audio_defs,
        trends_defs,
        dg.Definitions(
            assets=with_asset_attributes(CROSS_DOMAIN, [build_leaderboard_asset(CHAMPION_TASKS)]),
            jobs=JOBS,
            sensors=SENSORS,
            resources=resources_for_environment(),
            executor=executor_for_environment(),
        ),
    )
)
