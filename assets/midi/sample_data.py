"""Deterministic sample data in the exact raw formats of the two MIDI sources.

`write_nottingham_sample` imitates the Boulanger-Lewandowski Nottingham split (`train/`, `valid/`,
`test/` of `<collection>_simple_chords_<n>.mid`) as rendered by abc2midi: SMF type 1, 480 ticks per
quarter, 120 BPM; track 0 holds only set_tempo / key_signature / time_signature / track_name, track 1 the
melody on channel 0, track 2 one root-position triad per bar on channel 2. Velocities are abc2midi's
metrical accents (105 downbeat, 95 other strong beats, 80 the rest, 75 for chords), note-offs are real
note_off messages one tick before the next onset. Learnable structure: every tune is AABB, each part a
2-8 bar motif played twice; melody notes sit on an eighth-note grid (0.25 s frames) and move by scale
steps with chord tones on beat starts; tunes are in ten keys with a correct key signature, so transposing
to C major / A minor lines up the pitch classes.

`write_piano_velocity_sample` imitates one MAESTRO performance file: SMF type 1, 480 ticks per quarter,
track 0 = 120 BPM + 4/4 only, track 1 = program 0 notes (note_on velocity 0 as note-off, not beat-aligned)
plus CC64 sustain pedal. Learnable structure: velocity depends on the hand (melody louder than
accompaniment), pitch register, chord size, local note density (dense textures are played louder),
4-bar phrase arcs (crescendo to the middle of the phrase) and downbeat accents, plus Gaussian noise; so a
model that sees note context beats a mean-velocity baseline.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

TICKS_PER_QUARTER = 480
TEMPO_US_PER_QUARTER = 500_000  # 120 BPM, the tempo abc2midi and the MAESTRO files declare
TICKS_PER_SECOND = TICKS_PER_QUARTER * 1_000_000 // TEMPO_US_PER_QUARTER
EIGHTH = TICKS_PER_QUARTER // 2

MELODY_CHANNEL = 0
CHORD_CHANNEL = 2
DOWNBEAT_VELOCITY = 105
STRONG_BEAT_VELOCITY = 95
WEAK_VELOCITY = 80
CHORD_VELOCITY = 75

MIN_DEGREE = -3  # melody range in scale steps around the tonic
MAX_DEGREE = 9
SPLIT_SIZES = {"train": 48, "valid": 12, "test": 12}
MIN_TUNE_SECONDS = 16.0
MAX_TUNE_SECONDS = 32.0

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
# (mido key name, tonic pitch class, is_minor): the keys the Nottingham tunes actually use most.
KEYS = (
    ("G", 7, False),
    ("D", 2, False),
    ("A", 9, False),
    ("C", 0, False),
    ("F", 5, False),
    ("Bb", 10, False),
    ("Em", 4, True),
    ("Am", 9, True),
    ("Dm", 2, True),
    ("Bm", 11, True),
)
TITLE_WORDS = (
    ("The", "Lass of", "Miss", "Old", "Bonny", "Over the", "Hills of", "Captain"),
    ("Ashover", "Keel", "Morpeth", "Harvest", "Blackthorn", "Lark", "Heather", "Rowan", "Ferry", "Mill"),
    ("Reel", "Jig", "Waltz", "Hornpipe", "Rant", "Lament", "Frolic", "Fancy", "Dance", "Polka"),
)
SOURCES = ("S:Trad, via EF", "S:via PR", "S:Mick Peat", "S:Kevin Briggs, via EF", "S:Dave Mallinson")


@dataclass(frozen=True)
class Meter:
    """A time signature plus the abc2midi accent grid that goes with it."""

    numerator: int
    denominator: int
    clocks_per_click: int  # the values abc2midi writes for these meters in the real files
    strong_beat_ticks: int  # onsets on multiples of this (but not bar starts) get velocity 95
    beat_group_eighths: int  # the melody is built one beat group at a time

    @property
    def bar_ticks(self) -> int:
        return self.numerator * TICKS_PER_QUARTER * 4 // self.denominator


COLLECTION_METERS = {
    "reels": Meter(4, 4, 48, 2 * TICKS_PER_QUARTER, 4),
    "jigs": Meter(6, 8, 36, 3 * EIGHTH, 3),
    "hpps": Meter(4, 4, 48, 2 * TICKS_PER_QUARTER, 4),
    "waltzes": Meter(3, 4, 18, 3 * TICKS_PER_QUARTER, 2),
    "morris": Meter(2, 4, 24, TICKS_PER_QUARTER, 2),
}
# Same proportions as the real train folder: reels and jigs dominate.
COLLECTION_CYCLE = ("reels", "jigs", "reels", "jigs", "hpps", "reels", "waltzes", "jigs", "morris", "reels")
# Rhythm cells (in eighths) per beat-group size; all-eighths cells are listed twice so runs of eighths
# dominate, as they do in reels and jigs.
RHYTHM_CELLS = {
    4: ((1, 1, 1, 1), (1, 1, 1, 1), (2, 1, 1), (1, 1, 2), (2, 2), (3, 1)),
    3: ((1, 1, 1), (1, 1, 1), (2, 1), (3,)),
    2: ((1, 1), (1, 1), (2,)),
}


@dataclass(frozen=True)
class Note:
    start: int  # ticks
    end: int  # ticks
    pitch: int
    velocity: int


# ---------------------------------------------------------------------------------------------------------
# shared helpers


def _atomic_write_midi(midi: mido.MidiFile, path: Path) -> Path:
    """Write via a temp file in the same folder so readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            midi.save(file=handle)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


TimedEvent = tuple[int, int, mido.Message | mido.MetaMessage]  # (absolute tick, tie-break order, message)


def _to_delta_track(events: list[TimedEvent], end_tick: int) -> mido.MidiTrack:
    """Turn (absolute tick, order, message) events into a track with delta times and an end_of_track."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda event: (event[0], event[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(end_tick - now, 0)))
    return track


# ---------------------------------------------------------------------------------------------------------
# Nottingham


@dataclass(frozen=True)
class Key:
    name: str
    tonic_pc: int
    minor: bool

    @property
    def scale(self) -> tuple[int, ...]:
        return MINOR_SCALE if self.minor else MAJOR_SCALE

    @property
    def melody_tonic(self) -> int:
        # Tonic between C4 and B4 keeps the melody (-3..+9 scale steps) inside the real 36-88 range.
        return 60 + self.tonic_pc

    def degree_to_pitch(self, degree: int, tonic: int) -> int:
        octave, step = divmod(degree, 7)
        return tonic + 12 * octave + self.scale[step]


def _bar_progression(rng: np.random.Generator, n_bars: int, is_b_part: bool) -> list[int]:
    """Chord roots as scale degrees: start on I, cadence on V (A part) or V-I (B part)."""
    middle_choices = (0, 3, 4, 5, 3, 4)  # I IV V vi, IV/V weighted as in simple folk harmony
    roots = [int(rng.choice(middle_choices)) for _ in range(n_bars)]
    roots[0] = 3 if is_b_part and rng.random() < 0.5 else 0
    if is_b_part:
        roots[-1] = 0
        if n_bars > 2:
            roots[-2] = 4
    else:
        roots[-1] = 4
    return roots


def _nearest_chord_tone(previous: int, chord_root: int, offsets: tuple[int, ...] = (0, 2, 4)) -> int:
    """The chord-tone scale degree (root, third or fifth) closest to the previous melody degree."""
    candidates = [chord_root + offset + 7 * octave for offset in offsets for octave in (-1, 0, 1, 2)]
    candidates = [c for c in candidates if MIN_DEGREE <= c <= MAX_DEGREE]
    return min(candidates, key=lambda c: (abs(c - previous), c))


def _part_melody(
    rng: np.random.Generator, key: Key, meter: Meter, roots: list[int], start_degree: int
) -> tuple[list[tuple[int, int, int]], int]:
    """One part's melody as (start tick within part, duration ticks, pitch); returns the last degree too."""
    notes: list[tuple[int, int, int]] = []
    degree = start_degree
    group_ticks = meter.beat_group_eighths * EIGHTH
    groups_per_bar = meter.bar_ticks // group_ticks
    tonic = key.melody_tonic
    for bar, root in enumerate(roots):
        for group in range(groups_per_bar):
            tick = bar * meter.bar_ticks + group * group_ticks
            cells = RHYTHM_CELLS[meter.beat_group_eighths]
            cell = cells[int(rng.integers(len(cells)))]
            is_final_group = bar == len(roots) - 1 and group == groups_per_bar - 1
            if is_final_group:
                cell = (meter.beat_group_eighths,)  # parts end on a held note, as the cadences do
            for position, eighths in enumerate(cell):
                if is_final_group and root == 0:
                    degree = _nearest_chord_tone(degree, root, offsets=(0,))  # the tune closes on the tonic
                elif position == 0:
                    degree = _nearest_chord_tone(degree, root)
                else:
                    step = int(rng.choice((-1, 1, -1, 1, -2, 2)))
                    degree = int(np.clip(degree + step, MIN_DEGREE, MAX_DEGREE))
                notes.append((tick, eighths * EIGHTH, key.degree_to_pitch(degree, tonic)))
                tick += eighths * EIGHTH
    return notes, degree


def _accent_velocity(tick_in_bar: int, meter: Meter) -> int:
    if tick_in_bar == 0:
        return DOWNBEAT_VELOCITY
    if tick_in_bar % meter.strong_beat_ticks == 0:
        return STRONG_BEAT_VELOCITY
    return WEAK_VELOCITY


def _triad(key: Key, root_degree: int) -> list[int]:
    """Root-position triad with its root between C3 and B3, like abc2midi's guitar-chord voicing."""
    root_pc = (key.tonic_pc + key.scale[root_degree % 7]) % 12
    root = 48 + root_pc
    base = key.scale[root_degree % 7]
    return [root + (key.scale[(root_degree + step) % 7] - base) % 12 for step in (0, 2, 4)]


def _pick_part_bars(rng: np.random.Generator, meter: Meter) -> int:
    """Part length in bars so that AABB lasts 16-32 s at 120 BPM."""
    bar_seconds = meter.bar_ticks / TICKS_PER_SECOND
    low = int(np.ceil(MIN_TUNE_SECONDS / (4 * bar_seconds)))
    high = int(np.floor(MAX_TUNE_SECONDS / (4 * bar_seconds)))
    return int(rng.integers(low, high + 1))


def _compose_tune(rng: np.random.Generator, key: Key, meter: Meter) -> tuple[list[Note], list[Note], int]:
    """AABB tune: returns melody notes, chord notes and the total length in ticks."""
    part_bars = _pick_part_bars(rng, meter)
    part_ticks = part_bars * meter.bar_ticks
    degree = 0
    melody: list[Note] = []
    chords: list[Note] = []
    for part_index, is_b_part in enumerate((False, True)):
        roots = _bar_progression(rng, part_bars, is_b_part)
        part_notes, degree = _part_melody(rng, key, meter, roots, degree + (4 if is_b_part else 0))
        for repeat in range(2):
            offset = (2 * part_index + repeat) * part_ticks
            for start, duration, pitch in part_notes:
                velocity = _accent_velocity(start % meter.bar_ticks, meter)
                # abc2midi ends each note one tick early so the next note_on never collides with it.
                melody.append(Note(offset + start, offset + start + duration - 1, pitch, velocity))
            for bar, root in enumerate(roots):
                bar_start = offset + bar * meter.bar_ticks
                for pitch in _triad(key, root):
                    chords.append(Note(bar_start, bar_start + meter.bar_ticks - 1, pitch, CHORD_VELOCITY))
    return melody, chords, 4 * part_ticks


def _note_events(notes: list[Note], channel: int) -> list[TimedEvent]:
    events: list[TimedEvent] = []
    for note in notes:
        note_on = mido.Message("note_on", channel=channel, note=note.pitch, velocity=note.velocity)
        events.append((note.start, 1, note_on))
        events.append((note.end, 0, mido.Message("note_off", channel=channel, note=note.pitch, velocity=0)))
    return events


def _tune_midi(title: str, source: str, key: Key, meter: Meter, rng: np.random.Generator) -> mido.MidiFile:
    melody, chords, total_ticks = _compose_tune(rng, key, meter)
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    conductor = [
        (0, 0, mido.MetaMessage("set_tempo", tempo=TEMPO_US_PER_QUARTER)),
        (0, 1, mido.MetaMessage("key_signature", key=key.name)),
        (
            0,
            2,
            mido.MetaMessage(
                "time_signature",
                numerator=meter.numerator,
                denominator=meter.denominator,
                clocks_per_click=meter.clocks_per_click,
                notated_32nd_notes_per_beat=8,
            ),
        ),
        (0, 3, mido.MetaMessage("track_name", name=title)),
    ]
    header_texts = [
        (0, -3, mido.MetaMessage("text", text=" Nottingham Music Database")),
        (0, -2, mido.MetaMessage("text", text=source)),
    ]
    melody_events = [(0, -4, mido.MetaMessage("track_name", name=title)), *header_texts]
    midi.tracks.append(_to_delta_track(conductor, total_ticks))
    midi.tracks.append(_to_delta_track(melody_events + _note_events(melody, MELODY_CHANNEL), total_ticks))
    midi.tracks.append(_to_delta_track(header_texts + _note_events(chords, CHORD_CHANNEL), total_ticks))
    return midi


def _tune_title(rng: np.random.Generator) -> str:
    return " ".join(str(words[int(rng.integers(len(words)))]) for words in TITLE_WORDS)


def write_nottingham_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write 48/12/12 abc2midi-style folk tunes into `source_dir/{train,valid,test}/`; return sorted paths."""
    source_dir = Path(source_dir)
    rng = np.random.default_rng(seed)
    used_numbers: dict[str, set[int]] = {name: set() for name in COLLECTION_METERS}
    written: list[Path] = []
    tune_index = 0
    for split, count in SPLIT_SIZES.items():
        for _ in range(count):
            collection = COLLECTION_CYCLE[tune_index % len(COLLECTION_CYCLE)]
            tune_index += 1
            number = int(rng.integers(1, 400))
            # File names are unique across splits, as in the real set.
            while number in used_numbers[collection]:
                number = int(rng.integers(1, 400))
            used_numbers[collection].add(number)
            key = Key(*KEYS[int(rng.integers(len(KEYS)))])
            source = SOURCES[int(rng.integers(len(SOURCES)))]
            midi = _tune_midi(_tune_title(rng), source, key, COLLECTION_METERS[collection], rng)
            path = source_dir / split / f"{collection}_simple_chords_{number}.mid"
            written.append(_atomic_write_midi(midi, path))
    return sorted(written)


# ---------------------------------------------------------------------------------------------------------
# Piano velocity (MAESTRO-like performance)

PIECE_BARS = 104
PHRASE_BARS = 4
SECTION_BARS = 8
PERFORMANCE_BPM = 92.0  # the musical tempo; the file still declares 120 BPM like MAESTRO does
MIN_VELOCITY = 20
MAX_VELOCITY = 110
# Dense textures are played louder, so note density carries part of the dynamic level.
TEXTURE_LEVELS = {"alberti": 36.0, "broken_octaves": 48.0, "block": 60.0}
SECTION_KEYS = (0, 7, 9, 5, 2, 0, 4, 7, 5, 0, 9, 0)


@dataclass
class PerformedNote:
    onset: float  # seconds
    duration: float
    pitch: int
    is_melody: bool
    chord_size: int
    bar: int
    beat: float  # position within the bar in beats


def _melody_bar(rng: np.random.Generator, bar: int, tonic: int, degree: int) -> tuple[list[PerformedNote], int]:
    """Right-hand line: eighths and quarters walking by scale steps from G4 upwards."""
    notes: list[PerformedNote] = []
    # Keeping the melody above G4 means it never shares a key with the left hand (at most E4).
    melody_tonic = 67 + (tonic - 67) % 12
    beat = 0.0
    while beat < 4.0:
        length = float(rng.choice((0.5, 0.5, 1.0, 1.0, 1.5))) if beat <= 2.5 else 4.0 - beat
        length = min(length, 4.0 - beat)
        degree = int(np.clip(degree + rng.choice((-2, -1, -1, 1, 1, 2, 3)), 0, 10))
        octave, step = divmod(degree, 7)
        pitch = melody_tonic + 12 * octave + MAJOR_SCALE[step]
        notes.append(PerformedNote(0.0, length, pitch, True, 1, bar, beat))
        beat += length
    return notes, degree


def _accompaniment_bar(texture: str, bar: int, tonic: int, chord_degree: int) -> list[PerformedNote]:
    """Left-hand pattern for one bar on the given chord (root position, around C3)."""
    root = 48 + (tonic + MAJOR_SCALE[chord_degree]) % 12
    triad = [root + (MAJOR_SCALE[(chord_degree + s) % 7] - MAJOR_SCALE[chord_degree]) % 12 for s in (0, 2, 4)]
    if texture == "alberti":
        order = (0, 2, 1, 2, 0, 2, 1, 2)
        return [PerformedNote(0.0, 0.5, triad[i], False, 1, bar, 0.5 * k) for k, i in enumerate(order)]
    if texture == "broken_octaves":
        notes: list[PerformedNote] = []
        for beat in (0.0, 2.0):
            notes += [PerformedNote(0.0, 1.0, p, False, 2, bar, beat) for p in (root - 12, root)]
            notes += [PerformedNote(0.0, 1.0, p, False, 3, bar, beat + 1.0) for p in triad]
        return notes
    chord = [root - 12, *triad]  # block chords: four-note chords on every beat
    return [PerformedNote(0.0, 1.0, p, False, len(chord), bar, float(b)) for b in range(4) for p in chord]


def _compose_piece(rng: np.random.Generator) -> tuple[list[PerformedNote], list[str]]:
    notes: list[PerformedNote] = []
    textures: list[str] = []
    degree = 4
    for section in range(PIECE_BARS // SECTION_BARS):
        texture = str(rng.choice(list(TEXTURE_LEVELS)))
        textures.append(texture)
        tonic = SECTION_KEYS[section % len(SECTION_KEYS)]
        for bar in range(section * SECTION_BARS, (section + 1) * SECTION_BARS):
            chord_degree = 4 if bar % PHRASE_BARS == PHRASE_BARS - 1 else int(rng.choice((0, 3, 4, 5)))
            melody, degree = _melody_bar(rng, bar, tonic, degree)
            notes += melody + _accompaniment_bar(texture, bar, tonic, chord_degree)
    return notes, textures


def _place_in_time(rng: np.random.Generator, notes: list[PerformedNote]) -> None:
    """Human timing: phrase-final ritardando, small onset jitter and slightly rolled chords."""
    beat_seconds = 60.0 / PERFORMANCE_BPM
    bar_starts = [0.0]
    for bar in range(PIECE_BARS):
        stretch = 1.12 if bar % PHRASE_BARS == PHRASE_BARS - 1 else 1.0
        bar_starts.append(bar_starts[-1] + 4 * beat_seconds * stretch)
    for note in notes:
        bar_seconds = bar_starts[note.bar + 1] - bar_starts[note.bar]
        jitter = rng.normal(0.0, 0.008) + (rng.uniform(0.0, 0.015) if note.chord_size > 1 else 0.0)
        note.onset = max(bar_starts[note.bar] + note.beat / 4 * bar_seconds + jitter, 0.0)
        legato = 0.95 if note.is_melody else 0.85
        note.duration = note.duration / 4 * bar_seconds * legato


def _local_density(onsets: np.ndarray, window: float = 1.0) -> np.ndarray:
    """Onsets per second within +-window/2 of each note."""
    left = np.searchsorted(onsets, onsets - window / 2, side="left")
    right = np.searchsorted(onsets, onsets + window / 2, side="right")
    return (right - left) / window


def _velocities(rng: np.random.Generator, notes: list[PerformedNote], textures: list[str]) -> np.ndarray:
    """The generative velocity model: the learnable structure lives here."""
    onsets = np.array([n.onset for n in notes])
    order = np.argsort(onsets, kind="stable")
    density = np.empty(len(notes))
    density[order] = _local_density(onsets[order])
    velocity = np.empty(len(notes))
    for i, note in enumerate(notes):
        level = TEXTURE_LEVELS[textures[note.bar // SECTION_BARS]]
        phrase_position = (note.bar % PHRASE_BARS + note.beat / 4) / PHRASE_BARS
        arc = 9.0 * np.sin(np.pi * phrase_position)  # crescendo to mid-phrase, diminuendo to the cadence
        hand = 11.0 + 0.45 * (note.pitch - 72) if note.is_melody else 0.25 * (note.pitch - 52)
        chord = 2.0 * (note.chord_size - 1)
        accent = 5.0 if note.beat == 0.0 else 0.0
        velocity[i] = level + arc + hand + chord + accent + 0.6 * (density[i] - 8.0)
    velocity += rng.normal(0.0, 4.0, size=len(notes))
    return np.clip(np.round(velocity), MIN_VELOCITY, MAX_VELOCITY).astype(int)


def _sustain_events(piece_end: float) -> list[TimedEvent]:
    """Pedal changes once per bar-ish with short ramps, the way a Disklavier records continuous CC64."""
    events: list[TimedEvent] = []
    bar_seconds = 4 * 60.0 / PERFORMANCE_BPM
    t = 0.05
    while t < piece_end:
        for k, value in enumerate((45, 90, 118)):
            events.append((round((t + 0.02 * k) * TICKS_PER_SECOND), 0, _pedal(value)))
        release = t + bar_seconds - 0.12
        for k, value in enumerate((80, 35, 0)):
            events.append((round((release + 0.02 * k) * TICKS_PER_SECOND), 0, _pedal(value)))
        t += bar_seconds
    return events


def _pedal(value: int) -> mido.Message:
    return mido.Message("control_change", channel=0, control=64, value=value)


def _performance_midi(notes: list[PerformedNote], velocities: np.ndarray) -> mido.MidiFile:
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    conductor = [
        (0, 0, mido.MetaMessage("set_tempo", tempo=TEMPO_US_PER_QUARTER)),
        (
            0,
            1,
            mido.MetaMessage(
                "time_signature",
                numerator=4,
                denominator=4,
                clocks_per_click=24,
                notated_32nd_notes_per_beat=8,
            ),
        ),
    ]
    midi.tracks.append(_to_delta_track(conductor, 1))
    events: list[TimedEvent] = [(0, -1, mido.Message("program_change", channel=0, program=0))]
    piece_end = 0.0
    for note, velocity in zip(notes, velocities, strict=True):
        start = round(note.onset * TICKS_PER_SECOND)
        end = max(round((note.onset + note.duration) * TICKS_PER_SECOND), start + 1)
        piece_end = max(piece_end, note.onset + note.duration)
        # MAESTRO writes note-offs as note_on with velocity 0.
        events.append((start, 2, mido.Message("note_on", channel=0, note=note.pitch, velocity=int(velocity))))
        events.append((end, 1, mido.Message("note_on", channel=0, note=note.pitch, velocity=0)))
    events += _sustain_events(piece_end)
    last_tick = max(tick for tick, _, _ in events)
    midi.tracks.append(_to_delta_track(events, last_tick + 1))
    return midi


def write_piano_velocity_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write one ~4-minute MAESTRO-style `performance.midi` into `source_dir`; return its path in a list."""
    source_dir = Path(source_dir)
    rng = np.random.default_rng(seed)
    notes, textures = _compose_piece(rng)
    _place_in_time(rng, notes)
    notes.sort(key=lambda n: (n.onset, n.pitch))
    velocities = _velocities(rng, notes, textures)
    path = _atomic_write_midi(_performance_midi(notes, velocities), source_dir / "performance.midi")
    return [path]
