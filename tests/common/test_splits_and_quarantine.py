from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from assets.common.quarantine import (
    QUARANTINE_KEPT_RECORDS,
    BadRecord,
    BadRecords,
    NoGoodRecordsError,
    write_quarantine,
)
from assets.common.splits import split_by_order, stratified_split


def test_split_by_order_puts_the_latest_items_in_test() -> None:
    labels = split_by_order(10, valid_fraction=0.1, test_fraction=0.2)
    assert labels == ["train"] * 7 + ["valid"] + ["test"] * 2


def test_split_by_order_refuses_too_few_items() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        split_by_order(2, 0.1, 0.2)


def test_stratified_split_keeps_every_label_in_every_part_and_is_seeded() -> None:
    labels = ["a"] * 20 + ["b"] * 10
    first = stratified_split(labels, 0.1, 0.2, seed=3)
    assert first == stratified_split(labels, 0.1, 0.2, seed=3)
    counts = Counter(zip(labels, first, strict=True))
    assert counts[("a", "test")] == 4 and counts[("b", "test")] == 2
    assert counts[("a", "valid")] == 2 and counts[("b", "valid")] == 1


def test_quarantine_records_file_row_and_reason(tmp_path: Path) -> None:
    records = [BadRecord("1997.csv", 12, "position is not an integer", "x,y")]
    frame = pd.read_parquet(write_quarantine(tmp_path, "clean_setlists", records))
    assert frame.to_dict("records") == [
        {"file": "1997.csv", "row": 12, "reason": "position is not an integer", "content": "x,y"}
    ]
    empty = pd.read_parquet(write_quarantine(tmp_path, "clean_other", []))
    assert list(empty.columns) == ["file", "row", "reason", "content"] and empty.empty


def test_no_good_records_error_names_the_file_and_row() -> None:
    error = NoGoodRecordsError.from_records("phish", [BadRecord("2001.csv", 3, "missing column 'song'")])
    assert "2001.csv, row 3: missing column 'song'" in str(error)


def test_bad_records_keep_the_first_ones_and_count_them_all() -> None:
    first = BadRecords((BadRecord("a.csv", row, "bad") for row in range(1, 6)), keep=3)
    assert [record.row for record in first] == [1, 2, 3] and first.total == 5
    joined = BadRecords.concat(first, [BadRecord("b.csv", 1, "bad")])
    assert (len(joined), joined.total) == (4, 6)
    joined += BadRecords([BadRecord("c.csv", 1, "bad")] * 4, keep=2)
    assert (len(joined), joined.total) == (6, 10)


def test_the_quarantine_file_is_capped_and_its_metadata_has_the_true_total(tmp_path: Path) -> None:
    total = QUARANTINE_KEPT_RECORDS + 5
    for name, records in [
        ("capped", BadRecords(BadRecord("a.csv", row, "bad") for row in range(1, total + 1))),
        ("plain_list", [BadRecord("a.csv", row, "bad") for row in range(1, total + 1)]),
    ]:
        frame = pd.read_parquet(write_quarantine(tmp_path, name, records))
        assert frame["row"].tolist() == list(range(1, QUARANTINE_KEPT_RECORDS + 1)), name
        assert frame.attrs == {"quarantined_records": total, "kept_records": QUARANTINE_KEPT_RECORDS}, name
