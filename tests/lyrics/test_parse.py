"""Streamed parsing of songdata.csv: normalization, duplicates, quarantine and the error paths."""

import csv
import tracemalloc
from pathlib import Path

import pytest

from assets.common.quarantine import NoGoodRecordsError
from assets.lyrics.parse import normalize_text, parse_lyrics_files, parse_songdata

HEADER = b"artist,song,link,text\r\n"


def _write(tmp_path: Path, payload: bytes, name: str = "songdata.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(payload)
    return path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Look at her face  \nAnd it means  \n\n", "Look at her face\nAnd it means"),
        ("one\r\ntwo\r\n", "one\ntwo"),
        ("one\rtwo", "one\ntwo"),
        ("\n\n  \nfirst  \n  \nsecond\t\n", "first\n\nsecond"),
        ("   \n  \n", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_good_rows_are_kept_with_lf_inside_quoted_text(tmp_path: Path) -> None:
    payload = HEADER + b'ABBA,"Andante, Andante",/a/abba/x.html,"Take it easy  \nTouch me ""gently""  \n\n"\r\n'
    parsed = parse_songdata(_write(tmp_path, payload))
    frame = parsed.frame()
    assert frame.loc[0, ["artist", "song"]].tolist() == ["ABBA", "Andante, Andante"]
    assert frame.loc[0, "text"] == 'Take it easy\nTouch me "gently"'
    assert frame.loc[0, "characters"] == len('Take it easy\nTouch me "gently"')
    assert (parsed.records_read, parsed.bad_records, parsed.duplicates) == (1, [], [])


def test_duplicates_of_the_same_artist_are_removed_and_counted(tmp_path: Path) -> None:
    payload = (
        HEADER
        + b'A,One,/l1,"la la  \nla\n\n"\r\n'
        + b'A,Two,/l2,"la la\r\nla"\r\n'  # the same text once normalized
        + b'B,Three,/l3,"la la  \nla\n\n"\r\n'  # same text, other artist: kept
    )
    parsed = parse_songdata(_write(tmp_path, payload))
    assert parsed.frame()["song"].tolist() == ["One", "Three"]
    assert parsed.duplicates == [{"file": str(tmp_path / "songdata.csv"), "row": 2, "artist": "A", "song": "Two"}]


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (b'A,Empty,/l,""\r\n', "empty text"),
        (b'A,Blank,/l,"  \n  \n"\r\n', "empty text"),
        (b',Nameless,/l,"words"\r\n', "empty artist"),
        (b"A,Short,/l\r\n", "expected 4 fields, found 3"),
        (b'A,Long,/l,"words",extra\r\n', "expected 4 fields, found 5"),
        (b'A,Bytes,/l,"caf\xff\xfe"\r\n', "not valid UTF-8"),
        (b'A,Nul,/l,"a\x00b"\r\n', "NUL bytes"),
        (b'A,Quote,/l,"words"junk\r\n', "malformed CSV"),
    ],
)
def test_bad_rows_are_quarantined_with_file_row_and_reason(tmp_path: Path, bad_row: bytes, reason: str) -> None:
    payload = HEADER + b'A,Good,/g,"fine words"\r\n' + bad_row + b'B,Later,/g2,"more words"\r\n'
    path = _write(tmp_path, payload)
    parsed = parse_songdata(path)
    assert parsed.frame()["song"].tolist() == ["Good", "Later"]
    [record] = parsed.bad_records
    assert (record.file, record.row) == (str(path), 2)
    assert reason in record.reason


def test_a_record_cut_at_the_end_of_the_file_is_quarantined(tmp_path: Path) -> None:
    payload = HEADER + b'A,Good,/g,"fine words"\r\nA,Cut,/c,"the lyric stops mid'
    parsed = parse_songdata(_write(tmp_path, payload))
    assert parsed.frame()["song"].tolist() == ["Good"]
    assert [(record.row, "malformed CSV" in record.reason) for record in parsed.bad_records] == [(2, True)]


def test_a_field_over_the_limit_quarantines_its_record_and_every_other_record_is_kept(tmp_path: Path) -> None:
    words = "la " * 200  # 600 characters
    payload = (
        HEADER
        + b'A,Good,/g,"fine words"\r\n'
        + f'A,Huge,/h,"{words}\n""{words}""\n{words}\n"\r\n'.encode()  # quoted, over several lines
        + b'B,Later,/l,"later, ""quoted""\nwords"\r\n'
        + f"C,Bare,/b,{words}\r\n".encode()  # unquoted
        + f'D,Line,/d,"{"y" * 5000}"\r\n'.encode()  # a line no record within the limit has: never read whole
        + b'E,Last,/e,"last words"\r\n'
    )
    limit_before = csv.field_size_limit()
    parsed = parse_songdata(_write(tmp_path, payload), max_field_characters=500)
    assert parsed.frame()["song"].tolist() == ["Good", "Later", "Last"]
    assert parsed.frame()["text"].tolist()[1] == 'later, "quoted"\nwords'
    reason = "a field is longer than the limit of 500 characters (config max_field_characters)"
    assert [(record.row, record.reason) for record in parsed.bad_records] == [(2, reason), (4, reason), (5, reason)]
    assert csv.field_size_limit() == limit_before  # the process-wide csv setting is put back
    assert len(parse_songdata(_write(tmp_path, payload)).frame()) == 6  # the default limit keeps them all


def test_missing_columns_name_the_file_and_the_expected_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, b'artist,text\r\nA,"words"\r\n')
    with pytest.raises(ValueError, match=r"songdata\.csv: missing columns \['song', 'link'\]"):
        parse_songdata(path)


def test_an_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"songdata\.csv: the file is empty"):
        parse_songdata(_write(tmp_path, b""))


def test_binary_garbage_with_a_csv_name_is_rejected(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 8
    with pytest.raises(ValueError, match=r"songdata\.csv: missing columns"):
        parse_songdata(_write(tmp_path, garbage))


def test_a_header_only_file_yields_no_songs(tmp_path: Path) -> None:
    parsed = parse_songdata(_write(tmp_path, HEADER))
    assert parsed.frame().empty
    assert str(NoGoodRecordsError.from_records("clean_lyrics", parsed.bad_records)).startswith("clean_lyrics")


def test_duplicates_are_found_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, HEADER + b'A,One,/1,"same"\r\n', "a.csv")
    second = _write(tmp_path, HEADER + b'A,Again,/2,"same"\r\n', "b.csv")
    parsed = parse_lyrics_files([first, second])
    assert len(parsed.frame()) == 1
    assert parsed.duplicates[0]["file"] == str(second)


def test_the_sample_file_has_its_two_duplicates_and_one_empty_text(sample_raw_root: Path) -> None:
    parsed = parse_songdata(sample_raw_root / "lyrics" / "songdata.csv")
    assert parsed.records_read == 152
    assert len(parsed.duplicates) == 2
    assert [record.reason for record in parsed.bad_records] == ["empty text"]
    assert len(parsed.frame()) == 149


def test_parsing_streams_the_file_instead_of_holding_it_twice(tmp_path: Path, sample_raw_root: Path) -> None:
    songs = parse_songdata(sample_raw_root / "lyrics" / "songdata.csv").frame()
    big = tmp_path / "songdata.csv"
    with open(big, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["artist", "song", "link", "text"])
        for copy in range(60):  # other artists, so none of these are duplicates
            for artist, song, text in zip(songs["artist"], songs["song"], songs["text"], strict=True):
                writer.writerow([f"{artist} {copy}", song, "/x.html", text.replace("\n", "  \n") + "\n\n"])
    size = big.stat().st_size
    tracemalloc.start()
    try:
        parsed = parse_songdata(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    kept = sum(map(len, parsed.columns["text"]))
    assert len(parsed.columns["text"]) == 60 * len(songs)
    # The kept lyrics are one copy of most of the file (plus ~0.5x object overhead on these short songs);
    # reading the whole file first would add another full copy on top.
    assert kept > 0.8 * size
    assert peak < 2.0 * size
