"""Small MIDI fixtures written with mido: good tunes, an empty file, garbage bytes, a misplaced file."""

from __future__ import annotations

from pathlib import Path

import mido
import pandas as pd
import pytest

from assets.common.fingerprint import manifest


def write_tune(path: Path, notes: list[tuple[float, float, int]], key: str | None = "G") -> Path:
    """A type-1 file at 120 BPM (480 ticks per quarter = 960 ticks per second) with (start s, end s, pitch)."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    meta = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000)])
    if key is not None:
        meta.append(mido.MetaMessage("key_signature", key=key))
    events = []
    for start, end, pitch in notes:
        events.append((round(start * 960), 1, mido.Message("note_on", note=pitch, velocity=90)))
        events.append((round(end * 960), 0, mido.Message("note_off", note=pitch, velocity=0)))
    track, now = mido.MidiTrack(), 0
    for tick, _, message in sorted(events, key=lambda event: (event[0], event[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    midi.tracks.extend([meta, track])
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(str(path))
    return path


@pytest.fixture
def raw_folder(tmp_path: Path) -> Path:
    """train: 2 good tunes, 1 empty, 1 garbage; valid: 1 good tune; one tune outside any split folder."""
    root = tmp_path / "nottingham"
    write_tune(root / "train" / "reels_1.mid", [(0.0, 0.5, 67), (0.5, 1.0, 71), (1.0, 2.0, 74)], key="G")
    write_tune(root / "train" / "jigs_2.mid", [(0.0, 1.0, 60), (0.0, 1.0, 64), (1.0, 1.5, 62)], key="C")
    write_tune(root / "train" / "empty_3.mid", [], key="C")
    (root / "train" / "garbage_4.mid").write_bytes(b"\x00\x01not a midi file at all" * 10)
    write_tune(root / "valid" / "reels_5.mid", [(0.0, 0.75, 62), (0.75, 1.5, 66)], key="D")
    write_tune(root / "loose_6.mid", [(0.0, 1.0, 60)], key="C")
    return root


@pytest.fixture
def raw_manifest(raw_folder: Path) -> pd.DataFrame:
    return manifest(raw_folder, (".mid",))
