"""Piano-roll parsing: the frame recipe, transposition, quarantine of bad files, and the table round trip."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pandas as pd
import pytest

from assets.common.fingerprint import manifest
from assets.common.quarantine import LimitExceededError
from assets.midi.rolls import (
    NUM_KEYS,
    notes_to_roll,
    parse_tunes,
    roll_to_midi,
    rolls_to_table,
    shift_to_c,
    split_of,
    table_to_rolls,
    tune_summary,
)


@pytest.mark.parametrize(
    ("key_number", "expected"),
    [(0, 0), (7, 5), (2, -2), (9, 3), (5, -5), (10, 2), (16, 5), (21, 0), (6, -6), (14, -5)],
)
def test_shift_to_c_moves_the_relative_major_tonic_to_c(key_number: int, expected: int) -> None:
    assert shift_to_c(key_number) == expected


def test_shift_to_c_rejects_an_unknown_key() -> None:
    with pytest.raises(ValueError, match=r"0\.\.23"):
        shift_to_c(24)


@pytest.mark.parametrize(
    ("start", "end", "expected_frames", "num_frames"),
    [
        (0.0, 0.5, [0], 1),  # sounding at 0.25 only; the frame at time 0 is dropped
        (0.25, 0.75, [0, 1], 2),  # start <= tau: on at 0.25 and 0.5, off at 0.75
        (0.3, 1.0, [1, 2], 3),  # starts after 0.25, so first heard at 0.5
        (0.0, 0.2, [], 0),  # ends before the first grid point
    ],
)
def test_notes_to_roll_samples_at_t_plus_one_frames(start, end, expected_frames, num_frames) -> None:
    roll, outside = notes_to_roll(np.array([start]), np.array([end]), np.array([60]), 0.25)
    assert roll.shape == (num_frames, NUM_KEYS)
    assert list(np.flatnonzero(roll[:, 60 - 21])) == expected_frames
    assert outside == 0


def test_notes_to_roll_counts_notes_outside_the_88_keys() -> None:
    roll, outside = notes_to_roll(np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([20, 109]), 0.25)
    assert outside == 2
    assert roll.sum() == 0


def test_split_of_reads_the_first_folder() -> None:
    assert split_of("train/a.mid") == "train"
    assert split_of("test/sub/a.mid") == "test"
    assert split_of("a.mid") is None
    assert split_of("other/a.mid") is None


def test_parse_tunes_quarantines_empty_garbage_and_misplaced_files(raw_manifest: pd.DataFrame) -> None:
    tunes, bad = parse_tunes(raw_manifest, 0.25, transpose_to_c=True)
    assert sorted(tune.tune_id for tune in tunes) == ["train/jigs_2", "train/reels_1", "valid/reels_5"]
    reasons = {record.file: record.reason for record in bad}
    assert set(reasons) == {"train/empty_3.mid", "train/garbage_4.mid", "loose_6.mid"}
    assert "no (non-drum) notes" in reasons["train/empty_3.mid"]
    assert reasons["train/garbage_4.mid"].startswith("unreadable MIDI")
    assert "train/valid/test" in reasons["loose_6.mid"]


def test_parse_tunes_transposes_from_the_key_signature(raw_manifest: pd.DataFrame) -> None:
    tunes = {tune.tune_id: tune for tune in parse_tunes(raw_manifest, 0.25, transpose_to_c=True)[0]}
    reel = tunes["train/reels_1"]
    assert reel.transposition == 5  # G major up a fourth to C
    # G4 (67) + 5 = C5 (72) sounds in frame 0 (t = 0.25 s)
    assert list(np.flatnonzero(reel.roll[0])) == [72 - 21]
    assert tunes["valid/reels_5"].transposition == -2
    untransposed = {t.tune_id: t for t in parse_tunes(raw_manifest, 0.25, transpose_to_c=False)[0]}
    assert untransposed["train/reels_1"].transposition == 0
    assert list(np.flatnonzero(untransposed["train/reels_1"].roll[0])) == [67 - 21]


def test_parse_tunes_needs_the_manifest_columns() -> None:
    with pytest.raises(ValueError, match="relative_path"):
        parse_tunes(pd.DataFrame({"file": ["a.mid"]}))


def test_table_round_trip_and_summary(raw_manifest: pd.DataFrame) -> None:
    tunes, _ = parse_tunes(raw_manifest)
    table = rolls_to_table(tunes)
    rolls = table_to_rolls(table)
    for tune in tunes:
        np.testing.assert_array_equal(rolls[tune.tune_id], tune.roll)
    assert set(table_to_rolls(table, "valid")) == {"valid/reels_5"}
    summary = tune_summary(table).set_index("tune_id")
    assert summary.loc["train/reels_1", "frames"] == 7  # 2.0 s -> ceil(8) - 1
    assert summary.loc["train/jigs_2", "active_notes"] == 8  # two keys x 3 frames, one key x 2 frames
    assert summary["lowest_key"].min() >= 0
    assert summary["highest_key"].max() <= 87


def write_slow_tune(path: Path, end_tick: int) -> Path:
    """One note from tick 0 to ``end_tick`` at one tick a beat and the slowest MIDI tempo (16.8 s a beat)."""
    midi = mido.MidiFile(type=1, ticks_per_beat=1)
    notes = [mido.Message("note_on", note=60, velocity=90), mido.Message("note_off", note=60, time=end_tick)]
    midi.tracks.extend([mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=0xFFFFFF)]), mido.MidiTrack(notes)])
    midi.save(str(path))
    return path


def test_a_tune_over_the_frame_limit_is_quarantined_before_its_roll_is_allocated(raw_folder: Path) -> None:
    write_slow_tune(raw_folder / "train" / "slow_7.mid", end_tick=400)  # 6,711 s: 26,843 frames
    tunes, bad = parse_tunes(manifest(raw_folder, (".mid",)), 0.25, transpose_to_c=True)
    assert sorted(tune.tune_id for tune in tunes) == ["train/jigs_2", "train/reels_1", "valid/reels_5"]
    reasons = {record.file: record.reason for record in bad}
    assert reasons["train/slow_7.mid"] == (
        "tune is 26843 frames (6711 s at 0.25 s a frame), longer than the limit of 20000 frames "
        "(config max_frames_per_tune)"
    )
    # A note 9.9 million ticks in at that tempo would be a 58 GB roll: refused before anything is allocated.
    with pytest.raises(LimitExceededError, match=r"tune is 6643777\d\d frames"):
        notes_to_roll(np.array([0.0]), np.array([9.9e6 * 16.777215]), np.array([60]), 0.25)


def test_roll_to_midi_round_trips_through_the_parser(tmp_path, raw_manifest: pd.DataFrame) -> None:
    tunes, _ = parse_tunes(raw_manifest, transpose_to_c=False)
    path = roll_to_midi(tunes[0].roll, tmp_path / "valid" / "again.mid", 0.25)
    again, bad = parse_tunes(pd.DataFrame({"relative_path": ["valid/again.mid"], "path": [str(path)]}), 0.25, False)
    assert bad == []
    np.testing.assert_array_equal(again[0].roll, tunes[0].roll)


def test_piano_rolls_asset_fails_clearly_when_no_file_is_usable(raw_folder, tmp_path) -> None:
    import dagster as dg

    from assets.common.fingerprint import manifest
    from assets.common.quarantine import NoGoodRecordsError
    from assets.midi.roll_assets import PianoRollConfig, piano_rolls
    from resources.lake import LakeResource

    files = manifest(raw_folder, (".mid",))
    only_bad = files[files["relative_path"].isin(["train/empty_3.mid", "train/garbage_4.mid"])]
    lake = LakeResource(home=str(tmp_path / "home"))
    with pytest.raises(NoGoodRecordsError, match=r"garbage_4\.mid"):
        piano_rolls(dg.build_asset_context(), config=PianoRollConfig(), lake=lake, raw_nottingham_files=only_bad)
    quarantine = pd.read_parquet(lake.quarantine_dir("midi") / "piano_rolls.parquet")
    assert sorted(quarantine["file"]) == ["train/empty_3.mid", "train/garbage_4.mid"]


def test_piano_rolls_asset_applies_its_frame_limit(raw_folder: Path, tmp_path: Path) -> None:
    import dagster as dg

    from assets.midi.roll_assets import PianoRollConfig, piano_rolls
    from resources.lake import LakeResource

    files = manifest(raw_folder, (".mid",))
    config = PianoRollConfig(max_frames_per_tune=6)  # reels_1 lasts 2 s: 7 frames; the others 5
    output = piano_rolls(dg.build_asset_context(), config, LakeResource(home=str(tmp_path)), files)
    assert sorted(set(output.value["tune_id"])) == ["train/jigs_2", "valid/reels_5"]
    assert output.metadata["quarantined_records"].value == 4  # reels_1, and the empty, garbage and loose files
    quarantine = pd.read_parquet(LakeResource(home=str(tmp_path)).quarantine_dir("midi") / "piano_rolls.parquet")
    reasons = dict(zip(quarantine["file"], quarantine["reason"], strict=True))
    assert reasons["train/reels_1.mid"].startswith("tune is 7 frames (2 s at 0.25 s a frame), longer than the limit")
