"""The competition's raw tables (header-less CSV), parsed in line-aligned chunks into compact typed columns.

- `*user_actions*.csv`: user_id, song_id, gmt_create (unix seconds), action_type (1 play, 2 download,
  3 collect), Ds (YYYYMMDD);
- `*songs*.csv`: song_id, artist_id, publish_time (YYYYMMDD), song_init_plays, Language, Gender.

Each chunk is split and checked by the rules a whole-file read applied, and a bad row keeps its line number in
the file. A file's bad records are reported in the order of the checks (every field-count error, then every
empty id, ...), as the whole-file parser reported them, so the quarantine does not depend on the chunk size;
a file that turns out not to be text is quarantined whole, its rows dropped. Only the good rows' typed columns
are kept: ids as categories (integer codes and one string per distinct id), action_type as int8, days as
date32. At the season-1 scale (5.65 M actions, a 497 MB file) the parse peaks at about three times its output
tables, where the whole-file parser reached ten times the file (bench/README.md, bench/tianchi_parse.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute

from assets.common.quarantine import BadRecord
from assets.common.text_chunks import CHUNK_BYTES, LineChunk, NotTextError, read_line_chunks
from assets.trends.day_range import DEFAULT_DAY_RANGE, DayRange, epoch_day_to_date

ACTION_TYPES = (1, 2, 3)
USER_ACTION_COLUMNS = ["user_id", "song_id", "gmt_create", "action_type", "action_day"]
SONG_COLUMNS = ["song_id", "artist_id", "publish_day", "song_init_plays", "language", "gender"]
RAW_FIELDS = {
    "user_actions": ["user_id", "song_id", "gmt_create", "action_type", "Ds"],
    "songs": ["song_id", "artist_id", "publish_time", "song_init_plays", "Language", "Gender"],
}
# gmt_create and the song codes are checked to be integers, not bounded, so they stay int64.
ACTION_COLUMN_TYPES = {
    "user_id": "category",
    "song_id": "category",
    "gmt_create": "int64",
    "action_type": "int8",
    "action_day": "date",
}
SONG_COLUMN_TYPES = {
    "song_id": "category",
    "artist_id": "category",
    "publish_day": "date",
    "song_init_plays": "int64",
    "language": "int64",
    "gender": "int64",
}
CONTENT_PREVIEW = 200

Checks = list[list[BadRecord]]  # one list of bad records per check, in the order the checks run


class _Categories:
    """A categorical column built chunk by chunk: int32 codes per row, one string per distinct value.

    The distinct values live in a dict (value -> code), so a chunk costs its own distinct values only; an index
    of all the categories so far would be hashed again for every chunk.
    """

    def __init__(self) -> None:
        self.codes_of: dict[str, int] = {}
        self.codes: list[np.ndarray] = []

    def add(self, values: pd.Series) -> None:
        codes, uniques = pd.factorize(values)
        codes_of = self.codes_of
        positions = np.fromiter(
            (codes_of.setdefault(value, len(codes_of)) for value in uniques.tolist()),
            dtype=np.int32,
            count=len(uniques),
        )
        self.codes.append(positions[codes])

    def build(self) -> pd.Categorical:
        """The column; empties this builder (the codes and the dict go as the categorical is made)."""
        codes = np.concatenate(self.codes) if self.codes else np.array([], dtype=np.int32)
        categories = pd.Index(list(self.codes_of), dtype="str")
        self.codes, self.codes_of = [], {}
        return pd.Categorical.from_codes(codes, categories=categories)


class _TypedColumns:
    """The good rows of one file, chunk by chunk, in their final types (days as int32 days since 1970-01-01)."""

    def __init__(self, types: dict[str, str]) -> None:
        self.types = types
        self.categories = {name: _Categories() for name, kind in types.items() if kind == "category"}
        self.arrays: dict[str, list[np.ndarray]] = {name: [] for name in types if name not in self.categories}

    def add(self, columns: dict[str, pd.Series | np.ndarray]) -> None:
        for name, values in columns.items():
            if name in self.categories:
                self.categories[name].add(values)
            else:
                self.arrays[name].append(np.asarray(values, dtype=_numpy_type(self.types[name])))

    def frame(self) -> pd.DataFrame:
        """The file's table; each column's chunks are let go as soon as the column is joined, so the peak is
        about the table plus one column."""
        data = {}
        for name, kind in self.types.items():
            if kind == "category":
                data[name] = self.categories[name].build()
                continue
            parts, self.arrays[name] = self.arrays[name], []
            values = np.concatenate(parts) if parts else np.array([], dtype=_numpy_type(kind))
            del parts
            if kind == "date":
                data[name] = pd.arrays.ArrowExtensionArray(pyarrow.array(values).cast(pyarrow.date32()))
            else:
                data[name] = values
        return pd.DataFrame(data, columns=list(self.types), copy=False)


def _numpy_type(kind: str) -> str:
    return "int32" if kind == "date" else kind


def _content(fields: tuple) -> str:
    return ",".join(str(value) for value in fields)[:CONTENT_PREVIEW]


def _split_fields(chunk: LineChunk, fields: list[str], file: str, records: list[BadRecord]) -> pd.DataFrame:
    """Lines with the right field count as strings, with their line number; other non-blank lines quarantined."""
    parts = pyarrow.compute.split_pattern(pyarrow.array(chunk.lines, type=pyarrow.large_string()), pattern=",")
    counts = pyarrow.compute.list_value_length(parts).to_numpy(zero_copy_only=False)
    good = counts == len(fields)
    for position in np.flatnonzero(~good):
        line = chunk.lines[position]
        if line.strip():
            reason = f"expected {len(fields)} fields ({','.join(fields)}), found {counts[position]}"
            records.append(BadRecord(file, chunk.first_line + int(position), reason, line[:CONTENT_PREVIEW]))
    kept = parts.filter(pyarrow.array(good))
    frame = pd.DataFrame(
        {name: pd.array(pyarrow.compute.list_element(kept, index), dtype="string") for index, name in enumerate(fields)}
    )
    frame["line"] = chunk.first_line + np.flatnonzero(good)
    return frame


def _reject(frame: pd.DataFrame, bad: pd.Series, reason: str, file: str, records: list[BadRecord]) -> pd.DataFrame:
    bad = bad.fillna(True).astype(bool)
    for line, row in zip(frame.loc[bad, "line"], frame.loc[bad].itertuples(index=False), strict=True):
        records.append(BadRecord(file, int(line), reason, _content(row[:-1])))
    return frame.loc[~bad]


def _parse_day(values: pd.Series) -> pd.Series:
    """YYYYMMDD dates; anything but exactly 8 digits is NaT (pandas reads a cut-off `2015052` as 2015-05-02)."""
    days = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    return days.where(values.str.fullmatch(r"\d{8}").fillna(False).astype(bool))


def _epoch_days(days: pd.Series) -> np.ndarray:
    return days.to_numpy(dtype="datetime64[D]").astype(np.int32)


def _numbers(values: pd.Series) -> pd.Series:
    """`pd.to_numeric(values, errors="coerce")`; a chunk of plain digit strings (the usual case) is cast by Arrow,
    which gives the same integers about twenty times faster."""
    if values.str.fullmatch(r"\d{1,18}").all():
        integers = pyarrow.compute.cast(pyarrow.array(values.array), pyarrow.int64())
        return pd.Series(integers.to_numpy(zero_copy_only=False), index=values.index)
    return pd.to_numeric(values, errors="coerce")


def _not_integer(values: pd.Series) -> pd.Series:
    numbers = _numbers(values)
    return numbers.isna() | (numbers % 1 != 0)


def _action_chunk(chunk: LineChunk, file: str, days: DayRange) -> tuple[dict[str, pd.Series | np.ndarray], Checks]:
    """The typed good rows of one chunk of user actions, and its bad records by check."""
    checks: Checks = [[] for _ in range(6)]
    frame = _split_fields(chunk, RAW_FIELDS["user_actions"], file, checks[0])
    empty_id = (frame["user_id"].str.len() == 0) | (frame["song_id"].str.len() == 0)
    frame = _reject(frame, empty_id, "empty id", file, checks[1])
    frame = _reject(frame, _not_integer(frame["gmt_create"]), "gmt_create is not an integer unix time", file, checks[2])
    action = _numbers(frame["action_type"])
    frame = _reject(frame, ~action.isin(ACTION_TYPES), "action_type is not 1, 2 or 3", file, checks[3])
    days_read = _parse_day(frame["Ds"])
    frame = _reject(frame, days_read.isna(), "Ds is not a YYYYMMDD date", file, checks[4])
    epoch_days = _epoch_days(days_read.loc[frame.index])
    outside = days.outside(epoch_days)
    for row, epoch_day in zip(frame.loc[outside].itertuples(index=False), epoch_days[outside], strict=True):
        reason = f"Ds {epoch_day_to_date(epoch_day).isoformat()} is outside the accepted day range {days}"
        checks[5].append(BadRecord(file, int(row.line), reason, _content(row[:-1])))
    frame, epoch_days = frame.loc[~outside], epoch_days[~outside]
    columns = {
        "user_id": frame["user_id"],
        "song_id": frame["song_id"],
        "gmt_create": _numbers(frame["gmt_create"]).astype("int64").to_numpy(),
        "action_type": _numbers(frame["action_type"]).astype("int8").to_numpy(),
        "action_day": epoch_days,
    }
    return columns, checks


def _song_chunk(chunk: LineChunk, file: str, seen: set[str]) -> tuple[dict[str, pd.Series | np.ndarray], Checks]:
    """The typed good rows of one chunk of songs, and its bad records by check; `seen` holds the song ids kept
    from the earlier chunks and gains this chunk's."""
    checks: Checks = [[] for _ in range(7)]
    frame = _split_fields(chunk, RAW_FIELDS["songs"], file, checks[0])
    empty_id = (frame["song_id"].str.len() == 0) | (frame["artist_id"].str.len() == 0)
    frame = _reject(frame, empty_id, "empty id", file, checks[1])
    bad_day = _parse_day(frame["publish_time"]).isna()
    frame = _reject(frame, bad_day, "publish_time is not a YYYYMMDD date", file, checks[2])
    for check, column in enumerate(("song_init_plays", "Language", "Gender"), start=3):
        frame = _reject(frame, _not_integer(frame[column]), f"{column} is not an integer", file, checks[check])
    duplicate = frame["song_id"].duplicated() | frame["song_id"].isin(seen)
    frame = _reject(frame, duplicate, "duplicate song_id", file, checks[6])
    seen.update(frame["song_id"].tolist())
    columns = {
        "song_id": frame["song_id"],
        "artist_id": frame["artist_id"],
        "publish_day": _epoch_days(_parse_day(frame["publish_time"])),
        "song_init_plays": _numbers(frame["song_init_plays"]).astype("int64").to_numpy(),
        "language": _numbers(frame["Language"]).astype("int64").to_numpy(),
        "gender": _numbers(frame["Gender"]).astype("int64").to_numpy(),
    }
    return columns, checks


def _parse_file(
    path: Path,
    types: dict[str, str],
    parse_chunk: Callable[[LineChunk], tuple[dict[str, pd.Series | np.ndarray], Checks]],
    bad_records: list[BadRecord],
    chunk_bytes: int,
) -> pd.DataFrame:
    columns = _TypedColumns(types)
    checks: Checks = []
    try:
        for chunk in read_line_chunks(path, chunk_bytes):
            good, chunk_checks = parse_chunk(chunk)
            columns.add(good)
            checks = checks or [[] for _ in chunk_checks]
            for records, new in zip(checks, chunk_checks, strict=True):
                records.extend(new)
    except NotTextError as error:
        bad_records.append(BadRecord(Path(path).name, None, str(error)))
        return _TypedColumns(types).frame()
    bad_records.extend(record for records in checks for record in records)
    return columns.frame()


def parse_user_actions(
    path: Path, bad_records: list[BadRecord], days: DayRange = DEFAULT_DAY_RANGE, chunk_bytes: int = CHUNK_BYTES
) -> pd.DataFrame:
    """Typed user actions; a missing id, non-integer time, unknown action, bad Ds or a Ds outside `days` sends
    the row to quarantine."""
    name = Path(path).name
    return _parse_file(
        path, ACTION_COLUMN_TYPES, lambda chunk: _action_chunk(chunk, name, days), bad_records, chunk_bytes
    )


def parse_songs(path: Path, bad_records: list[BadRecord], chunk_bytes: int = CHUNK_BYTES) -> pd.DataFrame:
    """Typed songs; rows with a missing id, a bad publish_time, non-integer codes or a repeated song_id go to
    quarantine. publish_time is not held to the day range: old catalogue songs are real."""
    name, seen = Path(path).name, set()
    return _parse_file(path, SONG_COLUMN_TYPES, lambda chunk: _song_chunk(chunk, name, seen), bad_records, chunk_bytes)
