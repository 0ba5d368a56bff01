"""Notes of expressive piano performances and the per-note features the velocity model reads.

Features (what carried signal on the real MAESTRO file): pitch, log duration, inter-onset times to the
previous and next onset, chord size with top/bottom voice flags, notes sounding at the onset, local
onset density and the sustain-pedal state. Together they summarise the note activations (keys pressed
and held) around each note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.common.quarantine import BadRecord, BadRecords
from assets.midi.rolls import LOWEST_PITCH, NUM_KEYS, load_midi, require_columns, unreadable_reason

NOTE_COLUMNS = ["performance", "note_index", "onset", "offset", "pitch", "velocity", "sustain"]
FEATURE_NAMES = [
    "pitch",
    "log_duration",
    "log_gap_before",
    "log_gap_after",
    "chord_size",
    "is_top_voice",
    "is_bottom_voice",
    "notes_sounding",
    "onset_density",
    "sustain",
]
CHORD_SECONDS = 0.03  # onsets this close together are played as one chord
DENSITY_WINDOW_SECONDS = 1.0
SUSTAIN_THRESHOLD = 64  # CC64 values at or above this hold the dampers up


def _sustain_at(times: np.ndarray, pedal_times: np.ndarray, pedal_values: np.ndarray) -> np.ndarray:
    if len(pedal_times) == 0:
        return np.zeros(len(times), dtype=np.int8)
    index = np.searchsorted(pedal_times, times, side="right") - 1
    values = np.where(index >= 0, pedal_values[np.clip(index, 0, None)], 0)
    return (values >= SUSTAIN_THRESHOLD).astype(np.int8)


def parse_performance(path: str, name: str) -> tuple[pd.DataFrame | None, list[BadRecord]]:
    """One performance's notes sorted by onset; unusable files come back as BadRecords."""
    try:
        midi = load_midi(path)
    except Exception as error:  # corrupt bytes raise many exception types; all mean "unreadable"
        return None, [BadRecord(name, None, unreadable_reason(error))]
    notes = [
        (note, instrument) for instrument in midi.instruments if not instrument.is_drum for note in instrument.notes
    ]
    if not notes:
        return None, [BadRecord(name, None, "no (non-drum) notes in the file")]
    pedal = sorted(
        (change.time, change.value)
        for instrument in midi.instruments
        for change in instrument.control_changes
        if change.number == 64
    )
    frame = pd.DataFrame(
        {
            "onset": [note.start for note, _ in notes],
            "offset": [note.end for note, _ in notes],
            "pitch": [note.pitch for note, _ in notes],
            "velocity": [note.velocity for note, _ in notes],
        }
    ).sort_values(["onset", "pitch"], kind="stable")
    bad = []
    outside = ~frame["pitch"].between(LOWEST_PITCH, LOWEST_PITCH + NUM_KEYS - 1)
    for row in np.flatnonzero(outside.to_numpy()):
        bad.append(BadRecord(name, int(row) + 1, "pitch outside the 88 piano keys", str(frame.iloc[row].to_dict())))
    frame = frame[~outside]
    if frame["velocity"].nunique() < 2:
        return None, [*bad, BadRecord(name, None, "velocities do not vary: nothing expressive to learn")]
    pedal_times = np.array([time for time, _ in pedal])
    pedal_values = np.array([value for _, value in pedal])
    frame["sustain"] = _sustain_at(frame["onset"].to_numpy(), pedal_times, pedal_values)
    frame.insert(0, "performance", name)
    frame.insert(1, "note_index", np.arange(len(frame)))
    return frame.reset_index(drop=True)[NOTE_COLUMNS], bad


def parse_performances(files: pd.DataFrame) -> tuple[pd.DataFrame, BadRecords]:
    """Every performance of a raw manifest as one note table, plus the quarantined problems.

    Notes are kept as a table per note, never as per-tick or per-frame arrays, so a note far into the file
    costs no memory; pretty_midi itself refuses files whose last tick is past 10 million.
    """
    require_columns(files, ("relative_path", "path"), "raw piano-velocity manifest")
    frames, bad = [], BadRecords()
    for relative_path, path in zip(files["relative_path"], files["path"], strict=True):
        notes, problems = parse_performance(path, relative_path)
        bad.extend(problems)
        if notes is not None:
            frames.append(notes)
    if not frames:
        return pd.DataFrame(columns=NOTE_COLUMNS), bad
    return pd.concat(frames, ignore_index=True), bad


def note_features(notes: pd.DataFrame) -> np.ndarray:
    """(notes x len(FEATURE_NAMES)) features of one performance's notes in onset order."""
    require_columns(notes, NOTE_COLUMNS[2:], "performance notes")
    onsets = notes["onset"].to_numpy(dtype=float)
    offsets = notes["offset"].to_numpy(dtype=float)
    pitches = notes["pitch"].to_numpy(dtype=float)
    count = len(notes)
    chord_id = np.cumsum(np.concatenate([[0], np.diff(onsets) > CHORD_SECONDS]))
    chord_frame = pd.DataFrame({"chord": chord_id, "pitch": pitches})
    chord_size = chord_frame.groupby("chord")["pitch"].transform("size").to_numpy(dtype=float)
    is_top = (pitches == chord_frame.groupby("chord")["pitch"].transform("max").to_numpy()).astype(float)
    is_bottom = (pitches == chord_frame.groupby("chord")["pitch"].transform("min").to_numpy()).astype(float)
    chord_onsets = pd.Series(onsets).groupby(chord_id).min().to_numpy()
    chord_start = chord_onsets[chord_id]
    previous_chord = np.concatenate([[np.nan], chord_onsets[:-1]])[chord_id]
    next_chord = np.concatenate([chord_onsets[1:], [np.nan]])[chord_id]
    gap_before = np.nan_to_num(chord_start - previous_chord, nan=2.0)
    gap_after = np.nan_to_num(next_chord - chord_start, nan=2.0)
    sorted_offsets = np.sort(offsets)
    started = np.searchsorted(onsets, onsets, side="left")
    ended = np.searchsorted(sorted_offsets, onsets, side="right")
    sounding = started - ended
    half = DENSITY_WINDOW_SECONDS / 2
    density = (np.searchsorted(onsets, onsets + half, "right") - np.searchsorted(onsets, onsets - half, "left")) / (
        DENSITY_WINDOW_SECONDS
    )
    features = np.column_stack(
        [
            pitches,
            np.log(np.maximum(offsets - onsets, 1e-3)),
            np.log1p(np.clip(gap_before, 0, 4.0)),
            np.log1p(np.clip(gap_after, 0, 4.0)),
            chord_size,
            is_top,
            is_bottom,
            sounding,
            density,
            notes["sustain"].to_numpy(dtype=float),
        ]
    )
    if features.shape != (count, len(FEATURE_NAMES)):
        raise ValueError(f"feature matrix has shape {features.shape}, expected ({count}, {len(FEATURE_NAMES)})")
    return features.astype(np.float32)
