"""The dbt models run in DuckDB on small hand-made inputs whose right answers are worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from assets.trends.dbt_project import DBT_PROJECT_DIR, dbt_executable

MARCH = [dt.date(2015, 3, day) for day in (1, 2, 3)]


def write_sources(lake: Path, actions: list[tuple], songs: list[tuple], aggregates: list[tuple]) -> None:
    folder = lake / "trends"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "user_actions": pd.DataFrame(
            actions, columns=["user_id", "song_id", "gmt_create", "action_type", "action_day"]
        ),
        "songs": pd.DataFrame(
            songs, columns=["song_id", "artist_id", "publish_day", "song_init_plays", "language", "gender"]
        ),
        "artist_daily_aggregates": pd.DataFrame(
            aggregates, columns=["artist_id", "day", "plays", "downloads", "collects", "listeners"]
        ),
    }
    for name, frame in tables.items():
        frame.to_parquet(folder / f"tianchi_{name}.parquet", index=False)


def dbt_build(workdir: Path) -> subprocess.CompletedProcess:
    dbt_vars = json.dumps({"lake_dir": str(workdir / "lake"), "duckdb_path": str(workdir / "test.duckdb")})
    return subprocess.run(
        [
            dbt_executable(),
            "build",
            "--vars",
            dbt_vars,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        cwd=DBT_PROJECT_DIR,
    )


def action(user: str, song: str, action_type: int, day: dt.date) -> tuple:
    return (user, song, 1_425_139_200 + (day - MARCH[0]).days * 86_400, action_type, day)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Artist A (raw actions, releases on days 1 and 3), B (raw, released earlier), C (daily aggregates)."""
    workdir = tmp_path_factory.mktemp("dbt_hand_made")
    songs = [
        ("s1", "A", MARCH[0], 0, 1, 1),
        ("s2", "A", MARCH[2], 0, 1, 1),
        ("s3", "B", dt.date(2015, 2, 20), 50, 4, 2),
    ]
    actions = [
        action("u1", "s1", 1, MARCH[0]),
        action("u1", "s1", 1, MARCH[0]),
        action("u2", "s1", 1, MARCH[0]),
        action("u1", "s1", 2, MARCH[0]),
        action("u3", "s3", 1, MARCH[0]),
        action("u3", "s3", 3, MARCH[1]),
        action("u1", "s2", 1, MARCH[2]),
        action("u2", "s1", 1, MARCH[2]),
        action("u2", "s2", 1, MARCH[2]),
    ]
    aggregates = [("C", MARCH[0], 10, 2, 1, 4), ("C", MARCH[1], 0, 0, 0, 0), ("C", MARCH[2], 5, 1, 0, 2)]
    write_sources(workdir / "lake", actions, songs, aggregates)
    result = dbt_build(workdir)
    assert result.returncode == 0, result.stdout[-4000:]
    return workdir / "lake" / "trends"


def by_artist(frame: pd.DataFrame, column: str) -> dict[str, list]:
    ordered = frame.sort_values(["artist_id", "day"])
    return {artist: group[column].tolist() for artist, group in ordered.groupby("artist_id")}


def test_daily_actions_count_each_action_type_on_a_zero_filled_calendar(built: Path) -> None:
    daily = pd.read_parquet(built / "artist_daily_actions.parquet")
    assert len(daily) == 9  # 3 artists x 3 days, gaps filled with zeros
    assert by_artist(daily, "plays") == {"A": [3, 0, 3], "B": [1, 0, 0], "C": [10, 0, 5]}
    assert by_artist(daily, "downloads") == {"A": [1, 0, 0], "B": [0, 0, 0], "C": [2, 0, 1]}
    assert by_artist(daily, "collects") == {"A": [0, 0, 0], "B": [0, 1, 0], "C": [1, 0, 0]}


def test_listeners_are_distinct_playing_users(built: Path) -> None:
    daily = pd.read_parquet(built / "artist_daily_actions.parquet")
    # A day 1: u1 twice + u2 -> 2; B day 2: a collect is not a play -> 0.
    assert by_artist(daily, "listeners") == {"A": [2, 0, 2], "B": [1, 0, 0], "C": [4, 0, 2]}


def test_features_trailing_mean_variance_weekday_and_release_age(built: Path) -> None:
    features = pd.read_parquet(built / "artist_daily_features.parquet")
    assert by_artist(features, "plays_mean_3d")["A"] == pytest.approx([3.0, 1.5, 2.0])
    assert by_artist(features, "plays_variance_3d")["A"] == pytest.approx([0.0, 2.25, 2.0])
    assert by_artist(features, "day_of_week")["A"] == [7, 1, 2]  # 2015-03-01 was a Sunday
    assert by_artist(features, "days_since_release")["A"] == [0, 1, 0]
    assert by_artist(features, "days_since_release")["B"] == [9, 10, 11]
    assert features.loc[features["artist_id"] == "C", "days_since_release"].isna().all()


def test_the_unique_test_fails_when_both_forms_hold_the_same_artist_day(tmp_path: Path) -> None:
    songs = [("s1", "A", MARCH[0], 0, 1, 1)]
    write_sources(tmp_path / "lake", [action("u1", "s1", 1, MARCH[0])], songs, [("A", MARCH[0], 4, 0, 0, 1)])
    result = dbt_build(tmp_path)
    assert result.returncode != 0
    assert "unique_artist_daily_actions" in result.stdout
