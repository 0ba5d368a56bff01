"""The raw sources Encore reads: folder name under the raw root, file kinds, domain, sample writer."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SampleWriter = Callable[[Path, int], list[Path]]


@dataclass(frozen=True)
class RawSource:
    """One raw source folder, laid out as in ``shared/data/real/<folder>``."""

    folder: str
    domain: str
    suffixes: tuple[str, ...]
    description: str
    sample_writer: str  # "module:function", imported only when sample data must be written
    required: bool = True

    @property
    def asset_name(self) -> str:
        return f"raw_{self.folder}_files"

    def load_sample_writer(self) -> SampleWriter:
        module_name, function_name = self.sample_writer.split(":")
        return getattr(importlib.import_module(module_name), function_name)


RAW_SOURCES: tuple[RawSource, ...] = (
    RawSource(
        "phish",
        "setlists",
        (".csv",),
        "phish.net setlist CSVs, one file per year (19 columns).",
        "assets.setlists.sample_data:write_phish_sample",
    ),
    RawSource(
        "lyrics",
        "lyrics",
        (".csv",),
        'The Kaggle "55000+ Song Lyrics" songdata.csv (artist, song, link, text).',
        "assets.lyrics.sample_data:write_lyrics_sample",
    ),
    RawSource(
        "nottingham",
        "midi",
        (".mid", ".midi"),
        "Nottingham folk tunes as MIDI in train/ valid/ test/.",
        "assets.midi.sample_data:write_nottingham_sample",
    ),
    RawSource(
        "piano_velocity",
        "midi",
        (".mid", ".midi"),
        "Expressive piano performances with real key velocities.",
        "assets.midi.sample_data:write_piano_velocity_sample",
        required=False,
    ),
    RawSource(
        "fma",
        "audio",
        (".csv", ".mp3", ".wav", ".au"),
        "FMA metadata (tracks.csv, genres.csv) and audio clips.",
        "assets.audio.sample_data:write_fma_sample",
    ),
    RawSource(
        "gtzan",
        "audio",
        (".csv", ".wav", ".au"),
        "GTZAN genre clips and the published feature table.",
        "assets.audio.sample_data:write_gtzan_sample",
        required=False,
    ),
    RawSource(
        "tianchi",
        "trends",
        (".csv", ".txt"),
        "Tianchi user actions and songs, or per-artist daily aggregates.",
        "assets.trends.sample_data:write_tianchi_sample",
    ),
)

SOURCES_BY_FOLDER: dict[str, RawSource] = {source.folder: source for source in RAW_SOURCES}
DOMAINS: tuple[str, ...] = ("setlists", "lyrics", "midi", "audio", "trends")
