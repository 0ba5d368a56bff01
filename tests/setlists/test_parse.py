"""Parsing and cleaning of the phish.net CSVs on small hand-made files."""

from pathlib import Path

import pandas as pd
import pytest

from assets.common.quarantine import NoGoodRecordsError
from assets.setlists.expectations import validate_clean_setlists
from assets.setlists.parse import normalize_title, parse_setlist_files, read_setlist_file

HEADER = (
    "showdate,showyear,exclude,position,transition,set,isjam,isreprise,gap,tourname,tourwhen,song,nickname,"
    "is_original,venue,city,state,country,trans_mark\n"
)


def _row(date: str, position: int, set_label: str, song: str, venue: str = "Hampton Coliseum", mark: str = ",",
         exclude: int = 0) -> str:  # fmt: skip
    quoted_mark = f'"{mark}"' if mark == "," else mark
    return (
        f'{date},{date[:4]},{exclude},{position},1,{set_label},0,0,1,Tour,Tour,"{song}",,1,{venue},Hampton,VA,USA,'
        f"{quoted_mark}\n"
    )


def _manifest(tmp_path: Path, files: dict[str, str | bytes]) -> pd.DataFrame:
    rows = []
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        rows.append({"relative_path": name, "path": str(path)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Wolfman’s Brother", "Wolfman's Brother"), ("  Mike's   Song ", "Mike's Song"), ("Jägermeister", "Jägermeister")],
)
def test_titles_are_normalized(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


def test_duplicates_are_removed_and_two_show_dates_split_by_venue(tmp_path: Path) -> None:
    show_a = [_row("1993-04-01", 1, "1", "Ghost", "Park"), _row("1993-04-01", 2, "1", "Piper", "Park", "")]
    show_b = [_row("1993-04-01", 1, "1", "Tweezer", "Club"), _row("1993-04-01", 2, "e", "Tweezer Reprise", "Club", "")]
    mixed = [show_a[0], show_b[0], show_a[1], show_b[1]]
    parsed = parse_setlist_files(_manifest(tmp_path, {"1993.csv": HEADER + "".join(mixed + mixed)}))
    assert parsed.duplicates_removed == 4
    assert parsed.bad_records == []
    rows = parsed.rows
    assert rows["show_id"].tolist() == ["1993-04-01|Park"] * 2 + ["1993-04-01|Club"] * 2
    assert rows["show_number"].tolist() == [1, 1, 2, 2]
    assert rows["position_in_set"].tolist() == [1, 2, 1, 1]
    assert rows["is_encore"].tolist() == [False, False, False, True]
    assert validate_clean_setlists(rows).passed


def test_two_shows_at_one_venue_are_told_apart_by_exclude_and_order(tmp_path: Path) -> None:
    lines = [
        _row("2014-06-24", 1, "1", "46 Days"),
        _row("2014-06-24", 1, "1", "The Line", mark="", exclude=1),
        _row("2014-06-24", 2, "1", "Carini", mark=""),
    ]
    rows = parse_setlist_files(_manifest(tmp_path, {"2014.csv": HEADER + "".join(lines)})).rows
    assert rows.groupby("show_id")["title"].apply(list).to_dict() == {
        "2014-06-24|Hampton Coliseum": ["46 Days", "Carini"],
        "2014-06-24|Hampton Coliseum|2": ["The Line"],
    }
    assert validate_clean_setlists(rows).passed


def test_bad_rows_are_quarantined_with_file_line_and_reason(tmp_path: Path) -> None:
    lines = [
        _row("2009-03-06", 1, "1", "Fluffhead"),
        _row("2009-03-06", 2, "9", "Divided Sky"),
        _row("2009-13-45", 3, "1", "Reba"),
        _row("2009-03-06", 3, "1", "Stash", mark="~"),
        _row("2009-03-06", 4, "1", "Bowie", mark=""),
    ]
    parsed = parse_setlist_files(_manifest(tmp_path, {"2009.csv": HEADER + "".join(lines)}))
    reasons = {(record.file, record.row): record.reason for record in parsed.bad_records}
    assert set(reasons) == {("2009.csv", 3), ("2009.csv", 4), ("2009.csv", 5)}
    assert "set '9'" in reasons[("2009.csv", 3)]
    assert "showdate" in reasons[("2009.csv", 4)]
    assert "trans_mark" in reasons[("2009.csv", 5)]
    assert parsed.rows["title"].tolist() == ["Fluffhead", "Bowie"]


def test_a_missing_column_names_the_file_and_the_expected_columns(tmp_path: Path) -> None:
    path = tmp_path / "2010.csv"
    path.write_text("showdate,position,song\n2010-01-01,1,Ghost\n")
    with pytest.raises(ValueError, match=r"2010.csv: missing columns \['set', 'venue', 'trans_mark'\]"):
        read_setlist_file(path, "2010.csv")


def test_empty_and_binary_files_are_quarantined_and_no_good_rows_fail(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, {"2011.csv": "", "2012.csv": b"\x89PNG\r\n\x1a\n\x00\x00garbage"})
    with pytest.raises(NoGoodRecordsError, match=r"2011.csv: empty file.*2012.csv: binary content"):
        parse_setlist_files(manifest)


def test_a_bad_file_beside_good_ones_is_quarantined(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path,
        {"2012.csv": b"\xff\xfe\x00garbage", "2013.csv": HEADER + _row("2013-07-03", 1, "1", "Ghost", mark="")},
    )
    parsed = parse_setlist_files(manifest)
    assert [(record.file, record.row) for record in parsed.bad_records] == [("2012.csv", None)]
    assert len(parsed.rows) == 1


def test_the_check_fails_on_a_gap_in_positions() -> None:
    frame = pd.DataFrame(
        {
            "show_id": ["a", "a"], "show_number": [1, 1], "showdate": ["2009-01-01"] * 2, "venue": ["v"] * 2,
            "set_label": ["1", "x"], "position": [1, 3], "title": ["Ghost", "Piper"], "trans_mark": [",", ""],
        }
    )  # fmt: skip
    summary = validate_clean_setlists(frame)
    failed = {failure["expectation"] for failure in summary.failures}
    assert failed == {"expect_column_values_to_be_in_set", "expect_column_pair_values_to_be_equal"}
