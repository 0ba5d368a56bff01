"""The whole-file Tianchi parser as it was before the streamed one (commit 986a0e0), kept unchanged as the
reference the streamed parser must reproduce: the same tables, row for row, and the same quarantine records in
the same order. It reads each file whole and splits it in memory (about 10x the file's size at its peak);
`bench/tianchi_parse.py` measures it beside the streamed parser. It has no day range (it came later).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow

from assets.common.quarantine import BadRecord
from assets.trends.parse import (
    AGGREGATE_COLUMNS,
    AGGREGATE_FIRST_DAY,
    AGGREGATE_SERIES,
    ARTIST_ID,
    TianchiTables,
    file_kind,
)
from assets.trends.raw_tables import ACTION_TYPES, RAW_FIELDS, SONG_COLUMNS, USER_ACTION_COLUMNS


def read_text_lines(path: Path, bad_records: list[BadRecord]) -> list[str] | None:
    """The file's lines, or None (with a quarantined record) when it is not ASCII/UTF-8 text."""
    payload = Path(path).read_bytes()
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        bad_records.append(BadRecord(Path(path).name, None, f"not UTF-8 text ({error.reason} at byte {error.start})"))
        return None
    if "\x00" in text:
        bad_records.append(BadRecord(Path(path).name, None, "binary content (NUL bytes) in a text file"))
        return None
    return text.splitlines()


def _split_csv(path: Path, kind: str, bad_records: list[BadRecord]) -> pd.DataFrame:
    """Rows with the right field count as strings, with their 1-based line number; the rest quarantined."""
    expected = RAW_FIELDS[kind]
    lines = read_text_lines(path, bad_records)
    rows, numbers = [], []
    for number, line in enumerate(lines or [], start=1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != len(expected):
            reason = f"expected {len(expected)} fields ({','.join(expected)}), found {len(fields)}"
            bad_records.append(BadRecord(Path(path).name, number, reason, line[:200]))
            continue
        rows.append(fields)
        numbers.append(number)
    frame = pd.DataFrame(rows, columns=expected, dtype="string")
    frame["line"] = numbers
    return frame


def _reject(frame: pd.DataFrame, bad: pd.Series, reason: str, file: str, bad_records: list[BadRecord]) -> pd.DataFrame:
    bad = bad.fillna(True).astype(bool)
    for line, row in zip(frame.loc[bad, "line"], frame.loc[bad].itertuples(index=False), strict=True):
        content = ",".join(str(value) for value in row[:-1])
        bad_records.append(BadRecord(file, int(line), reason, content[:200]))
    return frame.loc[~bad]


def _parse_day(values: pd.Series) -> pd.Series:
    """YYYYMMDD dates; anything but exactly 8 digits is NaT (pandas reads a cut-off `2015052` as 2015-05-02)."""
    days = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    return days.where(values.str.fullmatch(r"\d{8}").fillna(False).astype(bool))


def parse_user_actions(path: Path, bad_records: list[BadRecord]) -> pd.DataFrame:
    """Typed user actions; a missing id, non-integer time, unknown action or bad Ds sends the row to quarantine."""
    name = Path(path).name
    frame = _split_csv(path, "user_actions", bad_records)
    frame = _reject(
        frame, (frame["user_id"].str.len() == 0) | (frame["song_id"].str.len() == 0), "empty id", name, bad_records
    )
    gmt = pd.to_numeric(frame["gmt_create"], errors="coerce")
    frame = _reject(frame, gmt.isna() | (gmt % 1 != 0), "gmt_create is not an integer unix time", name, bad_records)
    action = pd.to_numeric(frame["action_type"], errors="coerce")
    frame = _reject(frame, ~action.isin(ACTION_TYPES), "action_type is not 1, 2 or 3", name, bad_records)
    frame = _reject(frame, _parse_day(frame["Ds"]).isna(), "Ds is not a YYYYMMDD date", name, bad_records)
    return pd.DataFrame(
        {
            "user_id": frame["user_id"].astype(str),
            "song_id": frame["song_id"].astype(str),
            "gmt_create": pd.to_numeric(frame["gmt_create"]).astype("int64"),
            "action_type": pd.to_numeric(frame["action_type"]).astype("int64"),
            "action_day": _parse_day(frame["Ds"]).dt.date,
        },
        columns=USER_ACTION_COLUMNS,
    ).reset_index(drop=True)


def parse_songs(path: Path, bad_records: list[BadRecord]) -> pd.DataFrame:
    """Typed songs; rows with a missing id, a bad publish_time or non-integer codes go to quarantine."""
    name = Path(path).name
    frame = _split_csv(path, "songs", bad_records)
    frame = _reject(
        frame, (frame["song_id"].str.len() == 0) | (frame["artist_id"].str.len() == 0), "empty id", name, bad_records
    )
    frame = _reject(
        frame, _parse_day(frame["publish_time"]).isna(), "publish_time is not a YYYYMMDD date", name, bad_records
    )
    for column in ("song_init_plays", "Language", "Gender"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        frame = _reject(frame, numbers.isna() | (numbers % 1 != 0), f"{column} is not an integer", name, bad_records)
    frame = _reject(frame, frame["song_id"].duplicated(), "duplicate song_id", name, bad_records)
    return pd.DataFrame(
        {
            "song_id": frame["song_id"].astype(str),
            "artist_id": frame["artist_id"].astype(str),
            "publish_day": _parse_day(frame["publish_time"]).dt.date,
            "song_init_plays": pd.to_numeric(frame["song_init_plays"]).astype("int64"),
            "language": pd.to_numeric(frame["Language"]).astype("int64"),
            "gender": pd.to_numeric(frame["Gender"]).astype("int64"),
        },
        columns=SONG_COLUMNS,
    ).reset_index(drop=True)


def parse_series_blocks(path: Path, series_names: tuple[str, ...], bad_records: list[BadRecord]) -> dict[str, dict]:
    """Blocks of `artist_id` + one comma-separated line per series: {artist_id: {series: [ints]}}.

    A block whose id is not 32-hex, or whose value lines are not all non-negative integers of one length,
    is quarantined whole (row = the block's first line).
    """
    name = Path(path).name
    lines = [line.strip() for line in (read_text_lines(path, bad_records) or [])]
    block_size = 1 + len(series_names)
    while lines and not lines[-1]:
        lines.pop()
    blocks: dict[str, dict] = {}
    for start in range(0, len(lines), block_size):
        block = lines[start : start + block_size]
        artist_id, values = block[0], block[1:]
        reason = None
        if len(block) < block_size:
            reason = f"incomplete block: expected {block_size} lines (artist_id, {', '.join(series_names)})"
        elif not ARTIST_ID.match(artist_id):
            reason = "first line of a block is not a 32-hex artist_id"
        elif not all(re.fullmatch(r"\d+(,\d+)*", line) for line in values):
            reason = "value lines must be comma-separated non-negative integers"
        elif len({line.count(",") for line in values}) != 1:
            reason = "value lines of one artist have different lengths"
        elif artist_id in blocks:
            reason = "artist_id appears twice"
        if reason is not None:
            bad_records.append(BadRecord(name, start + 1, reason, "\n".join(block)[:200]))
            continue
        blocks[artist_id] = {
            series: [int(v) for v in line.split(",")] for series, line in zip(series_names, values, strict=True)
        }
    return blocks


def parse_daily_aggregates(
    plays_path: Path | None, fans_path: Path | None, bad_records: list[BadRecord]
) -> pd.DataFrame:
    """One row per artist and day from the aggregate files; listeners come from the fans file (0 if absent)."""
    if plays_path is None:
        if fans_path is not None:
            bad_records.append(BadRecord(Path(fans_path).name, None, "fans file without its artist_p_d_c file"))
        return typed_empty(AGGREGATE_COLUMNS, _AGGREGATE_TYPES)
    series = parse_series_blocks(plays_path, AGGREGATE_SERIES, bad_records)
    fans = parse_series_blocks(fans_path, ("listeners",), bad_records) if fans_path is not None else {}
    frames = []
    for artist_id, values in series.items():
        days = len(values["plays"])
        listeners = fans.get(artist_id, {}).get("listeners")
        if listeners is not None and len(listeners) != days:
            bad_records.append(
                BadRecord(Path(fans_path).name, None, f"artist {artist_id}: {len(listeners)} fan values, {days} plays")
            )
            listeners = None
        frames.append(
            pd.DataFrame(
                {
                    "artist_id": artist_id,
                    "day": [AGGREGATE_FIRST_DAY + dt.timedelta(days=offset) for offset in range(days)],
                    **{name: values[name] for name in AGGREGATE_SERIES},
                    "listeners": listeners if listeners is not None else [0] * days,
                }
            )
        )
    if not frames:
        return typed_empty(AGGREGATE_COLUMNS, _AGGREGATE_TYPES)
    return pd.concat(frames, ignore_index=True).astype({name: "int64" for name in AGGREGATE_COLUMNS[2:]})


def typed_empty(columns: list[str], types: dict[str, str]) -> pd.DataFrame:
    """An empty frame whose parquet schema matches the non-empty one (dates as date32)."""
    data = {}
    for column in columns:
        kind = types[column]
        if kind == "date":
            data[column] = pd.Series([], dtype="object").astype(pd.ArrowDtype(pyarrow.date32()))
        else:
            data[column] = pd.Series([], dtype="object" if kind == "string" else kind)
    return pd.DataFrame(data, columns=columns)


def parse_tianchi_files(paths: Iterable[Path]) -> TianchiTables:
    """Every Tianchi file of the raw manifest, in whichever form it comes."""
    bad_records: list[BadRecord] = []
    by_kind: dict[str, list[Path]] = {}
    for path in sorted(Path(p) for p in paths):
        kind = file_kind(path.name)
        if kind is None:
            bad_records.append(BadRecord(path.name, None, "unknown Tianchi file: name matches no known table"))
            continue
        by_kind.setdefault(kind, []).append(path)
    actions = [parse_user_actions(path, bad_records) for path in by_kind.get("user_actions", [])]
    songs = [parse_songs(path, bad_records) for path in by_kind.get("songs", [])]
    plays_files, fan_files = by_kind.get("aggregates", []), by_kind.get("fans", [])
    aggregates = [
        parse_daily_aggregates(plays, fan_files[index] if index < len(fan_files) else None, bad_records)
        for index, plays in enumerate(plays_files)
    ]
    return TianchiTables(
        user_actions=_concat(actions, USER_ACTION_COLUMNS, _ACTION_TYPES),
        songs=_concat(songs, SONG_COLUMNS, _SONG_TYPES),
        artist_daily_aggregates=_concat(aggregates, AGGREGATE_COLUMNS, _AGGREGATE_TYPES),
        bad_records=bad_records,
    )


_ACTION_TYPES = {
    "user_id": "string",
    "song_id": "string",
    "gmt_create": "int64",
    "action_type": "int64",
    "action_day": "date",
}
_SONG_TYPES = {
    "song_id": "string",
    "artist_id": "string",
    "publish_day": "date",
    "song_init_plays": "int64",
    "language": "int64",
    "gender": "int64",
}
_AGGREGATE_TYPES = {"artist_id": "string", "day": "date", **dict.fromkeys(AGGREGATE_COLUMNS[2:], "int64")}


def _concat(frames: list[pd.DataFrame], columns: list[str], types: dict[str, str]) -> pd.DataFrame:
    non_empty = [frame for frame in frames if len(frame)]
    if not non_empty:
        return typed_empty(columns, types)
    return pd.concat(non_empty, ignore_index=True)[columns]
