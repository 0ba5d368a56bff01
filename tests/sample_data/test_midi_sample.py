"""The MIDI sample generators write abc2midi / MAESTRO-format files that real parsers read, deterministically,
with structure a model can learn."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest

from assets.midi.sample_data import write_nottingham_sample, write_piano_velocity_sample

ABC2MIDI_VELOCITIES = {105, 95, 80, 75}
FRAME_SECONDS = 0.25
WHITE_KEYS = {0, 2, 4, 5, 7, 9, 11}


def _bytes_by_name(paths: list[Path], root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in paths}


@pytest.fixture(scope="module")
def nottingham(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("nottingham")
    return root, write_nottingham_sample(root, seed=7)


@pytest.fixture(scope="module")
def performance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = write_piano_velocity_sample(tmp_path_factory.mktemp("piano_velocity"), seed=7)
    return path


# ----------------------------------------------------------------------------------------------- Nottingham


def test_nottingham_layout_and_names(nottingham: tuple[Path, list[Path]]) -> None:
    root, paths = nottingham
    assert paths == sorted(paths)
    counts = {split: len(list((root / split).glob("*.mid"))) for split in ("train", "valid", "test")}
    assert counts == {"train": 48, "valid": 12, "test": 12}
    names = [path.name for path in paths]
    assert len(set(names)) == len(names), "file names must be unique across splits"
    for name in names:
        collection, rest = name.split("_simple_chords_")
        assert collection in {"reels", "jigs", "hpps", "waltzes", "morris"}
        assert rest.removesuffix(".mid").isdigit()
    assert not list(root.rglob("*.tmp")), "no temp files may be left behind"


def test_nottingham_is_deterministic(nottingham: tuple[Path, list[Path]], tmp_path: Path) -> None:
    root, paths = nottingham
    again = write_nottingham_sample(tmp_path / "again", seed=7)
    assert _bytes_by_name(again, tmp_path / "again") == _bytes_by_name(paths, root)
    other = write_nottingham_sample(tmp_path / "other", seed=8)
    assert _bytes_by_name(other, tmp_path / "other") != _bytes_by_name(paths, root)


def test_nottingham_track_layout_matches_abc2midi(nottingham: tuple[Path, list[Path]]) -> None:
    _, paths = nottingham
    for path in paths:
        midi = mido.MidiFile(path)
        assert (midi.type, midi.ticks_per_beat, len(midi.tracks)) == (1, 480, 3), path.name
        conductor = [message.type for message in midi.tracks[0]]
        assert conductor == ["set_tempo", "key_signature", "time_signature", "track_name", "end_of_track"]
        assert midi.tracks[0][0].tempo == 500_000
        for track, channel in ((midi.tracks[1], 0), (midi.tracks[2], 2)):
            channels = {message.channel for message in track if not message.is_meta}
            assert channels == {channel}, path.name
        velocities = {m.velocity for m in midi.tracks[1] if m.type == "note_on"}
        assert velocities <= {105, 95, 80} and 105 in velocities
        assert {m.velocity for m in midi.tracks[2] if m.type == "note_on"} == {75}


def test_nottingham_reads_with_pretty_midi(nottingham: tuple[Path, list[Path]]) -> None:
    _, paths = nottingham
    for path in paths:
        pm = pretty_midi.PrettyMIDI(str(path))
        _, tempi = pm.get_tempo_changes()
        assert np.allclose(tempi, 120.0)
        assert len(pm.key_signature_changes) == 1
        assert len(pm.time_signature_changes) == 1
        assert len(pm.instruments) == 2
        velocities = {note.velocity for inst in pm.instruments for note in inst.notes}
        assert velocities <= ABC2MIDI_VELOCITIES
        pitches = [note.pitch for inst in pm.instruments for note in inst.notes]
        assert min(pitches) >= 36 and max(pitches) <= 88
        assert 15.9 <= pm.get_end_time() <= 32.0  # abc2midi ends notes a tick early
        roll = pm.get_piano_roll(fs=1 / FRAME_SECONDS)
        assert 60 <= roll.shape[1] <= 130 and roll.sum() > 0


def test_nottingham_key_signature_is_correct(nottingham: tuple[Path, list[Path]]) -> None:
    """Transposed to C major / A minor by its key signature (the benchmark's preprocessing), every tune
    uses only white keys, and its first chord and last melody note are on the tonic."""
    _, paths = nottingham
    keys_seen = set()
    for path in paths:
        pm = pretty_midi.PrettyMIDI(str(path))
        key_number = pm.key_signature_changes[0].key_number
        keys_seen.add(key_number)
        tonic, minor = key_number % 12, key_number >= 12
        shift = (9 if minor else 0) - tonic
        melody, chords = pm.instruments
        pitch_classes = {(note.pitch + shift) % 12 for note in melody.notes + chords.notes}
        assert pitch_classes <= WHITE_KEYS, path.name
        assert min(n.pitch for n in chords.notes if n.start == 0.0) % 12 == tonic, path.name
        assert max(melody.notes, key=lambda n: n.start).pitch % 12 == tonic, path.name
    assert len(keys_seen) >= 6, "tunes must be in many keys so transposing to C matters"


def _binary_roll(path: Path) -> np.ndarray:
    roll = pretty_midi.PrettyMIDI(str(path)).get_piano_roll(fs=1 / FRAME_SECONDS)[21:109] > 0
    return roll


def test_nottingham_has_learnable_repetition(nottingham: tuple[Path, list[Path]]) -> None:
    """AABB: each part is played twice, and frames repeat often (held notes) but not always."""
    _, paths = nottingham
    repeat_rates = []
    for path in paths:
        roll = _binary_roll(path)
        part = round(roll.shape[1] / 4)  # the last frame or two may be cut by the tick-early final note-off
        a1, a2, b1, b2 = (roll[:, i * part : (i + 1) * part] for i in range(4))
        assert np.array_equal(a1, a2), path.name
        assert np.array_equal(b1[:, : b2.shape[1]], b2), path.name
        assert not np.array_equal(a1, b1), "A and B must differ"
        repeat_rates.append(np.mean(np.all(roll[:, 1:] == roll[:, :-1], axis=0)))
    assert 0.1 < float(np.mean(repeat_rates)) < 0.8
    assert max(repeat_rates) < 1.0


@pytest.mark.real_data
def test_nottingham_layout_matches_a_real_file(nottingham: tuple[Path, list[Path]], real_data_root: Path) -> None:
    real = mido.MidiFile(sorted((real_data_root / "nottingham" / "train").glob("reels_*.mid"))[0])
    ours = mido.MidiFile(nottingham[1][0])

    def signature(midi: mido.MidiFile) -> list[list[tuple[str, int | None]]]:
        return [sorted({(m.type, getattr(m, "channel", None)) for m in track}) for track in midi.tracks]

    assert (ours.type, ours.ticks_per_beat) == (real.type, real.ticks_per_beat)
    assert signature(ours) == signature(real)


# ------------------------------------------------------------------------------------------ piano velocity


def test_piano_velocity_is_deterministic(performance: Path, tmp_path: Path) -> None:
    (again,) = write_piano_velocity_sample(tmp_path / "again", seed=7)
    assert again.name == "performance.midi"
    assert again.read_bytes() == performance.read_bytes()
    (other,) = write_piano_velocity_sample(tmp_path / "other", seed=8)
    assert other.read_bytes() != performance.read_bytes()


def test_piano_velocity_format_matches_maestro(performance: Path) -> None:
    midi = mido.MidiFile(performance)
    assert (midi.type, midi.ticks_per_beat, len(midi.tracks)) == (1, 480, 2)
    assert [m.type for m in midi.tracks[0]] == ["set_tempo", "time_signature", "end_of_track"]
    body = [m for m in midi.tracks[1] if not m.is_meta]
    assert {m.type for m in body} == {"program_change", "control_change", "note_on"}
    assert {m.control for m in body if m.type == "control_change"} == {64}
    assert {m.program for m in body if m.type == "program_change"} == {0}


def _notes(path: Path) -> list[pretty_midi.Note]:
    pm = pretty_midi.PrettyMIDI(str(path))
    assert len(pm.instruments) == 1 and pm.instruments[0].program == 0
    return sorted(pm.instruments[0].notes, key=lambda n: (n.start, n.pitch))


def test_piano_velocity_size_and_range(performance: Path) -> None:
    notes = _notes(performance)
    velocities = np.array([n.velocity for n in notes])
    assert 1500 <= len(notes) <= 2500
    assert 180.0 <= max(n.end for n in notes) <= 300.0
    assert len(set(velocities.tolist())) >= 20
    assert velocities.min() >= 20 and velocities.max() <= 110


def test_piano_velocity_is_predictable_from_note_context(performance: Path) -> None:
    """A linear model on pitch, chord size and local density beats the mean velocity on held-out notes."""
    notes = _notes(performance)
    onsets = np.array([n.start for n in notes])
    pitch = np.array([n.pitch for n in notes], dtype=float)
    velocity = np.array([n.velocity for n in notes], dtype=float)
    chord_size = np.array([np.sum(np.abs(onsets - t) < 0.04) for t in onsets], dtype=float)
    density = np.array([np.sum(np.abs(onsets - t) < 0.5) for t in onsets], dtype=float)
    features = np.column_stack([np.ones_like(pitch), pitch, (pitch - 64) ** 2 / 100, chord_size, density])
    split = int(0.8 * len(notes))  # split by time, as one would on a single performance
    weights, *_ = np.linalg.lstsq(features[:split], velocity[:split], rcond=None)
    model_mae = np.mean(np.abs(features[split:] @ weights - velocity[split:]))
    baseline_mae = np.mean(np.abs(velocity[:split].mean() - velocity[split:]))
    assert model_mae < 0.75 * baseline_mae
    assert np.corrcoef(velocity, chord_size)[0, 1] > 0.2
