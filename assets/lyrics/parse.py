"""Streamed parsing of the Kaggle "55000+ Song Lyrics" `songdata.csv` into clean songs.

The file is read one record at a time (the full Kaggle file is ~72 MB): only the cleaned fields of
kept songs are held, column by column, and a 16-byte digest per song finds exact duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assets.common.quarantine import BadRecord

EXPECTED_COLUMNS = ("artist", "song", "link", "text")
CLEAN_COLUMNS = ["artist", "song", "link", "text", "characters", "source_file", "source_row"]
CONTENT_PREVIEW = 200
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


@dataclass
class ParsedLyrics:
    """Kept songs column by column, plus what was set aside and why."""

    columns: dict[str, list] = field(default_factory=lambda: {name: [] for name in CLEAN_COLUMNS})
    bad_records: list[BadRecord] = field(default_factory=list)
    duplicates: list[dict[str, object]] = field(default_factory=list)
    records_read: int = 0
    seen: set[bytes] = field(default_factory=set, repr=False)
    names: dict[str, str] = field(default_factory=dict, repr=False)  # one string object per artist / file

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.columns, columns=CLEAN_COLUMNS)
        return frame.astype({"characters": "int64", "source_row": "int64"})


def normalize_text(text: str) -> str:
    """Unix line endings, no trailing spaces on any line, no blank lines at the start or end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TRAILING_SPACE.sub("", text).strip("\n")


def _text_digest(artist: str, text: str) -> bytes:
    return hashlib.blake2b(f"{artist}\0{text}".encode(), digest_size=16).digest()


def _header_positions(header: list[str], path: Path) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    missing = [column for column in EXPECTED_COLUMNS if column not in names]
    if missing:
        raise ValueError(
            f"{path}: missing columns {missing}; expected a header with {list(EXPECTED_COLUMNS)}, found {header[:10]!r}"
        )
    return {column: names.index(column) for column in EXPECTED_COLUMNS}


def _problem(fields: list[str], width: int) -> str | None:
    if len(fields) != width:
        return f"expected {width} fields, found {len(fields)}"
    if any("\ufffd" in value for value in fields):
        return "not valid UTF-8 (undecodable bytes)"
    if any("\x00" in value for value in fields):
        return "contains NUL bytes (binary data)"
    return None


def parse_songdata(path: Path, parsed: ParsedLyrics | None = None) -> ParsedLyrics:
    """Stream one songdata.csv into ``parsed``: clean, dedupe (same artist and text), quarantine bad rows.

    ``source_row`` and a BadRecord's ``row`` are 1-based data-record numbers (the header is record 0).
    Raises ValueError naming the file when it is empty or its header lacks the expected columns.
    """
    path = Path(path)
    parsed = parsed if parsed is not None else ParsedLyrics()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"{path}: the file is empty; expected a header {list(EXPECTED_COLUMNS)}") from None
        except csv.Error as error:
            raise ValueError(f"{path}: unreadable header ({error}); expected {list(EXPECTED_COLUMNS)}") from None
        positions = _header_positions(header, path)
        row = 0
        while True:
            row += 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                reason = f"malformed CSV near line {reader.line_num}: {error}"
                parsed.bad_records.append(BadRecord(str(path), row, reason))
                continue
            parsed.records_read += 1
            _keep_or_set_aside(fields, len(header), positions, path, row, parsed)
    return parsed


def _keep_or_set_aside(
    fields: list[str],
    width: int,
    positions: dict[str, int],
    path: Path,
    row: int,
    parsed: ParsedLyrics,
) -> None:
    problem = _problem(fields, width)
    if problem is not None:
        content = ",".join(fields)[:CONTENT_PREVIEW]
        parsed.bad_records.append(BadRecord(str(path), row, problem, content))
        return
    artist = fields[positions["artist"]].strip()
    song = fields[positions["song"]].strip()
    text = normalize_text(fields[positions["text"]])
    if not artist:
        parsed.bad_records.append(BadRecord(str(path), row, "empty artist", song[:CONTENT_PREVIEW]))
        return
    if not text:
        parsed.bad_records.append(BadRecord(str(path), row, "empty text", f"{artist} / {song}"[:CONTENT_PREVIEW]))
        return
    digest = _text_digest(artist, text)
    if digest in parsed.seen:
        parsed.duplicates.append({"file": str(path), "row": row, "artist": artist, "song": song})
        return
    parsed.seen.add(digest)
    artist, source = (parsed.names.setdefault(name, name) for name in (artist, str(path)))
    values = (artist, song, fields[positions["link"]].strip(), text, len(text), source, row)
    for name, value in zip(CLEAN_COLUMNS, values, strict=True):
        parsed.columns[name].append(value)


def parse_lyrics_files(paths: list[Path]) -> ParsedLyrics:
    """Parse every file in order; duplicates are found across files too."""
    parsed = ParsedLyrics()
    for path in paths:
        parse_songdata(path, parsed)
    return parsed
