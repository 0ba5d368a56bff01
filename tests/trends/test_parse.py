"""Parsing both Tianchi input forms, with every bad row set aside with its file, row and reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assets.common.quarantine import BadRecord
from assets.trends.parse import file_kind, parse_daily_aggregates, parse_tianchi_files, parse_user_actions

ARTIST_A = "a" * 32
ARTIST_B = "b" * 32


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("mars_tianchi_user_actions.csv", "user_actions"),
        ("mars_tianchi_songs.csv", "songs"),
        ("p2_artist_p_d_c.txt", "aggregates"),
        ("p2_artist_fan.txt", "fans"),
        ("notes.txt", None),
    ],
)
def test_file_kind_comes_from_the_name(name: str, kind: str | None) -> None:
    assert file_kind(name) == kind


def test_user_actions_good_rows_are_typed_and_bad_rows_quarantined(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mars_tianchi_user_actions.csv",
        "u1,s1,1425139200,1,20150301\n"
        "u2,s1,1425139200,4,20150301\n"  # unknown action type
        "u3,s1,noon,1,20150301\n"  # time not an integer
        "u4,s1,1425139200,1\n"  # missing Ds
        "u5,s1,1425139200,2,2015-03-01\n"  # Ds in the wrong format
        ",s1,1425139200,3,20150301\n"  # empty user id
        "u6,s2,1425225600,3,20150302\n",
    )
    bad: list[BadRecord] = []
    actions = parse_user_actions(path, bad)
    assert actions["user_id"].tolist() == ["u1", "u6"]
    assert actions["action_type"].tolist() == [1, 3]
    assert actions["action_day"].tolist() == [dt.date(2015, 3, 1), dt.date(2015, 3, 2)]
    reasons = {record.row: record.reason for record in bad}
    assert sorted(reasons) == [2, 3, 4, 5, 6]
    assert "action_type" in reasons[2] and "gmt_create" in reasons[3] and "expected 5 fields" in reasons[4]
    assert "Ds" in reasons[5] and "empty id" in reasons[6]
    assert all(record.file == "mars_tianchi_user_actions.csv" for record in bad)


def test_aggregate_blocks_become_one_row_per_artist_and_day(tmp_path: Path) -> None:
    plays = write(
        tmp_path, "p2_artist_p_d_c.txt", f"{ARTIST_A}\n5,6,7\n1,0,2\n0,0,1\n{ARTIST_B}\n9,x,1\n0,0,0\n0,0,0\n"
    )
    fans = write(tmp_path, "p2_artist_fan.txt", f"{ARTIST_A}\n3,4,5\n")
    bad: list[BadRecord] = []
    daily = parse_daily_aggregates(plays, fans, bad)
    assert daily["plays"].tolist() == [5, 6, 7]
    assert daily["listeners"].tolist() == [3, 4, 5]
    assert daily["day"].tolist() == [dt.date(2015, 3, 1), dt.date(2015, 3, 2), dt.date(2015, 3, 3)]
    assert [(record.row, "integers" in record.reason) for record in bad] == [(5, True)]


def test_an_incomplete_block_is_quarantined(tmp_path: Path) -> None:
    plays = write(tmp_path, "p2_artist_p_d_c.txt", f"{ARTIST_A}\n5,6,7\n1,0,2\n")
    bad: list[BadRecord] = []
    assert parse_daily_aggregates(plays, None, bad).empty
    assert "incomplete block" in bad[0].reason and bad[0].row == 1


def test_binary_garbage_with_a_csv_name_is_quarantined_as_a_whole_file(tmp_path: Path) -> None:
    write(tmp_path, "mars_tianchi_user_actions.csv", b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00garbage")
    write(tmp_path, "mars_tianchi_songs.csv", "s1,A,20150301,0,1,1\n")
    tables = parse_tianchi_files(tmp_path.iterdir())
    assert tables.user_actions.empty and len(tables.songs) == 1
    assert [(record.file, record.row) for record in tables.bad_records] == [("mars_tianchi_user_actions.csv", None)]


def test_an_empty_folder_and_an_empty_file_give_empty_tables(tmp_path: Path) -> None:
    write(tmp_path, "mars_tianchi_user_actions.csv", "")
    tables = parse_tianchi_files(tmp_path.iterdir())
    assert tables.input_form == "empty" and tables.bad_records == []
    assert list(tables.user_actions.columns) == ["user_id", "song_id", "gmt_create", "action_type", "action_day"]


def test_songs_with_duplicate_ids_or_bad_dates_are_quarantined(tmp_path: Path) -> None:
    write(tmp_path, "mars_tianchi_songs.csv", "s1,A,20150301,0,1,1\ns1,A,20150302,0,1,1\ns2,A,yesterday,0,1,1\n")
    tables = parse_tianchi_files(tmp_path.iterdir())
    assert tables.songs["song_id"].tolist() == ["s1"]
    assert sorted((record.row, record.reason) for record in tables.bad_records) == [
        (2, "duplicate song_id"),
        (3, "publish_time is not a YYYYMMDD date"),
    ]


@pytest.mark.real_data
def test_real_aggregates_parse_without_a_bad_record(real_data_root: Path) -> None:
    tables = parse_tianchi_files((real_data_root / "tianchi").glob("*.txt"))
    assert tables.input_form == "daily_aggregates" and tables.bad_records == []
    daily = tables.artist_daily_aggregates
    assert daily["artist_id"].nunique() == 100 and len(daily) == 100 * 146
    assert int(daily["plays"].sum()) == 10_524_701 and int(daily["listeners"].sum()) == 5_233_381
