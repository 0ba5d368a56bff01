"""Parsing and cleaning the phish.net setlist CSVs into one row per performance with a real show id.

The source has no show id: shows are keyed by date and venue. On the few dates where one venue held
two shows, their rows are mixed by position; they are told apart first by `exclude` and then by the
order in which a repeated position appears (the scraper wrote each show's rows in fetch order).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assets.common.quarantine import BadRecord, BadRecords, NoGoodRecordsError

REQUIRED_COLUMNS = ("showdate", "position", "set", "song", "venue", "trans_mark")
OPTIONAL_COLUMNS = (
    "exclude", "isjam", "isreprise", "is_original", "gap", "tourname", "city", "state", "country", "nickname",
)  # fmt: skip
SET_LABELS = ("1", "2", "3", "4", "e", "e2", "e3")
SEGUE_MARKS = ("", ",", ">", "->")
FLAG_COLUMNS = ("exclude", "isjam", "isreprise", "is_original")
CLEAN_COLUMNS = [
    "show_id", "show_number", "showdate", "venue", "city", "state", "country", "tourname",
    "set_label", "set_number", "is_encore", "position", "position_in_set", "song", "title",
    "trans_mark", "exclude", "isjam", "isreprise", "is_original", "gap", "source_file", "source_line",
]  # fmt: skip
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@dataclass
class ParsedSetlists:
    """Rows that parsed, the rows and files set aside, and how many exact duplicates were removed."""

    rows: pd.DataFrame
    bad_records: BadRecords = field(default_factory=BadRecords)
    duplicates_removed: int = 0


def normalize_title(title: str) -> str:
    """One spelling per song: NFC, apostrophes unified to `'`, whitespace collapsed."""
    text = unicodedata.normalize("NFC", title).translate(APOSTROPHES)
    return re.sub(r"\s+", " ", text).strip()


def read_setlist_file(path: Path, name: str) -> tuple[pd.DataFrame, list[BadRecord]]:
    """The good rows of one year file (all strings, with their CSV line) and its bad rows or the file itself."""
    payload = Path(path).read_bytes()
    if not payload.strip():
        return pd.DataFrame(), [BadRecord(name, None, "empty file")]
    if b"\x00" in payload:
        return pd.DataFrame(), [BadRecord(name, None, "binary content (NUL bytes): not a CSV text file")]
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        return pd.DataFrame(), [BadRecord(name, None, f"not UTF-8 text: {error}")]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        return pd.DataFrame(), [BadRecord(name, None, f"unreadable CSV: {error}")]
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{name}: missing columns {missing}; expected at least {list(REQUIRED_COLUMNS)}, "
            f"found {list(frame.columns)}"
        )
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = "0" if column in FLAG_COLUMNS else ""
    frame["source_file"] = name
    frame["source_line"] = range(2, len(frame) + 2)  # line 1 is the header
    return _split_bad_rows(frame, name)


def _row_problem(row: pd.Series) -> str:
    try:
        dt.date.fromisoformat(row["showdate"])
    except ValueError:
        return f"showdate {row['showdate']!r} is not a YYYY-MM-DD date"
    if not row["position"].isdigit() or int(row["position"]) < 1:
        return f"position {row['position']!r} is not a positive integer"
    if row["set"] not in SET_LABELS:
        return f"set {row['set']!r} is not one of {list(SET_LABELS)}"
    if not row["song"].strip():
        return "song title is empty"
    if not row["venue"].strip():
        return "venue is empty"
    if row["trans_mark"].strip() not in SEGUE_MARKS:
        return f"trans_mark {row['trans_mark']!r} is not one of {list(SEGUE_MARKS)}"
    for column in FLAG_COLUMNS:
        if row[column] and not row[column].isdigit():
            return f"{column} {row[column]!r} is not a non-negative integer"
    return ""


def _split_bad_rows(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[BadRecord]]:
    problems = frame.apply(_row_problem, axis=1) if len(frame) else pd.Series(dtype=str)
    bad = problems != ""
    records = [
        BadRecord(name, int(line), reason, ",".join(map(str, values)))
        for line, reason, values in zip(
            frame.loc[bad, "source_line"],
            problems[bad],
            frame.loc[bad, list(REQUIRED_COLUMNS)].itertuples(index=False),
            strict=True,
        )
    ]
    return frame.loc[~bad].copy(), records


def parse_setlist_files(files: pd.DataFrame) -> ParsedSetlists:
    """Read every file of a raw manifest (`relative_path`, `path`), drop exact duplicates, build shows."""
    frames, bad_records = [], BadRecords()
    for relative_path, path in zip(files["relative_path"], files["path"], strict=True):
        frame, bad = read_setlist_file(Path(path), relative_path)
        frames.append(frame)
        bad_records.extend(bad)
    good = [frame for frame in frames if len(frame)]
    if not good:
        raise NoGoodRecordsError.from_records("phish setlists", bad_records)
    rows = pd.concat(good, ignore_index=True)
    content_columns = [column for column in rows.columns if column not in ("source_file", "source_line")]
    duplicated = rows.duplicated(subset=content_columns, keep="first")
    rows = rows.loc[~duplicated].reset_index(drop=True)
    shows, repeated = assign_shows(rows)
    bad_records.extend(repeated)
    return ParsedSetlists(shows, bad_records, int(duplicated.sum()))


def assign_shows(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[BadRecord]]:
    """Key rows by show, number shows in time order, and derive set and in-set positions."""
    rows = rows.copy()
    rows["position"] = rows["position"].astype(int)
    rows["_file_order"] = range(len(rows))
    base = rows["showdate"] + "|" + rows["venue"]
    # A repeated position inside (date, venue, exclude) means two shows mixed in fetch order.
    occurrence = rows.groupby([base, rows["exclude"], rows["position"]]).cumcount()
    rows["_part"] = rows["exclude"] + "/" + occurrence.astype(str)
    first_seen = rows.groupby([base, rows["_part"]])["_file_order"].transform("min")
    part_rank = first_seen.groupby(base).rank(method="dense").astype(int)
    rows["show_id"] = base.where(part_rank == 1, base + "|" + part_rank.astype(str))
    rows = rows.sort_values(["showdate", "_file_order"], kind="stable")
    show_order = rows.drop_duplicates("show_id")["show_id"]
    rows["show_number"] = rows["show_id"].map({show: number for number, show in enumerate(show_order, start=1)})
    rows = rows.sort_values(["show_number", "position", "_file_order"], kind="stable")
    repeated = rows.duplicated(["show_id", "position"], keep="first")
    records = [
        BadRecord(file, int(line), f"position {position} repeats within show {show}", song)
        for file, line, position, show, song in rows.loc[
            repeated, ["source_file", "source_line", "position", "show_id", "song"]
        ].itertuples(index=False)
    ]
    rows = rows.loc[~repeated]
    return _derive_columns(rows), records


def _derive_columns(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.rename(columns={"set": "set_label"}).reset_index(drop=True)
    rows["trans_mark"] = rows["trans_mark"].str.strip()
    rows["title"] = rows["song"].map(normalize_title)
    rows["is_encore"] = rows["set_label"].str.startswith("e")
    set_start = rows["set_label"] != rows.groupby("show_id")["set_label"].shift()
    rows["set_number"] = set_start.astype(int).groupby(rows["show_id"]).cumsum()
    rows["position_in_set"] = rows.groupby(["show_id", "set_number"]).cumcount() + 1
    for column in FLAG_COLUMNS:
        rows[column] = pd.to_numeric(rows[column].replace("", "0")).astype("int64")
    rows["gap"] = pd.to_numeric(rows["gap"], errors="coerce").astype("Int64")
    rows["source_line"] = rows["source_line"].astype("int64")
    return rows[CLEAN_COLUMNS]
