"""Line-aligned chunks give the lines and line numbers of a whole-file `splitlines`, whatever the chunk size."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common.text_chunks import NotTextError, read_line_chunks

# Every line boundary `str.splitlines` knows, a \r\n pair, blank lines, multi-byte characters, no final newline.
TEXT = "a,b\r\nc\rd\x0be\x0cf\x1cg\x1dh\x1ei\x85j\u2028k\u2029l\n\n  \n\u00e9t\u00e9,\u4e50\nlast"


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 64, 1 << 20])
def test_chunks_hold_the_whole_files_lines_with_their_numbers(tmp_path: Path, chunk_bytes: int) -> None:
    path = tmp_path / "lines.txt"
    path.write_text(TEXT, encoding="utf-8", newline="")
    numbered = [
        (chunk.first_line + position, line)
        for chunk in read_line_chunks(path, chunk_bytes)
        for position, line in enumerate(chunk.lines)
    ]
    assert numbered == list(enumerate(TEXT.splitlines(), start=1))


@pytest.mark.parametrize("chunk_bytes", [1, 7, 1 << 20])
@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"ok\nok\n\xe4\xb8\nok\n", "not UTF-8 text (invalid continuation byte at byte 6)"),
        (b"ok\nok\xe4\xb8", "not UTF-8 text (unexpected end of data at byte 5)"),
        (b"ok\n\x00\nok\n", "binary content (NUL bytes) in a text file"),
        (b"\x00\nok\nok\n\xff\n", "not UTF-8 text (invalid start byte at byte 8)"),
    ],
)
def test_a_file_that_is_not_text_raises_the_reason_a_whole_file_decode_gives(
    tmp_path: Path, payload: bytes, reason: str, chunk_bytes: int
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(payload)
    try:  # the expected reasons are those of decoding the whole payload
        payload.decode("utf-8")
    except UnicodeDecodeError as error:
        assert reason == f"not UTF-8 text ({error.reason} at byte {error.start})"
    with pytest.raises(NotTextError) as raised:
        list(read_line_chunks(path, chunk_bytes))
    assert str(raised.value) == reason
