"""The streamed Tianchi parser against the whole-file parser it replaced (tests/trends/tianchi_reference.py):
the same tables, value for value, and the same quarantine records in the same order, whatever the chunk size;
and the day range that keeps a typo such as 1915 out of the daily calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.common.quarantine import BadRecord
from assets.trends.day_range import DEFAULT_DAY_RANGE, DayRange
from assets.trends.parse import TianchiTables, parse_daily_aggregates, parse_tianchi_files
from assets.trends.sample_data import write_tianchi_sample
from tests.trends import tianchi_reference

USER = [f"{number:032x}" for number in range(1, 40)]
SONG = [f"{number:032x}" for number in range(1000, 1012)]
# One bad line of each kind the parser knows, spread through the file so that every chunk size splits some.
BAD_ACTION_LINES = [
    f"{USER[0]},{SONG[0]},1425139200,1",  # 4 fields
    f"{USER[0]},{SONG[0]},1425139200,1,20150301,extra",  # 6 fields
    "",  # blank: skipped, not quarantined
    "   ",
    f",{SONG[1]},1425139200,1,20150301",  # empty id
    f"{USER[2]},{SONG[1]},noon,1,20150301",
    f"{USER[2]},{SONG[1]},1425139200.5,1,20150301",
    f"{USER[3]},{SONG[2]},1425139200,4,20150301",
    f"{USER[3]},{SONG[2]},1425139200,1,2015-03-01",
    f"{USER[4]},{SONG[3]},1425139200,2,2015031",  # cut off
    f"{USER[4]},{SONG[3]},1425139200,2,20150230",  # no such day
    "x" * 300,  # over the 200 characters a record keeps
    f'"{USER[5]}",{SONG[4]},1425139200,3,20150302\r',  # quotes are kept; a \r\n line end
]


def action_lines(count: int) -> list[str]:
    lines = []
    for number in range(count):
        if number % 7 == 3:
            lines.append(BAD_ACTION_LINES[(number // 7) % len(BAD_ACTION_LINES)])
            continue
        day = number % 10
        gmt = 1_425_139_200 + day * 86_400 + number % 24 * 3600
        lines.append(
            f"{USER[number % len(USER)]},{SONG[number % len(SONG)]},{gmt},{1 + number % 3},201503{day + 1:02d}"
        )
    return lines


SONG_LINES = [
    f"{SONG[0]},{'a' * 32},20150301,0,1,1",
    f"{SONG[1]},{'a' * 32},19991231,12,100,2",
    f"{SONG[2]},{'b' * 32},yesterday,0,1,1",
    f"{SONG[2]},{'b' * 32},20140101,3,4,3",
    f"{SONG[3]},,20140101,3,4,3",
    f"{SONG[4]},{'b' * 32},20140101,3.5,4,3",
    f"{SONG[5]},{'b' * 32},20140101,3,x,3",
    f"{SONG[6]},{'c' * 32},20140101,3,4,",
    f"{SONG[7]},{'c' * 32},20140101,3,4",
    f"{SONG[0]},{'c' * 32},20150302,0,1,1",  # a duplicate of the first line, chunks apart
    f"{SONG[8]},{'c' * 32},20150303,0,1,1",
]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def aggregate_text(artists: int, days: int, bad_block: int | None = None) -> str:
    blocks = []
    for number in range(artists):
        values = ",".join(str((number * 7 + day) % 50) for day in range(days))
        first = "not-an-id" if number == bad_block else f"{number:032x}"
        blocks.append("\n".join([first, values, values, values]))
    return "\n".join(blocks) + "\n\n\n"


def assert_same_tables(streamed: TianchiTables, reference: TianchiTables) -> None:
    """Value for value: the streamed tables hold ids as categories and days as date32, the reference objects."""
    for name in ("user_actions", "songs", "artist_daily_aggregates"):
        new, old = getattr(streamed, name), getattr(reference, name)
        assert list(new.columns) == list(old.columns), name
        for column in new.columns:
            assert new[column].tolist() == old[column].tolist(), (name, column)
    assert streamed.bad_records == reference.bad_records


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[TianchiTables, TianchiTables]:
    """The sample (about 175,000 actions) read 1 MiB at a time (15 chunks), and by the whole-file parser."""
    paths = write_tianchi_sample(tmp_path_factory.mktemp("tianchi_sample"))
    return parse_tianchi_files(paths, chunk_bytes=1 << 20), tianchi_reference.parse_tianchi_files(paths)


def test_the_sample_parses_as_the_whole_file_parser_did(sample_tables: tuple[TianchiTables, TianchiTables]) -> None:
    streamed, reference = sample_tables
    assert len(streamed.user_actions) > 100_000 and len(streamed.songs) > 100
    assert_same_tables(streamed, reference)


def test_the_tables_have_compact_types(sample_tables: tuple[TianchiTables, TianchiTables]) -> None:
    streamed, reference = sample_tables
    actions = streamed.user_actions
    assert {column: str(kind) for column, kind in actions.dtypes.items()} == {
        "user_id": "category",
        "song_id": "category",
        "gmt_create": "int64",
        "action_type": "int8",
        "action_day": "date32[day][pyarrow]",
    }
    assert actions.memory_usage(deep=True).sum() < reference.user_actions.memory_usage(deep=True).sum() / 5


@pytest.mark.parametrize("chunk_bytes", [1, 97, 4096])
def test_bad_rows_across_chunk_boundaries_keep_their_reasons_and_line_numbers(tmp_path: Path, chunk_bytes: int) -> None:
    write(tmp_path, "mars_tianchi_user_actions.csv", "\n".join(action_lines(200)) + "\n")
    write(tmp_path, "mars_tianchi_songs.csv", "\n".join(SONG_LINES))  # no newline at the end
    write(tmp_path, "p2_artist_p_d_c.txt", aggregate_text(artists=6, days=20, bad_block=2))
    paths = sorted(tmp_path.iterdir())
    streamed = parse_tianchi_files(paths, chunk_bytes=chunk_bytes)
    reference = tianchi_reference.parse_tianchi_files(paths)
    assert len(reference.bad_records) > 25 and len(reference.user_actions) > 150
    assert_same_tables(streamed, reference)


@pytest.mark.parametrize(
    "garbage",
    [b"\xff\xfe", b"\x00", b"\x00" + b"ok\n" * 30 + b"\xc3("],
    ids=["undecodable", "nul", "nul-then-undecodable"],
)
@pytest.mark.parametrize("chunk_bytes", [1, 97])
def test_a_file_that_turns_out_not_to_be_text_is_quarantined_whole(
    tmp_path: Path, garbage: bytes, chunk_bytes: int
) -> None:
    good = "\n".join(action_lines(60)).encode()
    write(tmp_path, "mars_tianchi_user_actions.csv", good + b"\n" + garbage + b"\n" + good)
    write(tmp_path, "mars_tianchi_songs.csv", "\n".join(SONG_LINES))
    paths = sorted(tmp_path.iterdir())
    streamed = parse_tianchi_files(paths, chunk_bytes=chunk_bytes)
    assert streamed.user_actions.empty and streamed.bad_records[0].row is None
    assert_same_tables(streamed, tianchi_reference.parse_tianchi_files(paths))


@pytest.mark.parametrize("chunk_bytes", [1, 50])
def test_aggregate_blocks_across_chunks_and_trailing_blank_lines(tmp_path: Path, chunk_bytes: int) -> None:
    text = aggregate_text(artists=4, days=5, bad_block=1).replace("\n\n\n", "\n\n")  # a blank line inside a block
    plays = write(tmp_path, "p2_artist_p_d_c.txt", text[:-40] + "\n\n" + text[-40:] + "\n \n\n")
    fans = write(tmp_path, "p2_artist_fan.txt", f"{0:032x}\n1,2,3,4,5\n{3:032x}\n5,4,3,2,1\n\n")
    bad: list[BadRecord] = []
    reference_bad: list[BadRecord] = []
    daily = parse_daily_aggregates(plays, fans, bad, chunk_bytes=chunk_bytes)
    reference = tianchi_reference.parse_daily_aggregates(plays, fans, reference_bad)
    pd.testing.assert_frame_equal(daily, reference)
    assert bad == reference_bad and len(bad) >= 2


def test_a_1915_typo_is_quarantined_and_every_other_row_kept(tmp_path: Path) -> None:
    lines = action_lines(100)
    good_rows = len(tianchi_reference.parse_user_actions(write(tmp_path, "a_user_actions.csv", "\n".join(lines)), []))
    typo = f"{USER[1]},{SONG[1]},1425225600,1,19150302"
    path = write(tmp_path, "mars_tianchi_user_actions.csv", "\n".join([*lines[:50], typo, *lines[50:]]))
    tables = parse_tianchi_files([path], chunk_bytes=64)
    range_records = [record for record in tables.bad_records if "day range" in record.reason]
    assert range_records == [
        BadRecord(path.name, 51, "Ds 1915-03-02 is outside the accepted day range 2010-01-01 .. 2030-12-31", typo)
    ]
    assert len(tables.user_actions) == good_rows
    days = tables.user_actions["action_day"]
    assert (days.min(), days.max()) == (dt.date(2015, 3, 1), dt.date(2015, 3, 10))


def test_a_narrow_range_quarantines_the_days_outside_it_in_both_forms(tmp_path: Path) -> None:
    write(tmp_path, "mars_tianchi_user_actions.csv", "\n".join(action_lines(100)))
    write(tmp_path, "p2_artist_p_d_c.txt", aggregate_text(artists=2, days=5))
    days = DayRange(dt.date(2015, 3, 2), dt.date(2015, 3, 4))
    tables = parse_tianchi_files(sorted(tmp_path.iterdir()), days)
    kept = tables.user_actions["action_day"]
    assert kept.min() == dt.date(2015, 3, 2) and kept.max() == dt.date(2015, 3, 4)
    reasons = {record.reason for record in tables.bad_records if "day range" in record.reason}
    assert "Ds 2015-03-01 is outside the accepted day range 2015-03-02 .. 2015-03-04" in reasons
    assert "days 2015-03-01 .. 2015-03-05 leave the accepted day range 2015-03-02 .. 2015-03-04" in reasons
    assert tables.artist_daily_aggregates.empty


@pytest.mark.parametrize(
    ("earliest", "latest", "message"),
    [("1915-13-01", "2030-12-31", "earliest_day must be a YYYY-MM-DD date, got '1915-13-01'"),
     ("2010-01-01", "2030-02-30", "latest_day must be a YYYY-MM-DD"),
     ("2030-01-01", "2010-01-01", "is empty: earliest_day is after latest_day")],
)  # fmt: skip
def test_a_bad_day_range_is_refused_naming_the_field(earliest: str, latest: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DayRange.from_iso(earliest, latest)


def test_the_asset_quarantines_days_outside_its_configured_range(tmp_path: Path) -> None:
    from assets.common.raw_assets import RAW_FILE_ASSETS
    from assets.trends.sql_assets import tianchi_tables
    from resources import LakeResource, ParquetIOManager, RawDataResource

    folder = tmp_path / "raw" / "tianchi"
    folder.mkdir(parents=True)
    write(folder, "mars_tianchi_user_actions.csv", "\n".join(action_lines(50)))
    write(folder, "mars_tianchi_songs.csv", "\n".join(SONG_LINES))
    result = dg.materialize(
        [RAW_FILE_ASSETS["tianchi"], tianchi_tables],
        resources={
            "io_manager": ParquetIOManager(home=str(tmp_path)),
            "lake": LakeResource(home=str(tmp_path)),
            "raw_data": RawDataResource(root=str(tmp_path / "raw"), home=str(tmp_path)),
        },
        run_config={"ops": {"tianchi_tables": {"config": {"earliest_day": "2015-03-05"}}}},
    )
    metadata = result.asset_materializations_for_node("tianchi_tables")[0].metadata
    assert metadata["day_range"].value == f"2015-03-05 .. {DEFAULT_DAY_RANGE.latest}"
    actions = pd.read_parquet(tmp_path / "lake" / "trends" / "tianchi_user_actions.parquet")
    assert actions["action_day"].min() == dt.date(2015, 3, 5)
    quarantine = pd.read_parquet(tmp_path / "lake" / "trends" / "quarantine" / "tianchi_tables.parquet")
    assert quarantine["reason"].str.contains(r"Ds 2015-03-0[1-4] is outside the accepted day range").sum() > 10


@pytest.mark.real_data
def test_the_real_aggregates_parse_as_the_whole_file_parser_did(real_data_root: Path) -> None:
    paths = sorted((real_data_root / "tianchi").glob("*.txt"))
    assert_same_tables(parse_tianchi_files(paths, chunk_bytes=4096), tianchi_reference.parse_tianchi_files(paths))
