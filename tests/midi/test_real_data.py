"""Light checks on the real data (skipped unless ENCORE_REAL_DATA is set): the recipe's published counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assets.common.fingerprint import manifest
from assets.midi.rolls import parse_tunes
from assets.midi.velocity_notes import FEATURE_NAMES, note_features, parse_performances

pytestmark = pytest.mark.real_data


def test_real_nottingham_valid_split_matches_the_provenance_counts(real_data_root: Path) -> None:
    files = manifest(real_data_root / "nottingham", (".mid",))
    valid = files[files["relative_path"].str.startswith("valid/")]
    tunes, bad = parse_tunes(valid)
    assert bad == []
    assert len(tunes) == 173
    frames = np.concatenate([tune.roll for tune in tunes])
    assert len(frames) == 45_513  # 0.25 s frames, first frame dropped (MODELLING.md)
    assert 3.9 < frames.sum(axis=1).mean() < 4.1
    pitch_classes = set((np.flatnonzero(frames.any(axis=0)) + 21) % 12)
    assert {0, 2, 4, 5, 7, 9, 11} <= pitch_classes  # transposed to C major / A minor
    shifts = {tune.transposition for tune in tunes}
    assert shifts <= set(range(-6, 6))


def test_real_performance_parses_with_sustain_and_varied_velocities(real_data_root: Path) -> None:
    notes, bad = parse_performances(manifest(real_data_root / "piano_velocity", (".mid", ".midi")))
    assert bad == []
    assert len(notes) == 7_894
    assert notes["velocity"].between(7, 96).all()
    assert notes["sustain"].mean() > 0.1
    features = note_features(notes)
    assert features.shape == (7_894, len(FEATURE_NAMES))
    assert np.isfinite(features).all()
