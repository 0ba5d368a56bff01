"""A text file read in line-aligned chunks, with the line numbers and the text checks of a whole-file read.

A chunk ends right after a `\\n` byte. That byte is never part of a multi-byte UTF-8 sequence, so every chunk
decodes on its own exactly when the whole file does, and `str.splitlines` over the chunks gives the whole
file's lines (a `\\r\\n` is never split, since a chunk ends after its `\\n`). Peak memory is one chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 8 * 1024 * 1024


class NotTextError(ValueError):
    """The file is not UTF-8 text, or holds NUL bytes; the message is the quarantine reason."""


@dataclass(frozen=True)
class LineChunk:
    """Consecutive lines of a file; `first_line` is the 1-based line number of `lines[0]`."""

    first_line: int
    lines: list[str]


def _byte_chunks(path: Path, chunk_bytes: int) -> Iterator[tuple[int, bytes]]:
    """(offset in the file, bytes) pieces of about `chunk_bytes`, each ending after a `\\n` (the last one at EOF)."""
    offset, pending = 0, b""
    with Path(path).open("rb") as file:
        while block := file.read(chunk_bytes):
            pending += block
            end = pending.rfind(b"\n") + 1
            if end:
                yield offset, pending[:end]
                offset, pending = offset + end, pending[end:]
    if pending:
        yield offset, pending


def read_line_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[LineChunk]:
    """The file's lines (as `str.splitlines` splits them), about `chunk_bytes` at a time.

    Raises NotTextError at the first byte that is not UTF-8, with the byte's offset in the file, as decoding
    the whole file would. A NUL byte stops the lines; the rest is still decoded, so that an undecodable byte
    after it is the reason given, as in a whole-file read, which decodes first and looks for NULs second.
    """
    if chunk_bytes < 1:
        raise ValueError(f"chunk_bytes must be at least 1, got {chunk_bytes}")
    next_line, has_nul = 1, False
    for offset, payload in _byte_chunks(path, chunk_bytes):
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotTextError(f"not UTF-8 text ({error.reason} at byte {offset + error.start})") from error
        has_nul = has_nul or "\x00" in text
        if not has_nul:
            lines = text.splitlines()
            yield LineChunk(next_line, lines)
            next_line += len(lines)
    if has_nul:
        raise NotTextError("binary content (NUL bytes) in a text file")
