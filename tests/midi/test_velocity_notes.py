"""Performance notes: parsing, quarantine and the per-note features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.common.fingerprint import manifest
from assets.midi.velocity_notes import FEATURE_NAMES, note_features, parse_performances
from assets.midi.velocity_training import split_notes
from tests.midi.conftest import write_tune


def _with_velocities(path: Path, velocities: list[int]) -> Path:
    import mido

    midi = mido.MidiFile(str(path))
    index = 0
    for message in midi.tracks[1]:
        if message.type == "note_on" and message.velocity > 0:
            message.velocity = velocities[index % len(velocities)]
            index += 1
    midi.save(str(path))
    return path


@pytest.fixture
def performance_folder(tmp_path: Path) -> Path:
    root = tmp_path / "piano_velocity"
    chord_then_melody = [(0.0, 1.0, 48), (0.0, 1.0, 52), (0.01, 1.0, 55), (1.0, 1.5, 72), (1.5, 2.0, 74)]
    _with_velocities(write_tune(root / "expressive.midi", chord_then_melody, key=None), [40, 45, 50, 80, 70])
    write_tune(root / "flat.midi", [(0.0, 1.0, 60), (1.0, 2.0, 62)], key=None)  # every velocity 90
    (root / "broken.midi").write_bytes(b"MThd garbage")
    return root


def test_parse_performances_quarantines_flat_and_broken_files(performance_folder: Path) -> None:
    notes, bad = parse_performances(manifest(performance_folder, (".midi",)))
    assert set(notes["performance"]) == {"expressive.midi"}
    assert list(notes["velocity"]) == [40, 45, 50, 80, 70]
    reasons = {record.file: record.reason for record in bad}
    assert "velocities do not vary" in reasons["flat.midi"]
    assert reasons["broken.midi"].startswith("unreadable MIDI")


def test_parse_performances_of_no_files_is_an_empty_table() -> None:
    notes, bad = parse_performances(pd.DataFrame(columns=["relative_path", "path", "bytes", "sha256"]))
    assert notes.empty and bad == []


def test_parse_performances_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="relative_path"):
        parse_performances(pd.DataFrame({"name": ["x.midi"]}))


def test_note_features_describe_chords_and_timing(performance_folder: Path) -> None:
    notes, _ = parse_performances(manifest(performance_folder, (".midi",)))
    features = pd.DataFrame(note_features(notes), columns=FEATURE_NAMES)
    assert list(features["chord_size"]) == [3, 3, 3, 1, 1]  # 48/52 at 0.0 and 55 at 0.01 are one chord
    assert list(features["is_top_voice"]) == [0, 0, 1, 1, 1]
    assert list(features["is_bottom_voice"]) == [1, 0, 0, 1, 1]
    assert list(features["notes_sounding"]) == [0, 0, 2, 0, 0]  # 72 ends exactly when 74 starts
    assert features["log_gap_after"].iloc[0] == pytest.approx(np.log1p(1.0))
    assert list(features["sustain"]) == [0] * 5


@pytest.mark.parametrize(("count", "expected"), [(20, (14, 3, 3)), (7, (5, 1, 1))])
def test_split_notes_keeps_time_order(count: int, expected: tuple[int, int, int]) -> None:
    labels = list(split_notes(count, 0.15, 0.15))
    assert (labels.count("train"), labels.count("valid"), labels.count("test")) == expected
    assert labels == sorted(labels, key=["train", "valid", "test"].index)


def test_split_notes_refuses_too_few_notes() -> None:
    with pytest.raises(ValueError, match="none for training"):
        split_notes(2, 0.15, 0.15)


def test_velocity_model_is_skipped_without_performances(tmp_path: Path) -> None:
    import dagster as dg

    from assets.midi.velocity_assets import velocity_model
    from assets.midi.velocity_training import VelocitySettings
    from resources.lake import LakeResource
    from resources.tracking import MlflowResource
    from resources.training import TrainingResource

    outputs = list(
        velocity_model(
            dg.build_asset_context(),
            config=VelocitySettings(),
            lake=LakeResource(home=str(tmp_path)),
            training=TrainingResource(home=str(tmp_path)),
            mlflow=MlflowResource(home=str(tmp_path)),
            performance_notes=pd.DataFrame(columns=["performance", "note_index", "onset", "offset", "pitch"]),
        )
    )
    assert outputs == []
