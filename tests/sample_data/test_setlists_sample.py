"""The phish.net sample: exact raw format, real quirks, true gaps and structure a sequence model can learn."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest

from assets.setlists.sample_data import write_phish_sample

# The header of every real `<YEAR>.csv`; replaced by the real file's header when the real data is mounted.
PHISH_COLUMNS = [
    "showdate", "showyear", "exclude", "position", "transition", "set", "isjam", "isreprise", "gap",
    "tourname", "tourwhen", "song", "nickname", "is_original", "venue", "city", "state", "country",
    "trans_mark",
]  # fmt: skip
MARK_OF_TRANSITION = {"1": ",", "2": ">", "3": "->", "4": "", "5": "", "6": "", "7": ""}


@pytest.mark.real_data
def test_the_sample_columns_are_the_real_files_columns(real_data_root: Path) -> None:
    real_files = sorted((real_data_root / "phish").glob("*.csv"))
    assert real_files, f"no year files in {real_data_root / 'phish'}"
    for real_file in real_files:
        columns = pd.read_csv(real_file, dtype=str, keep_default_na=False, nrows=0).columns.tolist()
        assert columns == PHISH_COLUMNS, real_file.name


def _read(paths: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False) for path in paths], ignore_index=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], pd.DataFrame]:
    paths = write_phish_sample(tmp_path_factory.mktemp("phish"), seed=7)
    return paths, _read(paths)


@pytest.fixture(scope="module")
def shows(sample: tuple[list[Path], pd.DataFrame]) -> list[pd.DataFrame]:
    """Deduplicated shows keyed by (showdate, venue), in the order they were played."""
    frame = sample[1].drop_duplicates().reset_index(drop=True)
    frame["pos"] = frame["position"].astype(int)
    # Rows are in date order, and on a two-show date the earlier show's rows come first at each position.
    frame["first_row"] = frame.index.to_series().groupby([frame["showdate"], frame["venue"]]).transform("min")
    return [show.sort_values("pos") for _, show in frame.groupby("first_row", sort=True)]


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first = write_phish_sample(tmp_path / "a", seed=7)
    second = write_phish_sample(tmp_path / "b", seed=7)
    other = write_phish_sample(tmp_path / "c", seed=8)
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]  # no temp files left


def test_one_file_per_year_with_the_real_columns_and_pandas_quoting(
    sample: tuple[list[Path], pd.DataFrame],
) -> None:
    paths, _ = sample
    assert paths == sorted(paths)
    assert [p.name for p in paths] == [f"{year}.csv" for year in range(2009, 2017)]
    for path in paths:
        raw = path.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert frame.columns.tolist() == PHISH_COLUMNS
        assert (frame["showyear"] == path.stem).all()
        # Writing the parsed rows back with pandas gives the same bytes: the quoting is pandas' own.
        assert frame.to_csv(index=False, lineterminator="\n").encode("utf-8") == raw
        assert b',","\n' in raw


def test_size_is_about_300_shows_of_15_to_20_songs(shows: list[pd.DataFrame]) -> None:
    full_shows = [show for show in shows if (show["set"] == "2").any()]
    years = Counter(show["showyear"].iloc[0] for show in shows)
    assert 280 <= len(shows) <= 340
    assert all(33 <= count <= 47 for count in years.values())
    lengths = pd.Series([len(show) for show in full_shows])
    assert 15 <= lengths.median() <= 20
    assert 60 <= pd.concat(shows)["song"].str.replace("’", "'").nunique() <= 95


def test_rows_are_sorted_and_transitions_agree_with_marks(sample: tuple[list[Path], pd.DataFrame]) -> None:
    frame = sample[1]
    key = list(zip(frame["showdate"], frame["position"].astype(int), strict=True))
    assert key == sorted(key)
    assert (frame["transition"].map(MARK_OF_TRANSITION) == frame["trans_mark"]).all()
    assert set(frame["set"]) == {"1", "2", "3", "e", "e2"}
    assert set(frame["isjam"]) == {"0", "1"} and set(frame["isreprise"]) == {"0", "1"}
    assert set(frame["is_original"]) == {"0", "1"}
    assert (frame["nickname"] == "").mean() > 0.5


def test_each_show_has_show_wide_positions_and_ends_with_transition_6(shows: list[pd.DataFrame]) -> None:
    for show in shows:
        assert show["pos"].tolist() == list(range(1, len(show) + 1))
        assert show["transition"].iloc[-1] == "6"
        set_ends = show[show["set"] != show["set"].shift(-1)].iloc[:-1]
        for label, transition in zip(set_ends["set"], set_ends["transition"], strict=True):
            expected = "4" if label == "1" else ("7" if label.startswith("e") else "5")
            assert transition == expected


def test_gap_is_the_number_of_counted_shows_since_the_song_was_last_played(shows: list[pd.DataFrame]) -> None:
    counted = 0
    last_played: dict[str, int] = {}
    checked = 0
    for show in shows:
        index = counted + 1
        seen: set[str] = set()
        for song, gap in zip(show["song"].str.replace("’", "'"), show["gap"].astype(int), strict=True):
            if song in seen:
                assert gap == 0
            elif song in last_played:
                assert gap == index - last_played[song], (show["showdate"].iloc[0], song)
                checked += 1
            seen.add(song)
        if show["exclude"].iloc[0] == "0":
            counted = index
            for song in seen:
                last_played[song] = index
    assert checked > 5000


def test_real_quirks_are_present(sample: tuple[list[Path], pd.DataFrame]) -> None:
    frame = sample[1]
    venues_per_date = frame.groupby("showdate")["venue"].nunique()
    double_dates = venues_per_date[venues_per_date > 1].index
    assert len(double_dates) >= 2
    duplicated = frame[frame.duplicated(keep=False)]
    assert set(duplicated["showdate"]) == set(double_dates)  # only two-show dates are fetched twice
    for date in double_dates:  # the two shows' rows are interleaved by position
        first_rows = frame[(frame["showdate"] == date) & (frame["position"] == "1")]
        assert first_rows["venue"].tolist()[:2] == first_rows["venue"].tolist()[2:4]
        assert first_rows["venue"].nunique() == 2
    assert 0 < (frame["exclude"] == "1").sum() < 20
    assert (frame["tourname"] == "Not Part of a Tour").any()
    assert frame["venue"].str.contains("É|é|ô|’").any()
    assert frame["song"].str.contains("’").any() and frame["song"].str.contains("'").any()
    first_year = frame.assign(title=frame["song"].str.replace("’", "'")).groupby("title")["showyear"].min()
    assert (first_year >= "2015").sum() >= 3  # songs that debut late: unknown to a model trained earlier


def test_slots_have_favourite_songs(shows: list[pd.DataFrame]) -> None:
    full_shows = [show for show in shows if (show["set"] == "2").any()]
    set1_openers = Counter(show["song"].iloc[0] for show in full_shows)
    set2_openers = Counter(show.loc[show["set"] == "2", "song"].iloc[0] for show in full_shows)
    encores = Counter(song for show in full_shows for song in show.loc[show["set"] == "e", "song"])
    catalogue = pd.concat(full_shows)["song"].nunique()
    for slot in (set1_openers, set2_openers, encores):
        total = sum(slot.values())
        assert slot.most_common(1)[0][1] / total > 5 / catalogue  # far above a uniform pick
        assert sum(count for _, count in slot.most_common(8)) / total > 0.7


def test_segue_chains_and_long_range_links_hold(shows: list[pd.DataFrame]) -> None:
    mikes_shows = 0
    for show in shows:
        songs = show["song"].str.replace("’", "'").tolist()
        if "Mike's Song" in songs:
            mikes_shows += 1
            at = songs.index("Mike's Song")
            assert songs[at + 1 : at + 3] == ["I Am Hydrogen", "Weekapaug Groove"]
            assert show["trans_mark"].iloc[at] == ">"
        if "Tweezer Reprise" in songs:
            assert "Tweezer" in songs[: songs.index("Tweezer Reprise")]
    assert mikes_shows > 20


def test_context_beyond_the_previous_song_matters(shows: list[pd.DataFrame]) -> None:
    """Rotation and no-repeat rules: what a bigram model cannot see but a sequence model can."""
    sets = [set(show["song"].str.replace("’", "'")) for show in shows if (show["set"] == "2").any()]
    repeats_in_show = sum(show["song"].duplicated().sum() - (show["isreprise"] == "1").sum() for show in shows)
    assert repeats_in_show == 0
    base_rate = Counter(song for played in sets for song in played)
    expected = sum(base_rate[song] / len(sets) for previous in sets[:-1] for song in previous)
    observed = sum(len(played & previous) for previous, played in pairwise(sets))
    assert observed < 0.5 * expected  # songs from the previous show come back far less than their base rate
