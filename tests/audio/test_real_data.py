"""Light checks on the real data (ENCORE_REAL_DATA): metadata parsing and feature parity on real clips."""

from pathlib import Path

import pytest

from assets.audio.feature_table import feature_parity
from assets.audio.features import extract_many, results_frame
from assets.audio.parse import clean_gtzan, read_fma_tracks, shipped_gtzan_features
from assets.common.fingerprint import manifest

pytestmark = pytest.mark.real_data
GTZAN_SUFFIXES = (".csv", ".wav", ".au")


def test_fma_metadata_parses_with_official_splits(real_data_root: Path) -> None:
    parsed = read_fma_tracks(real_data_root / "fma" / "fma_metadata" / "tracks.csv")
    assert len(parsed.frame) + len(parsed.bad) == 547
    assert len(parsed.bad) == 40  # tracks with several root genres have no genre_top
    assert set(parsed.frame["fma_split"]) == {"train", "valid", "test"}


def test_gtzan_has_all_1000_tracks_split_by_clip_number(real_data_root: Path) -> None:
    parsed = clean_gtzan(manifest(real_data_root / "gtzan", GTZAN_SUFFIXES))
    assert parsed.bad == []
    assert len(parsed.frame) == 1000
    assert parsed.frame["split"].value_counts().to_dict() == {"train": 600, "valid": 200, "test": 200}
    assert parsed.frame["audio_path"].notna().sum() >= 8


def test_features_of_real_clips_match_the_published_table(real_data_root: Path) -> None:
    files = manifest(real_data_root / "gtzan", GTZAN_SUFFIXES)
    tracks = clean_gtzan(files).frame
    clips = tracks[tracks["audio_path"].notna()].head(2)
    results = extract_many(zip(clips["track_id"], clips["audio_path"], strict=True), workers=1)
    ours = results_frame(results).rename(columns={"key": "track_id"}).assign(feature_source="audio")
    parity = feature_parity(ours, shipped_gtzan_features(files).frame.set_index("track_id"))
    assert parity.tracks == 2
    assert parity.max_deviation_std <= 0.05, parity.worst_by_column
