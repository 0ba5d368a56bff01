"""Reading FMA metadata, GTZAN clips and the published feature table; splits; quarantine of bad input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile

from assets.audio.features import FEATURE_COLUMNS
from assets.audio.parse import (
    clean_fma,
    clean_gtzan,
    gtzan_split,
    parse_gtzan_name,
    read_fma_tracks,
    read_gtzan_table,
)
from assets.audio.sample_data import TRACKS_COLUMNS, fma_audio_path, gtzan_clip_path
from assets.common.fingerprint import manifest
from assets.common.quarantine import NoGoodRecordsError


def write_tracks_csv(path: Path, rows: list[dict]) -> Path:
    """A tracks.csv with the official 3-row header and the given (track_id, genre, split, duration) rows."""
    frame = pd.DataFrame(index=pd.Index([row["track_id"] for row in rows], name="track_id"),
                         columns=pd.MultiIndex.from_tuples(TRACKS_COLUMNS))  # fmt: skip
    for row in rows:
        frame.loc[row["track_id"], ("track", "genre_top")] = row.get("genre")
        frame.loc[row["track_id"], ("set", "split")] = row.get("split")
        frame.loc[row["track_id"], ("set", "subset")] = "small"
        frame.loc[row["track_id"], ("track", "duration")] = row.get("duration", 200)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, lineterminator="\n")
    return path


def write_tone(path: Path, seconds: float = 2.0, frequency: float = 440.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    times = np.arange(int(22_050 * seconds)) / 22_050
    soundfile.write(path, 0.3 * np.sin(2 * np.pi * frequency * times), 22_050, subtype="PCM_16")
    return path


@pytest.mark.parametrize(
    ("number", "split"), [(0, "train"), (59, "train"), (60, "valid"), (79, "valid"), (80, "test"), (99, "test")]
)
def test_gtzan_split_follows_the_clip_number(number: int, split: str) -> None:
    assert gtzan_split(number) == split


@pytest.mark.parametrize(
    ("name", "parsed"),
    [("blues.00042.wav", ("blues", 42)), ("Rock.00001", ("rock", 1)), ("blues.42.wav", None), ("x.wav", None)],
)
def test_gtzan_names(name: str, parsed: tuple | None) -> None:
    assert parse_gtzan_name(name) == parsed


def test_fma_tracks_keep_genre_and_split_and_quarantine_rows_without_genre(tmp_path: Path) -> None:
    path = write_tracks_csv(
        tmp_path / "tracks.csv",
        [
            {"track_id": 2, "genre": "Hip-Hop", "split": "training"},
            {"track_id": 5, "genre": None, "split": "training"},
            {"track_id": 10, "genre": "Pop", "split": "test"},
        ],
    )
    parsed = read_fma_tracks(path)
    assert parsed.frame[["track_id", "genre", "fma_split"]].values.tolist() == [
        ["2", "Hip-Hop", "train"],
        ["10", "Pop", "test"],
    ]
    assert [(bad.row, bad.reason) for bad in parsed.bad] == [(5, "track/genre_top is empty (no single root genre)")]
    assert parsed.bad[0].file == str(path)


def test_fma_tracks_missing_columns_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tracks.csv"
    path.write_text("a,b\nc,d\ntrack_id,\n1,2\n")
    with pytest.raises(ValueError, match=r"tracks\.csv: missing columns .*track/genre_top"):
        read_fma_tracks(path)


def test_fma_tracks_empty_file_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "tracks.csv"
    path.write_text("")
    with pytest.raises(ValueError, match=r"tracks\.csv"):
        read_fma_tracks(path)


def test_fma_tracks_without_any_genre_raise_no_good_records(tmp_path: Path) -> None:
    path = write_tracks_csv(tmp_path / "tracks.csv", [{"track_id": 3, "genre": None, "split": "test"}])
    with pytest.raises(NoGoodRecordsError, match=r"tracks\.csv, row 4"):
        read_fma_tracks(path)


def test_fma_without_splits_gets_a_stratified_random_split(tmp_path: Path) -> None:
    rows = [{"track_id": 100 + index, "genre": ("Pop", "Rock")[index % 2], "split": None} for index in range(20)]
    folder = tmp_path / "fma"
    write_tracks_csv(folder / "fma_metadata" / "tracks.csv", rows)
    for row in rows:
        write_tone(folder / fma_audio_path(row["track_id"]).with_suffix(".wav"))
    parsed = clean_fma(manifest(folder, (".csv", ".wav")), seed=3)
    counts = parsed.frame.groupby(["genre", "split"]).size().to_dict()
    assert counts == {
        ("Pop", "test"): 2, ("Pop", "train"): 6, ("Pop", "valid"): 2,
        ("Rock", "test"): 2, ("Rock", "train"): 6, ("Rock", "valid"): 2,
    }  # fmt: skip
    assert parsed.frame["duration_seconds"].round(3).eq(2.0).all()


def test_fma_quarantines_missing_and_undecodable_clips(tmp_path: Path) -> None:
    folder = tmp_path / "fma"
    write_tracks_csv(
        folder / "fma_metadata" / "tracks.csv",
        [{"track_id": track, "genre": "Pop", "split": "training"} for track in (1, 2, 3)],
    )
    write_tone(folder / "audio" / "000" / "000001.wav")
    (folder / "audio" / "000" / "000002.mp3").write_bytes(b"\x00\xffnot an mp3 at all" * 100)
    write_tone(folder / "audio" / "999" / "999999.wav")  # a clip no metadata row describes
    parsed = clean_fma(manifest(folder, (".csv", ".mp3", ".wav")), seed=0)
    assert parsed.frame["track_id"].tolist() == ["1"]
    reasons = sorted((Path(bad.file).name, bad.reason.split(":")[0]) for bad in parsed.bad)
    assert reasons == [
        ("000002.mp3", "undecodable audio"),
        ("999999.wav", "clip has no metadata row"),
        ("fma", "no audio clip and no shipped feature row"),
    ]


def test_gtzan_table_rows_and_clips_merge_and_split_by_number(tmp_path: Path) -> None:
    folder = tmp_path / "gtzan"
    write_tone(folder / gtzan_clip_path("blues", 3))
    write_tone(folder / gtzan_clip_path("jazz", 85))
    rows = [{"filename": f"blues.{number:05d}.wav", "length": 661794, "label": "blues"} for number in (3, 65)]
    table = pd.DataFrame(rows).assign(**{column: 1.0 for column in FEATURE_COLUMNS})
    table[["filename", "length", *FEATURE_COLUMNS, "label"]].to_csv(folder / "features_30_sec.csv", index=False)
    parsed = clean_gtzan(manifest(folder, (".csv", ".wav")))
    frame = parsed.frame.set_index("track_id")
    assert frame.loc["blues.00003", ["split", "has_shipped_features"]].tolist() == ["train", True]
    assert frame.loc["blues.00065", "split"] == "valid"
    assert pd.isna(frame.loc["blues.00065", "audio_path"])
    assert frame.loc["jazz.00085", ["split", "has_shipped_features"]].tolist() == ["test", False]
    assert parsed.bad == []


def test_a_clip_longer_than_the_limit_is_quarantined_from_its_header(tmp_path: Path) -> None:
    folder = tmp_path / "gtzan"
    for genre, number, seconds in (("blues", 1, 2.0), ("jazz", 2, 2.0), ("rock", 3, 3.0)):
        write_tone(folder / gtzan_clip_path(genre, number), seconds)
    parsed = clean_gtzan(manifest(folder, (".csv", ".wav")), max_clip_seconds=2.5)
    assert parsed.frame["track_id"].tolist() == ["blues.00001", "jazz.00002"]
    assert parsed.frame["audio_path"].notna().all()
    assert [(Path(bad.file).name, bad.reason) for bad in parsed.bad] == [
        ("rock.00003.wav", "clip is 3.0 s, longer than the limit of 2.5 s (config max_clip_seconds)")
    ]


def test_gtzan_table_quarantines_non_numeric_rows(tmp_path: Path) -> None:
    table = pd.DataFrame({"filename": ["pop.00001.wav", "pop.00002.wav", "notaclip"], "length": [1, "x", 1]})
    table = table.assign(**{column: 0.5 for column in FEATURE_COLUMNS}, label="pop")
    path = tmp_path / "features_30_sec.csv"
    table.to_csv(path, index=False)
    parsed = read_gtzan_table(path)
    assert parsed.frame["track_id"].tolist() == ["pop.00001"]
    assert [(bad.row, bad.reason[:20]) for bad in parsed.bad] == [
        (3, "non-numeric values i"),
        (4, "filename 'notaclip' "),
    ]


def test_gtzan_table_missing_columns_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "features_30_sec.csv"
    path.write_text("filename,label\nblues.00000.wav,blues\n")
    with pytest.raises(ValueError, match=r"features_30_sec\.csv: missing columns \['length'"):
        read_gtzan_table(path)
