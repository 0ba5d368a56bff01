"""The Tianchi sample: the raw competition tables' format, and per-artist trends a forecaster can learn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.trends.sample_data import write_tianchi_sample

ACTION_COLUMNS = ["user_id", "song_id", "gmt_create", "action_type", "Ds"]
SONG_COLUMNS = ["song_id", "artist_id", "publish_time", "song_init_plays", "Language", "Gender"]
HEX_ID = r"^[0-9a-f]{32}$"
LANGUAGE_CODES = {"1", "2", "3", "4", "11", "12", "14", "100"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tianchi")
    paths = write_tianchi_sample(root, seed=7)
    assert [p.name for p in paths] == ["mars_tianchi_songs.csv", "mars_tianchi_user_actions.csv"]
    return root


@pytest.fixture(scope="module")
def actions(folder: Path) -> pd.DataFrame:
    frame = pd.read_csv(folder / "mars_tianchi_user_actions.csv", header=None, dtype=str)
    assert frame.shape[1] == 5
    frame.columns = ACTION_COLUMNS
    return frame


@pytest.fixture(scope="module")
def songs(folder: Path) -> pd.DataFrame:
    frame = pd.read_csv(folder / "mars_tianchi_songs.csv", header=None, dtype=str)
    assert frame.shape[1] == 6
    frame.columns = SONG_COLUMNS
    return frame


@pytest.fixture(scope="module")
def daily_plays(actions: pd.DataFrame, songs: pd.DataFrame) -> pd.DataFrame:
    """Plays per artist (columns) per day (rows), exactly as the competition aggregates them."""
    plays = actions[actions["action_type"] == "1"].merge(songs[["song_id", "artist_id"]], on="song_id")
    table = plays.groupby(["Ds", "artist_id"]).size().unstack(fill_value=0)
    table.index = pd.to_datetime(table.index, format="%Y%m%d")
    return table


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path, folder: Path) -> None:
    again = write_tianchi_sample(tmp_path / "a", seed=7)
    other = write_tianchi_sample(tmp_path / "b", seed=8)
    for path in again:
        assert path.read_bytes() == (folder / path.name).read_bytes()
    assert again[1].read_bytes() != other[1].read_bytes()
    assert again[0].read_bytes() != other[0].read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [p.name for p in again]


def test_files_are_headerless_ascii_with_lf(folder: Path) -> None:
    for name in ("mars_tianchi_user_actions.csv", "mars_tianchi_songs.csv"):
        raw = (folder / name).read_bytes()
        assert raw.isascii() and b"\r" not in raw and raw.endswith(b"\n")
        assert b'"' not in raw
        first_field = raw.split(b",", 1)[0].decode()
        assert pd.Series([first_field]).str.match(HEX_ID).all()  # a data row, not a header


def test_action_rows_have_the_raw_formats(actions: pd.DataFrame) -> None:
    assert 150_000 <= len(actions) <= 250_000
    assert actions["user_id"].str.match(HEX_ID).all() and actions["song_id"].str.match(HEX_ID).all()
    assert set(actions["action_type"]) == {"1", "2", "3"}
    gmt = actions["gmt_create"].astype(np.int64)
    assert (gmt % 3600 == 0).all()
    beijing_date = pd.to_datetime(gmt + 8 * 3600, unit="s").dt.strftime("%Y%m%d")
    assert (beijing_date == actions["Ds"]).all()
    assert actions["Ds"].min() == "20150301" and actions["Ds"].max() == "20150830"
    assert actions["Ds"].nunique() == 183
    ordered = pd.DataFrame({"gmt": gmt, "user": actions["user_id"]})
    assert ordered.equals(ordered.sort_values(["gmt", "user"], kind="stable").reset_index(drop=True))


def test_song_rows_have_the_raw_formats(songs: pd.DataFrame, actions: pd.DataFrame, folder: Path) -> None:
    assert songs["song_id"].is_unique
    assert songs["song_id"].str.match(HEX_ID).all() and songs["artist_id"].str.match(HEX_ID).all()
    assert set(actions["song_id"]) <= set(songs["song_id"])
    per_artist = songs.groupby("artist_id").size()
    assert len(per_artist) == 20 and per_artist.between(5, 15).all()
    assert pd.to_datetime(songs["publish_time"], format="%Y%m%d").max() <= pd.Timestamp("2015-08-30")
    assert songs["song_init_plays"].str.fullmatch(r"\d+").all()
    assert set(songs["Language"]) <= LANGUAGE_CODES
    assert set(songs["Gender"]) <= {"1", "2", "3"}
    assert (songs.groupby("artist_id")["Gender"].nunique() == 1).all()
    assert (folder / "mars_tianchi_user_actions.csv").stat().st_size < 25 * 2**20


def test_no_action_before_a_song_is_published(actions: pd.DataFrame, songs: pd.DataFrame) -> None:
    joined = actions.merge(songs[["song_id", "publish_time"]], on="song_id")
    assert (joined["Ds"] >= joined["publish_time"]).all()


def test_action_mix_and_repeat_listeners(actions: pd.DataFrame, songs: pd.DataFrame) -> None:
    counts = actions["action_type"].value_counts()
    assert 0.10 <= counts["2"] / counts["1"] <= 0.15
    assert 0.005 <= counts["3"] / counts["1"] <= 0.02
    plays = actions[actions["action_type"] == "1"].merge(songs[["song_id", "artist_id"]], on="song_id")
    listeners = plays.groupby(["artist_id", "Ds"])["user_id"].nunique().sum()
    assert listeners < 0.8 * len(plays)


def test_artist_sizes_are_skewed(daily_plays: pd.DataFrame) -> None:
    mean_daily = daily_plays.mean()
    assert mean_daily.min() < 15 and mean_daily.max() > 150
    assert mean_daily.max() / mean_daily.min() > 10


def test_weekly_seasonality_is_visible(daily_plays: pd.DataFrame) -> None:
    total = daily_plays.sum(axis=1)
    detrended = (total / total.rolling(7, center=True).mean()).dropna()
    by_weekday = detrended.groupby(detrended.index.day_of_week).mean()
    assert by_weekday.max() - by_weekday.min() > 0.1
    assert by_weekday[[5, 6]].mean() < by_weekday[[1, 2, 3]].mean()  # quieter weekends
    # Shuffling the days destroys the pattern, so it is not noise.
    shuffled = detrended.sample(frac=1.0, random_state=0)
    noise = shuffled.groupby(detrended.index.day_of_week).mean()
    assert noise.max() - noise.min() < 0.5 * (by_weekday.max() - by_weekday.min())


def test_new_releases_spike_and_decay(daily_plays: pd.DataFrame, songs: pd.DataFrame) -> None:
    released = songs[songs["publish_time"] >= "20150301"]
    assert len(released) >= 3
    for artist_id, publish_time in zip(released["artist_id"], released["publish_time"], strict=True):
        day = pd.Timestamp(publish_time)
        series = daily_plays[artist_id]
        before = series[day - pd.Timedelta(days=7) : day - pd.Timedelta(days=1)].mean()
        first_week = series[day : day + pd.Timedelta(days=6)].mean()
        later = series[day + pd.Timedelta(days=21) : day + pd.Timedelta(days=27)].mean()
        assert first_week > 2 * before
        assert later < 0.6 * first_week
