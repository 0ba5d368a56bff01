"""Light checks on the real songdata.csv slice (read in place; skipped without ENCORE_REAL_DATA)."""

from pathlib import Path

import pytest

from assets.common.expectations import validate_frame
from assets.lyrics.checks import clean_lyrics_expectations
from assets.lyrics.parse import parse_songdata
from assets.lyrics.vocabulary import build_vocabulary
from assets.lyrics.windows import assign_splits

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real_songs(real_data_root: Path):
    return parse_songdata(real_data_root / "lyrics" / "songdata.csv")


def test_every_real_song_parses_cleanly(real_songs) -> None:
    clean = real_songs.frame()
    assert real_songs.bad_records == [] and real_songs.duplicates == []
    assert len(clean) == real_songs.records_read >= 700
    assert clean["artist"].nunique() >= 20
    assert not clean["text"].str.contains("\r|  \n").any()
    assert clean["text"].str.len().min() > 100


def test_real_clean_lyrics_pass_the_blocking_check(real_songs) -> None:
    assert validate_frame(real_songs.frame(), "clean_lyrics", clean_lyrics_expectations()).passed


def test_real_split_keeps_frequent_artists_in_every_split(real_songs) -> None:
    clean = real_songs.frame()
    splits = assign_splits(clean, 0.1, 0.1, seed=0)
    train = clean["text"][splits["split"].to_numpy() == "train"]
    vocabulary = build_vocabulary(train, clean["artist"])
    assert 60 <= len(vocabulary.characters) <= 120
    frequent = splits.groupby("artist").filter(lambda songs: len(songs) >= 20)
    assert frequent.groupby("artist")["split"].nunique().eq(3).all()
