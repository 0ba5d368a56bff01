"""Feature extraction: the fast median filter and HPSS equal librosa's, the shared-STFT features equal the
one-call-per-feature recipe, corrupt clips are reported, and the parity measure behaves."""

import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.ndimage
import soundfile

from assets.audio.feature_table import build_feature_table, feature_parity
from assets.audio.features import (
    FEATURE_COLUMNS,
    available_workers,
    extract_features,
    extract_features_naive,
    extract_many,
    load_clip,
    map_clips,
)
from assets.audio.median import hpss, median_filter_axis
from assets.audio.spectrograms import mel_for_clip


def synthetic_clip(seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    times = np.arange(int(22_050 * seconds)) / 22_050
    tone = 0.3 * np.sin(2 * np.pi * 220 * times) + 0.1 * np.sin(2 * np.pi * 660 * times)
    clicks = np.zeros_like(times)
    clicks[:: 22_050 // 2] = 1.0  # 120 BPM
    return (tone + np.convolve(clicks, rng.standard_normal(400) * 0.2, mode="same")).astype(np.float32)


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (4, 20), (40, 7), (64, 200)])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("width", [1, 3, 31])
def test_median_filter_equals_scipy_reflect(shape: tuple[int, int], axis: int, width: int) -> None:
    values = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    size = [1, 1]
    size[axis] = width
    expected = scipy.ndimage.median_filter(values, size=size, mode="reflect")
    assert np.array_equal(median_filter_axis(values, width, axis), expected)


@pytest.mark.parametrize("width", [0, 2])
def test_median_filter_rejects_even_or_zero_width(width: int) -> None:
    with pytest.raises(ValueError, match="positive odd"):
        median_filter_axis(np.zeros((3, 3), dtype=np.float32), width, 0)


def test_hpss_equals_librosa() -> None:
    import librosa

    stft = librosa.stft(synthetic_clip(2.0))
    ours = hpss(stft)
    theirs = librosa.decompose.hpss(stft)
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)


def test_shared_stft_features_equal_the_naive_recipe() -> None:
    signal = synthetic_clip()
    shared, naive = extract_features(signal), extract_features_naive(signal)
    assert list(shared) == ["length", *FEATURE_COLUMNS]
    for column in FEATURE_COLUMNS:
        assert shared[column] == pytest.approx(naive[column], rel=1e-4, abs=1e-7), column
    assert shared["tempo"] == pytest.approx(120, rel=0.05)


def test_corrupt_clips_are_reported_not_raised(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    soundfile.write(good, synthetic_clip(1.5), 22_050)
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF not really a wave file" * 50)
    results = extract_many([("a", str(garbage)), ("b", str(good))], workers=1)
    assert [result.key for result in results] == ["a", "b"]
    assert results[0].features is None and results[0].error
    assert results[1].features is not None and results[1].features["length"] == 33_075
    assert load_clip(good).dtype == np.float32


def shipped_table(track_ids: list[str], value: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.normal(value, 1.0, (len(track_ids), len(FEATURE_COLUMNS))), columns=FEATURE_COLUMNS)
    return table.assign(track_id=track_ids, length=661_794.0).set_index("track_id")


def test_parity_is_zero_for_identical_rows_and_names_the_worst_column() -> None:
    shipped = shipped_table(["blues.00000", "blues.00001", "jazz.00000", "jazz.00001"])
    ours = shipped.reset_index().assign(feature_source="audio")
    exact = feature_parity(ours, shipped)
    assert (exact.tracks, exact.max_deviation_std, exact.passed) == (4, 0.0, True)
    scale = shipped["mfcc3_var"].std()
    ours.loc[ours["track_id"] == "jazz.00000", "mfcc3_var"] += 0.1 * scale
    shifted = feature_parity(ours, shipped)
    assert shifted.max_deviation_std == pytest.approx(0.1)
    assert not shifted.passed
    assert shifted.worst_track_by_column["mfcc3_var"] == "jazz.00000"


def test_parity_ignores_rows_that_came_from_the_table_itself() -> None:
    shipped = shipped_table(["pop.00000", "pop.00001"])
    ours = shipped.reset_index().assign(feature_source="shipped")
    assert feature_parity(ours, shipped).tracks == 0


def test_feature_table_uses_clips_then_the_shipped_rows(tmp_path: Path) -> None:
    clip = tmp_path / "blues.00000.wav"
    soundfile.write(clip, synthetic_clip(1.5), 22_050)
    broken = tmp_path / "blues.00001.wav"
    broken.write_bytes(b"\x00" * 100)
    tracks = pd.DataFrame(
        {
            "collection": "gtzan",
            "track_id": ["blues.00000", "blues.00001", "blues.00002", "blues.00003"],
            "genre": "blues",
            "split": "train",
            "audio_path": [str(clip), str(broken), None, None],
        }
    )
    shipped = shipped_table(["blues.00001", "blues.00002"])
    features, bad = build_feature_table(tracks, {"gtzan": shipped}, workers=1)
    assert features[["track_id", "feature_source"]].values.tolist() == [
        ["blues.00000", "audio"],
        ["blues.00001", "shipped"],
        ["blues.00002", "shipped"],
    ]
    assert [(Path(bad_record.file).name, bad_record.reason.split(":")[0]) for bad_record in bad] == [
        ("blues.00001.wav", "feature extraction failed"),
        ("gtzan", "no clip and no shipped feature row"),
    ]
    assert features["length"].iloc[0] == 33_075


def test_a_clip_longer_than_the_limit_is_quarantined_without_being_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import librosa

    good, long = tmp_path / "blues.00000.wav", tmp_path / "blues.00001.wav"
    soundfile.write(good, synthetic_clip(1.5), 22_050)
    soundfile.write(long, synthetic_clip(3.0), 22_050)
    decoded: list[str] = []
    load = librosa.load

    def recording_load(path: str, **options: Any) -> Any:
        decoded.append(Path(path).name)
        return load(path, **options)

    monkeypatch.setattr(librosa, "load", recording_load)
    tracks = pd.DataFrame(
        {
            "collection": "gtzan",
            "track_id": ["blues.00000", "blues.00001"],
            "genre": "blues",
            "split": "train",
            "audio_path": [str(good), str(long)],
        }
    )
    features, bad = build_feature_table(tracks, {"gtzan": shipped_table(["blues.00001"])}, 1, max_clip_seconds=2.5)
    reason = "clip is 3.0 s, longer than the limit of 2.5 s (config max_clip_seconds)"
    assert features[["track_id", "feature_source"]].values.tolist() == [
        ["blues.00000", "audio"],
        ["blues.00001", "shipped"],
    ]
    assert [(Path(record.file).name, record.reason) for record in bad] == [("blues.00001.wav", reason)]
    mels = [mel_for_clip(key, str(path), 16, 8, max_seconds=2.5) for key, path in (("g", good), ("l", long))]
    assert mels[0].mel.shape == (8, 16) and (mels[1].mel, mels[1].error) == (None, reason)
    assert decoded == ["blues.00000.wav", "blues.00000.wav"]  # the long clip was never decoded


def _keys_in_a_daemon(results: Any) -> None:
    clips = [("a", "x"), ("b", "y"), ("c", "z")]
    results.put((available_workers(), map_clips(_key_and_path, clips, workers=2)))


def _key_and_path(key: str, path: str) -> str:
    return f"{key}:{path}"


def test_a_daemonic_process_extracts_in_process_instead_of_starting_a_pool() -> None:
    """A Celery prefork worker runs each step in a daemonic process, which may not have children."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    daemon = context.Process(target=_keys_in_a_daemon, args=(results,), daemon=True)
    daemon.start()
    try:
        workers, keys = results.get(timeout=30)
    finally:
        daemon.join(timeout=10)
        if daemon.is_alive():
            daemon.kill()
    assert workers == 1
    assert keys == ["a:x", "b:y", "c:z"]
