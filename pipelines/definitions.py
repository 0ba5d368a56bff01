"""The Encore code location: every domain's assets, with jobs and resources for the environment."""

from __future__ import annotations

import dagster as dg

from assets.audio.definitions import defs as audio_defs
from assets.lyrics.definitions import defs as lyrics_defs
from assets.midi.definitions import defs as midi_defs
from assets.setlists.definitions import defs as setlists_defs
from assets.trends.definitions import defs as trends_defs
from pipelines.jobs import DOMAIN_JOBS
from resources.environments import resources_for_environment

defs = dg.Definitions.merge(
    setlists_defs,
    lyrics_defs,
    midi_defs,
    audio_defs,
    trends_defs,
    dg.Definitions(jobs=DOMAIN_JOBS, resources=resources_for_environment()),
)
