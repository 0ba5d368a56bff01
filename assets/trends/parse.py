"""Parse the Tianchi files in either of their two forms into typed tables, quarantining bad rows.

Form 1, the competition's raw tables (header-less CSV, `raw_tables.py`): `*user_actions*.csv` and `*songs*.csv`.
Form 2, per-artist daily aggregates (line blocks, see the real data's PROVENANCE.md):
- `*artist_p_d_c*.txt`: blocks of 4 lines (artist_id, plays, downloads, collects), comma-separated daily
  values starting on 2015-03-01;
- `*artist_fan*.txt`: blocks of 2 lines (artist_id, distinct playing users per day).
Form 2 enters the graph at the daily level: it fills `artist_daily_aggregates`, form 1 the other two.
Every file is read in line-aligned chunks (`assets/common/text_chunks.py`), never whole; days outside the
configured range (`day_range.py`) are quarantined in both forms.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow
from pandas.api.types import union_categoricals

from assets.common.quarantine import BadRecord
from assets.common.text_chunks import CHUNK_BYTES, NotTextError, read_line_chunks
from assets.trends.day_range import DEFAULT_DAY_RANGE, DayRange
from assets.trends.raw_tables import (
    ACTION_COLUMN_TYPES,
    SONG_COLUMN_TYPES,
    SONG_COLUMNS,
    USER_ACTION_COLUMNS,
    parse_songs,
    parse_user_actions,
)

AGGREGATE_FIRST_DAY = dt.date(2015, 3, 1)
ARTIST_ID = re.compile(r"^[0-9a-f]{32}$")
AGGREGATE_COLUMNS = ["artist_id", "day", "plays", "downloads", "collects", "listeners"]
AGGREGATE_SERIES = ("plays", "downloads", "collects")
AGGREGATE_COLUMN_TYPES = {"artist_id": "string", "day": "date", **dict.fromkeys(AGGREGATE_COLUMNS[2:], "int64")}


@dataclass
class TianchiTables:
    """The three typed tables (two of them empty, depending on the input form) and the rejected records."""

    user_actions: pd.DataFrame
    songs: pd.DataFrame
    artist_daily_aggregates: pd.DataFrame
    bad_records: list[BadRecord] = field(default_factory=list)

    @property
    def input_form(self) -> str:
        if len(self.artist_daily_aggregates) and not len(self.user_actions):
            return "daily_aggregates"
        return "raw_tables" if len(self.user_actions) else "empty"


def file_kind(name: str) -> str | None:
    """Which table a file holds, from its name; None for a file this parser does not know."""
    lowered = name.lower()
    for marker, kind in (
        ("user_action", "user_actions"),
        ("songs", "songs"),
        ("artist_p_d_c", "aggregates"),
        ("artist_fan", "fans"),
    ):
        if marker in lowered:
            return kind
    return None


def _block_problem(block: list[str], series_names: tuple[str, ...], seen: dict, days: DayRange) -> str | None:
    """Why a block of stripped lines is refused, or None."""
    block_size = 1 + len(series_names)
    artist_id, values = block[0], block[1:]
    if len(block) < block_size:
        return f"incomplete block: expected {block_size} lines (artist_id, {', '.join(series_names)})"
    if not ARTIST_ID.match(artist_id):
        return "first line of a block is not a 32-hex artist_id"
    if not all(re.fullmatch(r"\d+(,\d+)*", line) for line in values):
        return "value lines must be comma-separated non-negative integers"
    if len({line.count(",") for line in values}) != 1:
        return "value lines of one artist have different lengths"
    last_day = AGGREGATE_FIRST_DAY + dt.timedelta(days=values[0].count(","))
    if not days.holds(AGGREGATE_FIRST_DAY, last_day):
        return f"days {AGGREGATE_FIRST_DAY} .. {last_day} leave the accepted day range {days}"
    if artist_id in seen:
        return "artist_id appears twice"
    return None


def parse_series_blocks(
    path: Path,
    series_names: tuple[str, ...],
    bad_records: list[BadRecord],
    days: DayRange = DEFAULT_DAY_RANGE,
    chunk_bytes: int = CHUNK_BYTES,
) -> dict[str, dict]:
    """Blocks of `artist_id` + one comma-separated line per series: {artist_id: {series: [ints]}}.

    A block whose id is not 32-hex, whose value lines are not all non-negative integers of one length, or whose
    days leave `days`, is quarantined whole (row = the block's first line). Blank lines at the end are ignored.
    """
    name, block_size = Path(path).name, 1 + len(series_names)
    blocks: dict[str, dict] = {}
    records: list[BadRecord] = []
    pending: list[str] = []  # stripped lines not yet in a block; pending[0] is line `first` + 1
    first = 0

    def take(count: int) -> None:
        nonlocal pending, first
        for start in range(0, count, block_size):
            block = pending[start : start + block_size]
            problem = _block_problem(block, series_names, blocks, days)
            if problem is not None:
                records.append(BadRecord(name, first + start + 1, problem, "\n".join(block)[:200]))
                continue
            blocks[block[0]] = {
                series: [int(v) for v in line.split(",")] for series, line in zip(series_names, block[1:], strict=True)
            }
        pending, first = pending[count:], first + count

    try:
        for chunk in read_line_chunks(path, chunk_bytes):
            pending.extend(line.strip() for line in chunk.lines)
            # Blank lines are ignored only at the end of the file: hold back blocks that could still be trailing.
            last = len(pending)
            while last and not pending[last - 1]:
                last -= 1
            take(last // block_size * block_size)
    except NotTextError as error:
        bad_records.append(BadRecord(name, None, str(error)))
        return {}
    while pending and not pending[-1]:
        pending.pop()
    take(len(pending))
    bad_records.extend(records)
    return blocks


def parse_daily_aggregates(
    plays_path: Path | None,
    fans_path: Path | None,
    bad_records: list[BadRecord],
    days: DayRange = DEFAULT_DAY_RANGE,
    chunk_bytes: int = CHUNK_BYTES,
) -> pd.DataFrame:
    """One row per artist and day from the aggregate files; listeners come from the fans file (0 if absent)."""
    if plays_path is None:
        if fans_path is not None:
            bad_records.append(BadRecord(Path(fans_path).name, None, "fans file without its artist_p_d_c file"))
        return typed_empty(AGGREGATE_COLUMNS, AGGREGATE_COLUMN_TYPES)
    series = parse_series_blocks(plays_path, AGGREGATE_SERIES, bad_records, days, chunk_bytes)
    fans = (
        parse_series_blocks(fans_path, ("listeners",), bad_records, days, chunk_bytes) if fans_path is not None else {}
    )
    frames = []
    for artist_id, values in series.items():
        day_count = len(values["plays"])
        listeners = fans.get(artist_id, {}).get("listeners")
        if listeners is not None and len(listeners) != day_count:
            bad_records.append(
                BadRecord(
                    Path(fans_path).name, None, f"artist {artist_id}: {len(listeners)} fan values, {day_count} plays"
                )
            )
            listeners = None
        frames.append(
            pd.DataFrame(
                {
                    "artist_id": artist_id,
                    "day": [AGGREGATE_FIRST_DAY + dt.timedelta(days=offset) for offset in range(day_count)],
                    **{name: values[name] for name in AGGREGATE_SERIES},
                    "listeners": listeners if listeners is not None else [0] * day_count,
                }
            )
        )
    if not frames:
        return typed_empty(AGGREGATE_COLUMNS, AGGREGATE_COLUMN_TYPES)
    return pd.concat(frames, ignore_index=True).astype({name: "int64" for name in AGGREGATE_COLUMNS[2:]})


def typed_empty(columns: list[str], types: dict[str, str]) -> pd.DataFrame:
    """An empty frame whose parquet schema matches the non-empty one (dates as date32)."""
    data = {}
    for column in columns:
        kind = types[column]
        if kind == "date":
            data[column] = pd.Series([], dtype="object").astype(pd.ArrowDtype(pyarrow.date32()))
        elif kind == "category":
            data[column] = pd.Series(pd.Categorical([], categories=pd.Index([], dtype="str")))
        else:
            data[column] = pd.Series([], dtype="object" if kind == "string" else kind)
    return pd.DataFrame(data, columns=columns)


def parse_tianchi_files(
    paths: Iterable[Path], days: DayRange = DEFAULT_DAY_RANGE, chunk_bytes: int = CHUNK_BYTES
) -> TianchiTables:
    """Every Tianchi file of the raw manifest, in whichever form it comes, read `chunk_bytes` at a time."""
    bad_records: list[BadRecord] = []
    by_kind: dict[str, list[Path]] = {}
    for path in sorted(Path(p) for p in paths):
        kind = file_kind(path.name)
        if kind is None:
            bad_records.append(BadRecord(path.name, None, "unknown Tianchi file: name matches no known table"))
            continue
        by_kind.setdefault(kind, []).append(path)
    actions = [parse_user_actions(path, bad_records, days, chunk_bytes) for path in by_kind.get("user_actions", [])]
    songs = [parse_songs(path, bad_records, chunk_bytes) for path in by_kind.get("songs", [])]
    plays_files, fan_files = by_kind.get("aggregates", []), by_kind.get("fans", [])
    aggregates = [
        parse_daily_aggregates(
            plays, fan_files[index] if index < len(fan_files) else None, bad_records, days, chunk_bytes
        )
        for index, plays in enumerate(plays_files)
    ]
    return TianchiTables(
        user_actions=_concat(actions, USER_ACTION_COLUMNS, ACTION_COLUMN_TYPES),
        songs=_concat(songs, SONG_COLUMNS, SONG_COLUMN_TYPES),
        artist_daily_aggregates=_concat(aggregates, AGGREGATE_COLUMNS, AGGREGATE_COLUMN_TYPES),
        bad_records=bad_records,
    )


def _concat(frames: list[pd.DataFrame], columns: list[str], types: dict[str, str]) -> pd.DataFrame:
    """The non-empty frames one after the other; categorical columns keep one category set (their union)."""
    non_empty = [frame for frame in frames if len(frame)]
    if not non_empty:
        return typed_empty(columns, types)
    if len(non_empty) == 1:
        return non_empty[0][columns]
    data = {
        column: union_categoricals([frame[column] for frame in non_empty])
        if types[column] == "category"
        else pd.concat([frame[column] for frame in non_empty], ignore_index=True)
        for column in columns
    }
    return pd.DataFrame(data, columns=columns)
