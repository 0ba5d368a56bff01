"""Light checks on the real phish.net files (skipped unless ENCORE_REAL_DATA is set)."""

from pathlib import Path

import pytest

from assets.common.fingerprint import manifest
from assets.setlists.expectations import validate_clean_setlists
from assets.setlists.parse import parse_setlist_files
from assets.setlists.sequences import TEST_FRACTION, VALID_FRACTION, build_stream, split_shows

pytestmark = pytest.mark.real_data


def test_real_setlists_clean_into_shows_that_pass_the_check(real_data_root: Path) -> None:
    parsed = parse_setlist_files(manifest(real_data_root / "phish", (".csv",)))
    clean = parsed.rows
    assert parsed.duplicates_removed == 219
    assert parsed.bad_records == []
    assert len(clean) == 33_107 - 219
    # 1,653 (date, venue) pairs; four of them hold two shows each, told apart by `exclude` and order.
    assert clean["show_id"].nunique() == 1_657
    assert not clean["title"].str.contains("’").any()
    assert validate_clean_setlists(clean).passed
    splits = split_shows(clean["show_number"].to_numpy(), VALID_FRACTION, TEST_FRACTION)
    stream = build_stream(clean, splits)
    shows = stream.drop_duplicates("show_number")
    assert shows["split"].value_counts().to_dict() == {"train": 1_160, "test": 331, "valid": 166}
    assert shows.loc[shows["split"] == "test", "showdate"].min() >= "2009-06"
