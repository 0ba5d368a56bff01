"""Streamed parsing of the Kaggle "55000+ Song Lyrics" `songdata.csv` into clean songs.

The file is read one record at a time (the full Kaggle file is ~72 MB): only the cleaned fields of
kept songs are held, column by column, and a 16-byte digest per song finds exact duplicates. No field
may be longer than ``max_field_characters``, and no line is read whole that could only belong to a
record over that limit, so a hostile file cannot make one record take more memory than that.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from assets.common.quarantine import BadRecord, BadRecords, LimitExceededError

EXPECTED_COLUMNS = ("artist", "song", "link", "text")
CLEAN_COLUMNS = ["artist", "song", "link", "text", "characters", "source_file", "source_row"]
CONTENT_PREVIEW = 200
# The longest real lyric is 3,291 characters; a million is 300 times that, and still bounds a record's memory.
MAX_FIELD_CHARACTERS = 1_000_000
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


@dataclass
class ParsedLyrics:
    """Kept songs column by column, plus what was set aside and why."""

    columns: dict[str, list] = field(default_factory=lambda: {name: [] for name in CLEAN_COLUMNS})
    bad_records: BadRecords = field(default_factory=BadRecords)
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


def field_limit_reason(max_characters: int) -> str:
    return f"a field is longer than the limit of {max_characters:,} characters (config max_field_characters)"


def is_field_limit_error(error: csv.Error) -> bool:
    """Whether the csv module refused a field for being over ``csv.field_size_limit``."""
    return str(error).startswith("field larger than field limit")


def line_limit(width: int, max_field_characters: int) -> int:
    """The longest line of a record of ``width`` fields within the limit: every field quoted, every character a
    doubled quote, commas and CRLF."""
    return width * (2 * max_field_characters + 3) + 2


@contextmanager
def csv_field_limit(max_characters: int) -> Iterator[None]:
    """``csv.field_size_limit`` is process-wide: set it for one file and put the previous value back."""
    previous = csv.field_size_limit(max_characters)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


class RecordLines:
    """The lines of a CSV file for ``csv.reader``, read at most ``max_line`` characters at a time.

    It counts the quote characters of the record being read (since ``start_record``), so the rest of a record
    over the field limit can be skipped: with RFC-4180 quoting a record ends at the first line end where that
    count is even. A line longer than ``max_line`` raises LimitExceededError instead of being read whole.
    """

    def __init__(self, handle: TextIO, max_line: int, too_long: str) -> None:
        self.handle = handle
        self.max_line = max_line
        self.too_long = too_long
        self.quotes = 0
        self.inside_line = False  # the last read stopped at max_line, before the end of its line

    def __iter__(self) -> RecordLines:
        return self

    def __next__(self) -> str:
        line = self._read()
        if self.inside_line:
            raise LimitExceededError(self.too_long)
        if not line:
            raise StopIteration
        return line

    def _read(self) -> str:
        line = self.handle.readline(self.max_line)
        self.quotes += line.count('"')
        self.inside_line = len(line) == self.max_line and not line.endswith(("\n", "\r"))
        return line

    def start_record(self) -> None:
        self.quotes = 0

    def skip_rest_of_record(self) -> None:
        """Read on to the end of the record being read: the end of its line, then on until its quotes close."""
        while self.inside_line or self.quotes % 2:
            if not self._read():
                return


def _problem(fields: list[str], width: int) -> str | None:
    if len(fields) != width:
        return f"expected {width} fields, found {len(fields)}"
    if any("\ufffd" in value for value in fields):
        return "not valid UTF-8 (undecodable bytes)"
    if any("\x00" in value for value in fields):
        return "contains NUL bytes (binary data)"
    return None


def parse_songdata(
    path: Path, parsed: ParsedLyrics | None = None, max_field_characters: int = MAX_FIELD_CHARACTERS
) -> ParsedLyrics:
    """Stream one songdata.csv into ``parsed``: clean, dedupe (same artist and text), quarantine bad rows.

    ``source_row`` and a BadRecord's ``row`` are 1-based data-record numbers (the header is record 0). A record
    with a field longer than ``max_field_characters`` is quarantined and skipped to its end; the records after
    it are read as usual. Raises ValueError naming the file when it is empty or its header lacks the expected
    columns (or is longer than one field may be).
    """
    path = Path(path)
    parsed = parsed if parsed is not None else ParsedLyrics()
    too_long = field_limit_reason(max_field_characters)
    with (
        csv_field_limit(max_field_characters),
        open(path, encoding="utf-8", errors="replace", newline="") as handle,
    ):
        lines = RecordLines(handle, max_field_characters, too_long)
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"{path}: the file is empty; expected a header {list(EXPECTED_COLUMNS)}") from None
        except (csv.Error, LimitExceededError) as error:
            raise ValueError(f"{path}: unreadable header ({error}); expected {list(EXPECTED_COLUMNS)}") from None
        positions = _header_positions(header, path)
        lines.max_line = line_limit(len(header), max_field_characters)
        row = 0
        while True:
            row += 1
            lines.start_record()
            try:
                fields = next(reader)
            except StopIteration:
                break
            except (csv.Error, LimitExceededError) as error:
                over_limit = isinstance(error, LimitExceededError) or is_field_limit_error(error)
                if over_limit:
                    lines.skip_rest_of_record()
                reason = too_long if over_limit else f"malformed CSV near line {reader.line_num}: {error}"
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


def parse_lyrics_files(paths: list[Path], max_field_characters: int = MAX_FIELD_CHARACTERS) -> ParsedLyrics:
    """Parse every file in order; duplicates are found across files too."""
    parsed = ParsedLyrics()
    for path in paths:
        parse_songdata(path, parsed, max_field_characters)
    return parsed
