"""The audio sample generators write FMA / GTZAN-format files that real parsers read, deterministically,
with genre structure a classifier can learn."""

from __future__ import annotations

import ast
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from assets.audio.sample_data import (
    GTZAN_RENDERERS,
    TRACKS_COLUMNS,
    fma_audio_path,
    write_fma_sample,
    write_gtzan_sample,
)

SAMPLE_RATE = 22_050
CLIP_SECONDS = 4.0
FMA_ROOT_GENRES = {
    "Electronic": 15,
    "Experimental": 38,
    "Folk": 17,
    "Hip-Hop": 21,
    "International": 2,
    "Rock": 12,
}
FMA_SMALL_ROOTS = {15, 38, 17, 21, 1235, 2, 10, 12}
GTZAN_LABELS = {"blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"}


def _bytes_by_name(paths: list[Path], root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in paths}


@pytest.fixture(scope="module")
def fma(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("fma")
    return root, write_fma_sample(root, seed=7)


@pytest.fixture(scope="module")
def tracks(fma: tuple[Path, list[Path]]) -> pd.DataFrame:
    return pd.read_csv(fma[0] / "fma_metadata" / "tracks.csv", index_col=0, header=[0, 1])


@pytest.fixture(scope="module")
def gtzan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("gtzan")
    return root, write_gtzan_sample(root, seed=7)


def _spectral_features(signal: np.ndarray) -> np.ndarray:
    """Mean spectral centroid (Hz), zero-crossing rate, normalised spectral flux and loudness variability."""
    frames = np.lib.stride_tricks.sliding_window_view(signal, 1024)[::512]
    magnitude = np.abs(np.fft.rfft(frames * np.hanning(1024), axis=1))
    frequencies = np.fft.rfftfreq(1024, 1 / SAMPLE_RATE)
    centroid = (magnitude * frequencies).sum(axis=1) / (magnitude.sum(axis=1) + 1e-9)
    flux = np.maximum(np.diff(magnitude, axis=0), 0).sum(axis=1).mean() / (magnitude.sum(axis=1).mean() + 1e-9)
    rms = np.sqrt((frames**2).mean(axis=1))
    zero_crossings = np.mean(np.abs(np.diff(np.sign(signal))) > 0)
    return np.array([centroid.mean(), zero_crossings, flux, rms.std() / (rms.mean() + 1e-9)])


def _leave_one_out_accuracy(features: np.ndarray, labels: np.ndarray) -> float:
    """Nearest-class-mean on standardised features: a deliberately weak classifier."""
    scaled = (features - features.mean(axis=0)) / features.std(axis=0)
    classes = np.unique(labels)
    correct = 0
    for i in range(len(scaled)):
        keep = np.arange(len(scaled)) != i
        means = np.array([scaled[keep & (labels == c)].mean(axis=0) for c in classes])
        correct += classes[np.argmin(((means - scaled[i]) ** 2).sum(axis=1))] == labels[i]
    return correct / len(scaled)


# ---------------------------------------------------------------------------------------------------- FMA


def test_fma_is_deterministic(fma: tuple[Path, list[Path]], tmp_path: Path) -> None:
    root, paths = fma
    assert paths == sorted(paths)
    again = write_fma_sample(tmp_path / "again", seed=7)
    assert _bytes_by_name(again, tmp_path / "again") == _bytes_by_name(paths, root)
    other = _bytes_by_name(write_fma_sample(tmp_path / "other", seed=8), tmp_path / "other")
    ours = _bytes_by_name(paths, root)
    assert other["fma_metadata/tracks.csv"] != ours["fma_metadata/tracks.csv"]
    assert set(other) != set(ours), "another seed draws other track ids, hence other mp3 paths"


def test_fma_tracks_csv_has_the_official_header(fma: tuple[Path, list[Path]], tracks: pd.DataFrame) -> None:
    assert list(tracks.columns) == list(TRACKS_COLUMNS)
    assert len(tracks.columns) + 1 == 53  # plus the track_id index column
    assert tracks.index.name == "track_id"
    lines = (fma[0] / "fma_metadata" / "tracks.csv").read_text().split("\n")[:3]
    assert lines[2] == "track_id" + "," * 52


@pytest.mark.real_data
def test_fma_header_is_byte_identical_to_the_real_file(fma: tuple[Path, list[Path]], real_data_root: Path) -> None:
    real = real_data_root / "fma" / "fma_metadata" / "tracks.csv"
    with real.open() as handle:
        real_header = [next(handle) for _ in range(3)]
    with (fma[0] / "fma_metadata" / "tracks.csv").open() as handle:
        assert [next(handle) for _ in range(3)] == real_header
    real_columns = pd.read_csv(real, index_col=0, header=[0, 1], nrows=2).columns
    assert list(real_columns) == list(TRACKS_COLUMNS)


def test_fma_rows_are_sensible(tracks: pd.DataFrame, fma: tuple[Path, list[Path]]) -> None:
    genres = pd.read_csv(fma[0] / "fma_metadata" / "genres.csv")
    assert list(genres.columns) == ["genre_id", "#tracks", "parent", "title", "top_level"]
    roots = set(genres.loc[genres["parent"] == 0, "genre_id"])
    assert roots >= FMA_SMALL_ROOTS
    assert len(tracks) == 72
    assert set(tracks[("set", "subset")]) == {"small"}
    counts = pd.crosstab(tracks[("track", "genre_top")], tracks[("set", "split")])
    assert set(counts.index) == set(FMA_ROOT_GENRES)
    assert (counts["training"] == 8).all() and (counts["validation"] == 2).all() and (counts["test"] == 2).all()
    for genre_top, listed, listed_all in tracks[
        [("track", "genre_top"), ("track", "genres"), ("track", "genres_all")]
    ].itertuples(index=False):
        ids, all_ids = ast.literal_eval(listed), ast.literal_eval(listed_all)
        assert set(ids) <= set(all_ids) <= set(genres["genre_id"])
        assert FMA_ROOT_GENRES[genre_top] in all_ids
    artists_per_split = tracks[("set", "split")].groupby(tracks[("artist", "id")]).nunique()
    assert (artists_per_split == 1).all(), "an artist's tracks stay in one split"
    assert (tracks[("track", "duration")] > CLIP_SECONDS).all()
    assert pd.to_datetime(tracks[("track", "date_created")]).notna().all()


def test_fma_every_row_has_a_decodable_mp3(tracks: pd.DataFrame, fma: tuple[Path, list[Path]]) -> None:
    root, paths = fma
    assert not list(root.rglob("*.tmp")), "no temp files may be left behind"
    mp3s = {path for path in paths if path.suffix == ".mp3"}
    assert mp3s == {root / fma_audio_path(int(track_id)) for track_id in tracks.index}
    for track_id in tracks.index:
        path = root / "audio" / f"{track_id // 1000:03d}" / f"{track_id:06d}.mp3"
        info = sf.info(path)
        assert (info.format, info.samplerate, info.channels) == ("MP3", SAMPLE_RATE, 1)
        signal, rate = sf.read(path)
        assert rate == SAMPLE_RATE and abs(len(signal) / rate - CLIP_SECONDS) < 0.1
        assert 0.05 < np.abs(signal).max() <= 1.0
    loaded, rate = librosa.load(root / fma_audio_path(int(tracks.index[0])), sr=None, mono=True)
    assert rate == SAMPLE_RATE and abs(len(loaded) / rate - CLIP_SECONDS) < 0.1


def test_fma_genres_are_learnable(tracks: pd.DataFrame, fma: tuple[Path, list[Path]]) -> None:
    """Drum-driven electronic clips are more percussive than every folk clip, and a weak classifier on
    four spectral features beats chance (1/6) by far, while the clips still vary within a genre."""
    root, _ = fma
    features, labels = [], []
    for track_id, genre in tracks[("track", "genre_top")].items():
        signal, _ = sf.read(root / fma_audio_path(int(track_id)))
        features.append(_spectral_features(signal))
        labels.append(genre)
    features_array, labels_array = np.array(features), np.array(labels)
    flux = features_array[:, 2]
    assert flux[labels_array == "Electronic"].min() > flux[labels_array == "Folk"].max()
    assert _leave_one_out_accuracy(features_array, labels_array) >= 0.7
    for genre in FMA_ROOT_GENRES:  # per-clip variation: no genre is one repeated clip
        centroids = features_array[labels_array == genre, 0]
        assert centroids.std() > 20.0, genre


# -------------------------------------------------------------------------------------------------- GTZAN


def test_gtzan_is_deterministic(gtzan: tuple[Path, list[Path]], tmp_path: Path) -> None:
    root, paths = gtzan
    assert paths == sorted(paths)
    again = write_gtzan_sample(tmp_path / "again", seed=7)
    assert _bytes_by_name(again, tmp_path / "again") == _bytes_by_name(paths, root)
    other = _bytes_by_name(write_gtzan_sample(tmp_path / "other", seed=8), tmp_path / "other")
    ours = _bytes_by_name(paths, root)
    assert set(other) == set(ours)
    assert all(other[name] != ours[name] for name in ours)


def test_gtzan_layout_and_format(gtzan: tuple[Path, list[Path]]) -> None:
    root, paths = gtzan
    assert not (root / "features_30_sec.csv").exists()
    assert not list(root.rglob("*.tmp")), "no temp files may be left behind"
    assert set(GTZAN_RENDERERS) <= GTZAN_LABELS and len(GTZAN_RENDERERS) == 5
    expected = {
        root / "genres" / genre / f"{genre}.{number:05d}.wav"
        for genre in GTZAN_RENDERERS
        for number in range(0, 100, 10)
    }
    assert set(paths) == expected
    for path in paths:
        info = sf.info(path)
        assert (info.format, info.subtype, info.samplerate, info.channels) == (
            "WAV",
            "PCM_16",
            SAMPLE_RATE,
            1,
        )
        assert abs(info.duration - CLIP_SECONDS) < 1e-3
    # Clip numbers split 0-59 / 60-79 / 80-99 into 6 / 2 / 2 per genre.
    numbers = sorted(int(path.name.split(".")[1]) for path in paths if path.parent.name == "blues")
    assert [sum(lo <= n <= hi for n in numbers) for lo, hi in ((0, 59), (60, 79), (80, 99))] == [6, 2, 2]


def test_gtzan_genres_are_learnable(gtzan: tuple[Path, list[Path]]) -> None:
    """Distorted metal is brighter than every drumless classical clip; a weak classifier beats chance."""
    _, paths = gtzan
    features = np.array([_spectral_features(sf.read(path)[0]) for path in paths])
    labels = np.array([path.parent.name for path in paths])
    centroid = features[:, 0]
    assert centroid[labels == "metal"].min() > 1.5 * centroid[labels == "classical"].max()
    assert _leave_one_out_accuracy(features, labels) >= 0.7
