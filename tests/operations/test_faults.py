"""Faults and bad input, end to end: every raw source gets a truncated file, a file with a wrong header, binary
garbage under the right extension, and an empty folder. Each case starts from a lake where the good sample was
materialized, runs the source's raw and cleaning assets on the corrupted copy, and checks that

- the run fails with an error naming the file (or folder), or succeeds with a quarantine entry naming the file
  and the reason, the good records of every other file kept (row counts per file as in the good run);
- nothing partial is left: no temporary file anywhere in the lake, and a failed step leaves every previous
  output byte-for-byte in place (only the raw manifests and the quarantine, this run's diagnosis, change).

The parser-level error paths are tested per domain (tests/<domain>/test_parse.py); these are the asset-level view.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.audio.data_assets import clean_tracks
from assets.common.raw_assets import RAW_FILE_ASSETS
from assets.lyrics.data_assets import clean_lyrics
from assets.midi.roll_assets import piano_rolls
from assets.midi.velocity_assets import performance_notes
from assets.setlists.data_assets import clean_setlists
from assets.trends.sql_assets import tianchi_tables
from tests.operations import faults as F


@dataclass(frozen=True)
class Source:
    """A raw source, the assets that clean it, and how to find where a row of the clean table came from."""

    folder: str
    domain: str
    assets: tuple
    table: str  # the cleaned table checked, `<lake>/<domain>/<table>.parquet`
    step: str  # the cleaning step, also the name of its quarantine file
    targets: dict[str, str]  # fault -> glob (under the raw root) of the file to corrupt; the first match
    wrong_header: Callable[[Path], None]
    origin: Callable[[pd.DataFrame, Path], pd.Series]  # the raw file (relative to the raw root) of each row
    position: str | None = None  # the column with a row's record number inside its file
    needs: tuple[str, ...] = ()  # other raw folders the cleaning step reads
    other_outputs: tuple[str, ...] = ()  # further tables the cleaning step writes

    def outputs(self) -> set[str]:
        return {f"{self.domain}/{name}.parquet" for name in (self.table, *self.other_outputs)}


@dataclass(frozen=True)
class Fails:
    """The run fails in ``step`` with an error matching ``message`` that names the file (or folder)."""

    step: str
    message: str


@dataclass(frozen=True)
class Quarantined:
    """The run succeeds; the file is quarantined with a reason matching ``reason``. ``kept`` says which of its
    records stay: "none" (the whole file is set aside), "all" (one line is), "before_cut" (those before the cut)."""

    reason: str
    kept: str


@dataclass(frozen=True)
class Skipped:
    """An optional source with an empty folder: the run succeeds without it (nothing of it in the table)."""


def _foreign_header(path: Path) -> None:
    F.replace_first_line(path, b"id,name,value,comment")


def _unexpected_header(path: Path) -> None:
    """The Tianchi CSVs have no header line: an export with one."""
    F.prepend_line(path, b"user_id,song_id,gmt_create,action_type,Ds")


def _midi_magic_in_wav(path: Path) -> None:
    F.overwrite_start(path, b"MThd")


def _wav_magic_in_midi(path: Path) -> None:
    F.overwrite_start(path, b"RIFF")


def _under(
    prefix: str, column: str, transform: Callable[[str], str] = str
) -> Callable[[pd.DataFrame, Path], pd.Series]:
    return lambda table, raw_root: prefix + table[column].astype(str).map(transform)


def _clip_origin(table: pd.DataFrame, raw_root: Path) -> pd.Series:
    return table["audio_path"].map(lambda path: Path(path).relative_to(raw_root).as_posix() if pd.notna(path) else "")


AUDIO_ASSETS = (RAW_FILE_ASSETS["fma"], RAW_FILE_ASSETS["gtzan"], clean_tracks)
SOURCES = {
    source.folder: source
    for source in (
        Source(
            "phish", "setlists", (RAW_FILE_ASSETS["phish"], clean_setlists), "clean_setlists", "clean_setlists",
            dict.fromkeys(F.FAULTS, "phish/*.csv"), _foreign_header, _under("phish/", "source_file"), "source_line",
        ),
        Source(
            "lyrics", "lyrics", (RAW_FILE_ASSETS["lyrics"], clean_lyrics), "clean_lyrics", "clean_lyrics",
            dict.fromkeys(F.FAULTS, "lyrics/songdata.csv"), _foreign_header,
            _under("lyrics/", "source_file", lambda path: Path(path).name), "source_row",
        ),
        Source(
            "nottingham", "midi", (RAW_FILE_ASSETS["nottingham"], piano_rolls), "piano_rolls", "piano_rolls",
            dict.fromkeys(F.FAULTS, "nottingham/train/*.mid"), _wav_magic_in_midi,
            _under("nottingham/", "tune_id", lambda tune: f"{tune}.mid"),
        ),
        Source(
            "piano_velocity", "midi", (RAW_FILE_ASSETS["piano_velocity"], performance_notes), "performance_notes",
            "performance_notes", dict.fromkeys(F.FAULTS, "piano_velocity/*.midi"), _wav_magic_in_midi,
            _under("piano_velocity/", "performance"),
        ),
        Source(
            "fma", "audio", AUDIO_ASSETS, "clean_tracks", "clean_tracks",
            {**dict.fromkeys(F.FAULTS, "fma/fma_metadata/tracks.csv"), "binary": "fma/audio/*/*.mp3"},
            _foreign_header, _clip_origin,
        ),
        Source(
            "gtzan", "audio", AUDIO_ASSETS, "clean_tracks", "clean_tracks",
            dict.fromkeys(F.FAULTS, "gtzan/genres/*/*.wav"), _midi_magic_in_wav, _clip_origin, needs=("fma",),
        ),
        Source(
            "tianchi", "trends", (RAW_FILE_ASSETS["tianchi"], tianchi_tables), "tianchi_user_actions",
            "tianchi_tables", dict.fromkeys(F.FAULTS, "tianchi/*user_actions*.csv"), _unexpected_header,
            lambda table, raw_root: pd.Series("tianchi/mars_tianchi_user_actions.csv", index=table.index),
            other_outputs=("tianchi_songs", "tianchi_artist_daily_aggregates"),
        ),
    )
}  # fmt: skip

TIANCHI_ACTIONS = 20_000
NO_FILES = r"raw folder \S+/{folder} holds no"
EXPECTED = {
    ("phish", "truncated"): Quarantined(r"is empty|is not|unreadable CSV", kept="before_cut"),
    ("phish", "wrong_header"): Fails("clean_setlists", r"{file}: missing columns \['showdate'"),
    ("phish", "binary"): Quarantined(r"binary content \(NUL bytes\)", kept="none"),
    ("phish", "empty_folder"): Fails("raw_phish_files", NO_FILES),
    ("lyrics", "truncated"): Quarantined(r"malformed CSV near line \d+: unexpected end of data", kept="before_cut"),
    ("lyrics", "wrong_header"): Fails("clean_lyrics", r"{file}: missing columns \['artist', 'song'"),
    # A lone binary songdata.csv: its first "line" is garbage, so the header check is what fails (naming it).
    ("lyrics", "binary"): Fails("clean_lyrics", r"{file}: missing columns \['artist', 'song'"),
    ("lyrics", "empty_folder"): Fails("raw_lyrics_files", NO_FILES),
    ("nottingham", "truncated"): Quarantined(r"unreadable MIDI: EOFError: .*truncated", kept="none"),
    ("nottingham", "wrong_header"): Quarantined(r"unreadable MIDI: OSError: MThd not found", kept="none"),
    ("nottingham", "binary"): Quarantined(r"unreadable MIDI: OSError: MThd not found", kept="none"),
    ("nottingham", "empty_folder"): Fails("raw_nottingham_files", NO_FILES),
    # The sample has one performance: with it unusable nothing is left, so the step fails and the table stays.
    ("piano_velocity", "truncated"): Fails("performance_notes", r"no usable records.*{file}: unreadable MIDI.*trunc"),
    ("piano_velocity", "wrong_header"): Fails("performance_notes", r"no usable records.*{file}: .*MThd not found"),
    ("piano_velocity", "binary"): Fails("performance_notes", r"no usable records.*{file}: .*MThd not found"),
    ("piano_velocity", "empty_folder"): Skipped(),
    # tracks.csv describes every FMA track (quoted multi-line fields): a cut-off or foreign one fails the step.
    ("fma", "truncated"): Fails("clean_tracks", r"{file}: not an FMA tracks.csv with a 3-row header \(.*EOF inside"),
    ("fma", "wrong_header"): Fails("clean_tracks", r"{file}: not an FMA tracks.csv with a 3-row header"),
    ("fma", "binary"): Quarantined(r"undecodable audio: LibsndfileError", kept="none"),
    ("fma", "empty_folder"): Fails("raw_fma_files", NO_FILES),
    ("gtzan", "truncated"): Quarantined(r"truncated WAV, \d+ bytes short", kept="none"),
    ("gtzan", "wrong_header"): Quarantined(r"undecodable audio: LibsndfileError.*Format not recognised", kept="none"),
    ("gtzan", "binary"): Quarantined(r"undecodable audio: LibsndfileError", kept="none"),
    ("gtzan", "empty_folder"): Skipped(),
    ("tianchi", "truncated"): Quarantined(r"Ds is not a YYYYMMDD date|expected 5 fields", kept="before_cut"),
    ("tianchi", "wrong_header"): Quarantined(r"gmt_create is not an integer unix time", kept="all"),
    ("tianchi", "binary"): Fails("tianchi_tables", r"no usable records.*{file}: not UTF-8 text"),
    ("tianchi", "empty_folder"): Fails("raw_tianchi_files", NO_FILES),
}


def _corrupt(source: Source, fault: str, raw_root: Path) -> Path:
    """Apply ``fault`` to the source's target file (or folder) under ``raw_root``; returns what was corrupted."""
    if fault == "empty_folder":
        F.empty_folder(raw_root / source.folder)
        return raw_root / source.folder
    target = sorted(raw_root.glob(source.targets[fault]))[0]
    {"truncated": F.truncate, "binary": F.binary_garbage, "wrong_header": source.wrong_header}[fault](target)
    return target


class Baselines:
    """The good sample materialized once per source into its own home (the lake each case starts from)."""

    def __init__(self, sample_raw_root: Path, folder: Path) -> None:
        self.folder = folder
        self.homes: dict[str, tuple[Path, Path]] = {}
        # Every source as in the sample, except the 15 MB of Tianchi user actions: their first lines will do.
        self.raw_root = folder / "sample"
        for source in SOURCES.values():
            F.link_tree(sample_raw_root / source.folder, self.raw_root / source.folder)
        for actions in (self.raw_root / "tianchi").glob("*user_actions*.csv"):
            lines = actions.read_bytes().splitlines(keepends=True)
            F.replace_file(actions, b"".join(lines[:TIANCHI_ACTIONS]))

    def raw_copy(self, source: Source, target: Path) -> Path:
        for folder in (source.folder, *source.needs):
            F.link_tree(self.raw_root / folder, target / folder)
        return target

    def get(self, source: Source) -> tuple[Path, Path]:
        """(home, raw root) of the good run of ``source``."""
        if source.folder not in self.homes:
            raw_root = self.raw_copy(source, self.folder / source.folder / "raw")
            home = self.folder / source.folder / "home"
            result = F.materialize(list(source.assets), home, raw_root)
            assert result.success, F.failure_message(result)
            self.homes[source.folder] = (home, raw_root)
        return self.homes[source.folder]


@pytest.fixture(scope="module")
def baselines(sample_raw_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Baselines:
    return Baselines(sample_raw_root, tmp_path_factory.mktemp("fault_baselines"))


def _per_file(source: Source, table: pd.DataFrame, raw_root: Path) -> pd.Series:
    return source.origin(table, raw_root).value_counts()


def _changed(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


CASES = [pytest.param(folder, fault, id=f"{folder}-{fault}") for folder in SOURCES for fault in F.FAULTS]


@pytest.mark.parametrize(("folder", "fault"), CASES)
def test_a_fault_is_reported_and_nothing_good_is_lost(
    folder: str, fault: str, baselines: Baselines, tmp_path: Path
) -> None:
    source = SOURCES[folder]
    expected = EXPECTED[(folder, fault)]
    good_home, good_raw = baselines.get(source)
    home = tmp_path / "home"
    shutil.copytree(good_home, home)
    lake = home / "lake"
    raw_root = baselines.raw_copy(source, tmp_path / "raw")
    corrupted = _corrupt(source, fault, raw_root)
    relative = corrupted.relative_to(raw_root).as_posix()
    before = F.snapshot(lake)

    result = F.materialize(list(source.assets), home, raw_root)

    after = F.snapshot(lake)
    assert F.temporary_leftovers(lake) == []
    changed = _changed(before, after)
    diagnostics = {
        name for name in changed if name.startswith((f"{source.domain}/raw_", f"{source.domain}/quarantine/"))
    }
    table_path = f"{source.domain}/{source.table}.parquet"
    good_table = pd.read_parquet(good_home / "lake" / table_path)

    if isinstance(expected, Fails):
        assert not result.success
        assert F.failed_steps(result) == {expected.step}
        message = F.failure_message(result)
        pattern = expected.message.format(file=re.escape(corrupted.name), folder=re.escape(source.folder))
        assert re.search(pattern, message, re.DOTALL), message
        # Nothing of the failed step or after it was written: its previous table is the very same file.
        assert changed - diagnostics == set()
        return

    assert result.success, F.failure_message(result)
    assert table_path in changed and changed - diagnostics <= source.outputs()
    table = pd.read_parquet(lake / table_path)
    kept, good = _per_file(source, table, raw_root), _per_file(source, good_table, good_raw)
    others = (good.index != relative) & ~good.index.str.startswith(f"{relative}/")
    pd.testing.assert_series_equal(kept.reindex(good.index[others]), good[others], check_names=False)
    if isinstance(expected, Skipped):
        assert relative not in kept.index
        assert not any(origin.startswith(f"{source.folder}/") for origin in kept.index)
        return

    quarantine = F.quarantine(lake, source.domain, source.step)
    named = quarantine[quarantine["file"].str.contains(corrupted.name, regex=False)]
    matching = named[named["reason"].str.contains(expected.reason, regex=True)]
    assert len(matching) == 1, named.to_string()
    from_target = int(kept.get(relative, 0))
    if expected.kept == "none":
        assert from_target == 0
    elif expected.kept == "all":
        assert from_target == good[relative]
    else:  # before_cut: every record before the quarantined one, none after it
        cut = int(matching["row"].iloc[0])
        assert cut > 0
        if source.position is None:  # one record per line and no bad line in the good sample
            assert from_target == cut - 1
        else:
            good_positions = good_table.loc[source.origin(good_table, good_raw) == relative, source.position]
            assert from_target == int((good_positions < cut).sum())
        assert 0 < from_target < good[relative]


def test_a_bad_tianchi_file_never_reaches_the_dbt_marts(baselines: Baselines, tmp_path: Path) -> None:
    """dbt reads only the parquet tables `tianchi_tables` writes (atomically), never the raw CSVs: a bad CSV is
    quarantined line by line there, or fails that step naming the file, and then dbt does not start.

    Not run here: a dbt build itself (about 20 s of dbt start-up on this machine, a third of this module's
    budget). dbt-duckdb computes an external mart into a temporary table first and only then COPYs it to the
    lake; DuckDB's COPY writes `tmp_<name>` beside an existing mart and renames it, so a rebuilt mart is
    replaced whole (a crash can leave `tmp_<name>`, which the leftover check above looks for). The first build
    of a mart, with no previous file, writes under the final name directly.
    """
    from assets.trends.sql_assets import dbt_resource, trends_dbt_models
    from resources import DuckDBResource

    source = SOURCES["tianchi"]
    good_home, _ = baselines.get(source)
    home = tmp_path / "home"
    shutil.copytree(good_home, home)
    raw_root = baselines.raw_copy(source, tmp_path / "raw")
    corrupted = _corrupt(source, "binary", raw_root)
    before = F.snapshot(home / "lake")

    result = dg.materialize(
        [*source.assets, trends_dbt_models],
        resources={**F.resources(home, raw_root), "duckdb": DuckDBResource(home=str(home)), "dbt": dbt_resource()},
        raise_on_error=False,
    )

    assert F.failed_steps(result) == {"tianchi_tables"}
    assert corrupted.name in F.failure_message(result)
    started = {event.step_key for event in result.all_events if event.event_type_value == "STEP_START"}
    assert "trends_dbt_models" not in started
    changed = _changed(before, F.snapshot(home / "lake"))
    assert changed <= {"trends/raw_tianchi_files.parquet", "trends/quarantine/tianchi_tables.parquet"}
    assert (
        not list((home / "lake").rglob("artist_daily_*"))
        and not (home / "lake" / "trends" / "warehouse.duckdb").exists()
    )
