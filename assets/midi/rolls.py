"""MIDI files to 88-key binary piano rolls, following the Boulanger-Lewandowski recipe.

Frame ``t`` holds the notes sounding at time ``(t + 1) * frame_seconds`` (``start <= tau < end``), so the
frame at time 0 is dropped and a tune of duration ``d`` has ``ceil(d / frame_seconds) - 1`` frames. Each
tune is transposed into C major / A minor by the smallest shift (-6..+5 semitones) that moves the tonic
of the relative major of its first ``key_signature`` to C. That is the preprocessing the published
Nottingham numbers use (see ``nottingham/PROVENANCE.md``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from assets.common.quarantine import BadRecord, BadRecords, LimitExceededError
from assets.common.splits import SPLITS

LOWEST_PITCH = 21  # A0
NUM_KEYS = 88  # A0..C8, MIDI 21..108
MANIFEST_COLUMNS = ("relative_path", "path")
ROLL_COLUMNS = ["tune_id", "split", "frame", "active_keys", "transposition"]
# Float timing from tempo maps lands a hair off the frame grid; a microsecond is far below any real onset.
GRID_TOLERANCE = 1e-6
# The longest real Nottingham tune is 447 s (1,788 frames of 0.25 s); 20,000 frames (83 minutes at 0.25 s,
# 1.8 MB of roll) is 11 times that. A hostile tempo map can put a note days in: a roll of tens of GB.
MAX_FRAMES_PER_TUNE = 20_000


@dataclass(frozen=True)
class ParsedTune:
    """One tune's roll (frames x 88, uint8) and the semitone shift applied to it."""

    tune_id: str
    split: str
    roll: np.ndarray
    transposition: int


def split_of(relative_path: str) -> str | None:
    """The split named by the first folder of ``relative_path`` (``train/x.mid`` -> ``train``), else None."""
    parts = PurePosixPath(relative_path).parts
    return parts[0] if len(parts) > 1 and parts[0] in SPLITS else None


def shift_to_c(key_number: int) -> int:
    """Semitones (-6..+5) that move a pretty_midi key (0-11 major, 12-23 minor) to C major / A minor."""
    if not 0 <= key_number < 24:
        raise ValueError(f"key number must be in 0..23, got {key_number}")
    major_tonic = key_number if key_number < 12 else (key_number - 12 + 3) % 12
    shift = -major_tonic % 12
    return shift - 12 if shift > 5 else shift


def load_midi(path: Path):  # -> pretty_midi.PrettyMIDI
    """Read a MIDI file; abc2midi's harmless 'meta events on non-zero tracks' warning is silenced."""
    import pretty_midi

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tempo, Key or Time signature change events")
        return pretty_midi.PrettyMIDI(str(path))


def unreadable_reason(error: Exception) -> str:
    """The quarantine reason of a MIDI file that does not load; mido's EOFError carries no message."""
    detail = str(error) or ("the file ends inside a chunk (truncated)" if isinstance(error, EOFError) else "")
    return f"unreadable MIDI: {type(error).__name__}: {detail}"


def roll_frames(ends: np.ndarray, frame_seconds: float) -> int:
    """Frames of the roll of notes ending at ``ends`` (seconds): the last grid point before the last note end."""
    if frame_seconds <= 0:
        raise ValueError(f"frame_seconds must be positive, got {frame_seconds}")
    duration = float(ends.max()) if len(ends) else 0.0
    return max(math.ceil(duration / frame_seconds - GRID_TOLERANCE) - 1, 0)


def check_roll_frames(frames: int, frame_seconds: float, max_frames: int) -> None:
    """Refuse a tune of more than ``max_frames`` frames (the asset's ``max_frames_per_tune``) before its roll exists."""
    if frames > max_frames:
        raise LimitExceededError(
            f"tune is {frames} frames ({frames * frame_seconds:.0f} s at {frame_seconds:g} s a frame), longer than "
            f"the limit of {max_frames} frames (config max_frames_per_tune)"
        )


def notes_to_roll(
    starts: np.ndarray,
    ends: np.ndarray,
    pitches: np.ndarray,
    frame_seconds: float,
    max_frames: int = MAX_FRAMES_PER_TUNE,
) -> tuple[np.ndarray, int]:
    """Binary roll (frames x 88) of notes; returns the roll and how many notes fell outside the 88 keys.

    Raises LimitExceededError, before allocating anything, when the roll would have more than ``max_frames``.
    """
    num_frames = roll_frames(ends, frame_seconds)
    check_roll_frames(num_frames, frame_seconds, max_frames)
    roll = np.zeros((num_frames, NUM_KEYS), dtype=np.uint8)
    keys = pitches.astype(int) - LOWEST_PITCH
    inside = (keys >= 0) & (keys < NUM_KEYS)
    # Grid point k (time k * dt) is frame k - 1; a note covers grid points ceil(start/dt) .. ceil(end/dt) - 1.
    first = np.ceil(starts / frame_seconds - GRID_TOLERANCE).astype(int)
    stop = np.ceil(ends / frame_seconds - GRID_TOLERANCE).astype(int)
    for key, begin, end in zip(keys[inside], first[inside], stop[inside], strict=True):
        roll[max(begin, 1) - 1 : max(end, 1) - 1, key] = 1
    return roll, int((~inside).sum())


def parse_tune(
    path: Path,
    relative_path: str,
    frame_seconds: float,
    transpose_to_c: bool,
    max_frames: int = MAX_FRAMES_PER_TUNE,
) -> tuple[ParsedTune | None, list[BadRecord]]:
    """Parse one MIDI file into a roll; a file that cannot be used, or whose roll would have more than
    ``max_frames`` frames, comes back as a BadRecord instead."""
    split = split_of(relative_path)
    if split is None:
        return None, [BadRecord(relative_path, None, f"not inside a {'/'.join(SPLITS)} folder")]
    try:
        midi = load_midi(path)
    except Exception as error:  # pretty_midi/mido raise many types on corrupt bytes; all mean "unreadable"
        return None, [BadRecord(relative_path, None, unreadable_reason(error))]
    notes = [note for instrument in midi.instruments if not instrument.is_drum for note in instrument.notes]
    if not notes:
        return None, [BadRecord(relative_path, None, "no (non-drum) notes in the file")]
    shift = 0
    if transpose_to_c and midi.key_signature_changes:
        shift = shift_to_c(midi.key_signature_changes[0].key_number)
    starts = np.array([note.start for note in notes])
    ends = np.array([note.end for note in notes])
    pitches = np.array([note.pitch for note in notes]) + shift
    try:
        roll, outside = notes_to_roll(starts, ends, pitches, frame_seconds, max_frames)
    except LimitExceededError as error:
        return None, [BadRecord(relative_path, None, str(error))]
    bad: list[BadRecord] = []
    if outside:
        bad.append(BadRecord(relative_path, None, f"{outside} notes outside MIDI 21-108 after a shift of {shift}"))
    if len(roll) < 2 or not roll.any():
        bad.append(BadRecord(relative_path, None, f"fewer than 2 frames of {frame_seconds} s with sounding notes"))
        return None, bad
    tune_id = str(PurePosixPath(relative_path).with_suffix(""))
    return ParsedTune(tune_id, split, roll, shift), bad


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...] | list[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}; expected {list(columns)}, got {list(frame.columns)}")


def parse_tunes(
    files: pd.DataFrame,
    frame_seconds: float = 0.25,
    transpose_to_c: bool = True,
    max_frames: int = MAX_FRAMES_PER_TUNE,
) -> tuple[list[ParsedTune], BadRecords]:
    """Parse every file of a raw manifest; returns the good tunes and the quarantined problems."""
    require_columns(files, MANIFEST_COLUMNS, "raw MIDI manifest")
    tunes: list[ParsedTune] = []
    bad = BadRecords()
    for relative_path, path in zip(files["relative_path"], files["path"], strict=True):
        tune, problems = parse_tune(Path(path), relative_path, frame_seconds, transpose_to_c, max_frames)
        bad.extend(problems)
        if tune is not None:
            tunes.append(tune)
    return tunes, bad


def rolls_to_table(tunes: list[ParsedTune]) -> pd.DataFrame:
    """One row per frame: tune id, split, frame index, the active key indices (0 = A0) and the shift."""
    rows = []
    for tune in tunes:
        for frame_index, frame in enumerate(tune.roll):
            rows.append(
                (tune.tune_id, tune.split, frame_index, np.flatnonzero(frame).astype(np.int16), tune.transposition)
            )
    return pd.DataFrame(rows, columns=ROLL_COLUMNS)


def table_to_rolls(table: pd.DataFrame, split: str | None = None) -> dict[str, np.ndarray]:
    """Rebuild ``{tune_id: roll}`` (frames x 88, uint8) from the table, optionally for one split."""
    require_columns(table, ROLL_COLUMNS[:4], "piano_rolls table")
    if split is not None:
        table = table[table["split"] == split]
    rolls: dict[str, np.ndarray] = {}
    for tune_id, rows in table.sort_values(["tune_id", "frame"]).groupby("tune_id", sort=True):
        roll = np.zeros((len(rows), NUM_KEYS), dtype=np.uint8)
        for position, keys in enumerate(rows["active_keys"]):
            roll[position, np.asarray(keys, dtype=int)] = 1
        rolls[str(tune_id)] = roll
    return rolls


def tune_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per tune: split, frame count, total active notes and the lowest/highest key index used."""
    require_columns(table, ROLL_COLUMNS[:4], "piano_rolls table")
    counts = table["active_keys"].map(len)
    lowest = table["active_keys"].map(lambda keys: min(keys) if len(keys) else np.nan)
    highest = table["active_keys"].map(lambda keys: max(keys) if len(keys) else np.nan)
    grouped = table.assign(active=counts, lowest=lowest, highest=highest).groupby("tune_id", sort=True)
    return pd.DataFrame(
        {
            "split": grouped["split"].first(),
            "frames": grouped["frame"].count(),
            "active_notes": grouped["active"].sum(),
            "lowest_key": grouped["lowest"].min(),
            "highest_key": grouped["highest"].max(),
        }
    ).reset_index()


def roll_to_midi(roll: np.ndarray, path: Path, frame_seconds: float, velocity: int = 90) -> Path:
    """Write a roll as a one-instrument MIDI file: runs of active frames become notes (frame t at (t+1)*dt)."""
    import pretty_midi

    from assets.common.atomic import atomic_path

    midi = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    piano = pretty_midi.Instrument(program=0, name="sampled tune")
    padded = np.vstack([np.zeros((1, NUM_KEYS), np.uint8), roll.astype(np.uint8), np.zeros((1, NUM_KEYS), np.uint8)])
    changes = np.diff(padded.astype(np.int8), axis=0)
    for key in range(NUM_KEYS):
        onsets = np.flatnonzero(changes[:, key] == 1)
        offsets = np.flatnonzero(changes[:, key] == -1)
        for onset, offset in zip(onsets, offsets, strict=True):
            start, end = (onset + 1) * frame_seconds, (offset + 1) * frame_seconds
            piano.notes.append(pretty_midi.Note(velocity=velocity, pitch=key + LOWEST_PITCH, start=start, end=end))
    midi.instruments.append(piano)
    with atomic_path(Path(path)) as temporary:
        midi.write(str(temporary))
    return Path(path)
