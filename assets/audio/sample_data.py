"""Deterministic sample data in the exact raw formats of the two audio sources.

`write_fma_sample` imitates an fma_small download: `fma_metadata/tracks.csv` with the official 3-row
header and the 52 data columns (53 CSV fields with `track_id`) in the official order, `fma_metadata/
genres.csv` with real genre ids, and MP3 clips under `audio/<id // 1000 as 3 digits>/<6-digit id>.mp3`.
72 tracks: 6 root genres x 12, split per genre 8 training / 2 validation / 2 test, each split holding
whole artists (the official split is artist-filtered). `track/duration` is the full track's length in
seconds, as in FMA, while the clip is a 4-second excerpt (22,050 Hz mono).

`write_gtzan_sample` imitates the Kaggle GTZAN layout: `genres/<genre>/<genre>.<5 digits>.wav`, WAV PCM_16,
22,050 Hz mono, 10 clips per genre numbered 00000, 00010, ..., 00090 for 5 real GTZAN labels. The published
`features_30_sec.csv` is deliberately not written: it is computed from the audio elsewhere.

Learnable structure: each genre has its own timbre, tempo and rhythm (four-on-the-floor electronic at
128 BPM with saw synths, slow plucked folk without drums, 90 BPM boom-bap hip-hop, distorted 140 BPM rock,
gridless noise and glissandi for experimental, pentatonic melody over hand drums for international;
shuffled blues, drumless bowed classical, 120 BPM disco, 180 BPM metal, one-drop reggae). Every clip
varies in tempo (+-5%), key (+-3 semitones), progression, drum tuning and level, tone colour, gain and
background noise, so the genres overlap in any single feature but separate on spectral and rhythmic
features together (a nearest-mean classifier on four spectral features gets ~0.9 of FMA, not 1.0).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import soundfile as sf

T = TypeVar("T")

SAMPLE_RATE = 22_050
CLIP_SECONDS = 4.0
CLIP_SAMPLES = int(SAMPLE_RATE * CLIP_SECONDS)
STEPS_PER_BEAT = 4  # drum patterns are written on a 16th-note grid, 16 steps per 4/4 bar
PEAK_CEILING = 0.95  # headroom so MP3 decoding never clips

FMA_TRACKS_PER_GENRE = 12
# Artists per genre as (split, tracks): whole artists go to one split, as in FMA's artist-filtered split,
# which gives 8 training / 2 validation / 2 test tracks per genre.
FMA_ARTIST_PLAN = (("training", 4), ("training", 4), ("validation", 2), ("test", 2))
GTZAN_CLIPS_PER_GENRE = 10
GTZAN_NUMBER_STEP = 10

# The column MultiIndex of the official fma_metadata/tracks.csv, in file order. The index column
# `track_id` comes first in the file, so a CSV row has 53 fields.
TRACKS_INDEX_NAME = "track_id"
TRACKS_COLUMNS: tuple[tuple[str, str], ...] = (
    *(
        ("album", name)
        for name in (
            "comments", "date_created", "date_released", "engineer", "favorites", "id", "information",
            "listens", "producer", "tags", "title", "tracks", "type",
        )
    ),
    *(
        ("artist", name)
        for name in (
            "active_year_begin", "active_year_end", "associated_labels", "bio", "comments", "date_created",
            "favorites", "id", "latitude", "location", "longitude", "members", "name", "related_projects",
            "tags", "website", "wikipedia_page",
        )
    ),
    ("set", "split"),
    ("set", "subset"),
    *(
        ("track", name)
        for name in (
            "bit_rate", "comments", "composer", "date_created", "date_recorded", "duration", "favorites",
            "genre_top", "genres", "genres_all", "information", "interest", "language_code", "license",
            "listens", "lyricist", "number", "publisher", "tags", "title",
        )
    ),
)  # fmt: skip

# Rows copied from the real genres.csv: the 8 fma_small roots plus two sub-genres for each sampled root.
GENRES_CSV_ROWS: tuple[tuple[int, int, int, str, int], ...] = (
    (1, 8693, 38, "Avant-Garde", 38),
    (2, 5271, 0, "International", 2),
    (10, 13845, 0, "Pop", 10),
    (12, 32923, 0, "Rock", 12),
    (15, 34413, 0, "Electronic", 15),
    (17, 12706, 0, "Folk", 17),
    (21, 8389, 0, "Hip-Hop", 21),
    (25, 9261, 12, "Punk", 12),
    (32, 7268, 38, "Noise", 38),
    (33, 2267, 17, "Psych-Folk", 17),
    (38, 38154, 0, "Experimental", 38),
    (42, 5723, 15, "Ambient Electronic", 15),
    (66, 5432, 12, "Indie-Rock", 12),
    (79, 880, 2, "Reggae - Dub", 2),
    (103, 4162, 17, "Singer-Songwriter", 17),
    (100, 740, 21, "Alternative Hip-Hop", 21),
    (130, 727, 2, "Europe", 2),
    (183, 2809, 15, "Glitch", 15),
    (236, 3472, 15, "IDM", 15),
    (811, 1192, 21, "Hip-Hop Beats", 21),
    (1235, 14938, 0, "Instrumental", 1235),
)
GENRES_CSV_HEADER = ("genre_id", "#tracks", "parent", "title", "top_level")
FMA_LICENSES = (
    "Attribution-NonCommercial-ShareAlike 3.0 International",
    "Attribution-Noncommercial-Share Alike 3.0 United States",
    "Attribution-NonCommercial-NoDerivatives (aka Music Sharing) 3.0 International",
)
LOCATIONS = (
    ("New York, NY", 40.7127837, -74.0059413),
    ("Los Angeles, CA", 34.0522342, -118.2436849),
    ("Portland, OR", 45.5230622, -122.6764816),
    ("Chicago, IL", 41.8781136, -87.6297982),
    ("Philadelphia, PA", 39.9525839, -75.1652215),
    ("Berlin, Germany", 52.5200066, 13.404954),
)
NAME_WORDS = (
    ("Lunar", "Static", "Paper", "Velvet", "Hollow", "Copper", "Northern", "Quiet", "Golden", "Broken"),
    ("Harbor", "Machines", "Lanterns", "Orchard", "Signal", "Parade", "Tides", "Circuit", "Foxes", "Ashes"),
)


# ---------------------------------------------------------------------------------------------------------
# synthesis primitives


@dataclass(frozen=True)
class Variation:
    """Per-clip randomness shared by all genre renderers."""

    tempo_scale: float
    transpose: int
    gain: float
    noise_level: float
    drum_tuning: float
    drum_level: float  # mix balance between the kit and the pitched parts
    darkening: float  # 0 = bright master, 0.8 = heavily low-passed (a different room, mic or encoder)


def _draw_variation(rng: np.random.Generator) -> Variation:
    return Variation(
        tempo_scale=float(rng.uniform(0.95, 1.05)),
        transpose=int(rng.integers(-3, 4)),
        gain=float(rng.uniform(0.45, 0.9)),
        noise_level=float(rng.uniform(0.001, 0.008)),
        drum_tuning=float(rng.uniform(0.9, 1.1)),
        drum_level=float(rng.uniform(0.5, 1.2)),
        darkening=float(rng.uniform(0.0, 0.8)),
    )


def _hz(midi_pitch: float) -> float:
    return 440.0 * 2.0 ** ((midi_pitch - 69.0) / 12.0)


def _times(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE


def _add_at(buffer: np.ndarray, sound: np.ndarray, start_seconds: float) -> None:
    start = round(start_seconds * SAMPLE_RATE)
    if start >= len(buffer):
        return
    segment = sound[: len(buffer) - start]
    buffer[start : start + len(segment)] += segment


def _smooth(signal: np.ndarray, width: int) -> np.ndarray:
    """Moving-average low-pass: crude, but cheap and enough to darken a saw or colour noise."""
    if width <= 1:
        return signal
    return np.convolve(signal, np.ones(width) / width, mode="same")


def _kick(tuning: float, length: float = 0.3) -> np.ndarray:
    t = _times(length)
    frequency = tuning * (45.0 + 110.0 * np.exp(-t / 0.03))  # the pitch drop is what makes it a kick
    return np.sin(2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE) * np.exp(-t / 0.1)


def _snare(rng: np.random.Generator, tuning: float, decay: float = 0.06) -> np.ndarray:
    t = _times(0.25)
    body = 0.5 * np.sin(2 * np.pi * 185.0 * tuning * t) * np.exp(-t / 0.03)
    return body + 0.6 * rng.standard_normal(len(t)) * np.exp(-t / decay)


def _hat(rng: np.random.Generator, decay: float = 0.015, length: float = 0.12) -> np.ndarray:
    t = _times(length)
    # First difference of white noise tilts it towards the top octave, like a cymbal.
    return 0.35 * np.diff(rng.standard_normal(len(t) + 1)) * np.exp(-t / decay)


def _saw(frequency: float, seconds: float) -> np.ndarray:
    return 2.0 * ((frequency * _times(seconds)) % 1.0) - 1.0


def _pluck(frequency: float, seconds: float, decay: float, harmonics: int = 6) -> np.ndarray:
    """Additive plucked string: upper harmonics die faster, as on a real string."""
    t = _times(seconds)
    k = np.arange(1, harmonics + 1)[:, None]
    partials = np.sin(2 * np.pi * frequency * k * t) / k * np.exp(-t * k / decay)
    return partials.sum(axis=0) * np.minimum(t / 0.003, 1.0)


def _bowed(frequency: float, seconds: float, rng: np.random.Generator, harmonics: int = 8) -> np.ndarray:
    """Sustained string tone: slow attack and release, 5-6 Hz vibrato, 1/k harmonics."""
    t = _times(seconds)
    vibrato = 1.0 + 0.004 * np.sin(2 * np.pi * rng.uniform(5.0, 6.0) * t)
    phase = 2 * np.pi * np.cumsum(frequency * vibrato) / SAMPLE_RATE
    k = np.arange(1, harmonics + 1)[:, None]
    tone = (np.sin(k * phase) / k**1.5).sum(axis=0)
    envelope = np.minimum(t / 0.35, 1.0) * np.minimum((seconds - t) / 0.3, 1.0)
    return tone * np.clip(envelope, 0.0, 1.0)


def _power_chord(root_hz: float, seconds: float, drive: float, decay: float) -> np.ndarray:
    """Root, fifth and octave saws through a tanh clipper: the distortion adds the dense upper spectrum."""
    t = _times(seconds)
    raw = _saw(root_hz, seconds) + _saw(root_hz * 1.4983, seconds) + 0.7 * _saw(root_hz * 2.0, seconds)
    return np.tanh(drive * raw) * np.exp(-t / decay)


def _glissando(start_hz: float, end_hz: float, seconds: float) -> np.ndarray:
    t = _times(seconds)
    frequency = start_hz * (end_hz / start_hz) ** (t / seconds)
    envelope = np.sin(np.pi * t / seconds)
    return np.sin(2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE) * envelope


def _play_pattern(
    buffer: np.ndarray, sound: np.ndarray, pattern: str, bpm: float, level: float, swing: float = 0.0
) -> None:
    """Repeat a one-bar 16-step pattern ('x' = hit) over the clip; swing delays the off-16ths."""
    step_seconds = 60.0 / bpm / STEPS_PER_BEAT
    bar_seconds = step_seconds * len(pattern)
    bar_start = 0.0
    while bar_start < CLIP_SECONDS:
        for step, symbol in enumerate(pattern):
            if symbol == "x":
                delay = swing * step_seconds if step % 2 else 0.0
                _add_at(buffer, level * sound, bar_start + step * step_seconds + delay)
        bar_start += bar_seconds


def _chord_at_time(progression: tuple[int, ...], bar_seconds: float, time: float) -> int:
    return progression[int(time // bar_seconds) % len(progression)]


def _step_times(bpm: float, steps_per_beat: int) -> np.ndarray:
    return np.arange(0.0, CLIP_SECONDS, 60.0 / bpm / steps_per_beat)


def _choose(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


# ---------------------------------------------------------------------------------------------------------
# genre renderers: (rng, variation) -> mono float signal of CLIP_SAMPLES samples

Renderer = Callable[[np.random.Generator, Variation], np.ndarray]
MAJOR_PROGRESSIONS = ((0, 5, 7, 0), (0, 7, 9, 5), (0, 5, 0, 7), (9, 5, 0, 7))
MINOR_PROGRESSIONS = ((0, 8, 3, 10), (0, 5, 7, 0), (0, 10, 8, 7), (0, 3, 5, 3))
PENTATONIC = (0, 2, 4, 7, 9)


def _render_electronic(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = 128.0 * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    _play_pattern(out, _kick(v.drum_tuning), "x...x...x...x...", bpm, 1.0 * v.drum_level)
    _play_pattern(out, _hat(rng), "..x...x...x...x.", bpm, 0.5 * v.drum_level)
    _play_pattern(out, _snare(rng, v.drum_tuning, decay=0.04), "....x.......x...", bpm, 0.35 * v.drum_level)
    progression = _choose(rng, MINOR_PROGRESSIONS)
    bar_seconds = 4 * 60.0 / bpm
    root = 45 + v.transpose
    for time in _step_times(bpm, 2)[1::2]:  # off-beat saw bass, the classic house/trance pump
        note = root + _chord_at_time(progression, bar_seconds, time)
        bass = _smooth(_saw(_hz(note), 0.18), 4) * np.exp(-_times(0.18) / 0.08)
        _add_at(out, 0.35 * bass, time)
    for time in _step_times(bpm, 4)[rng.random(len(_step_times(bpm, 4))) < 0.3]:
        chord_root = root + 24 + _chord_at_time(progression, bar_seconds, time)
        stab = sum(_saw(_hz(chord_root + i), 0.15) for i in (0, 3, 7))
        _add_at(out, 0.12 * _smooth(stab, 2) * np.exp(-_times(0.15) / 0.06), time)
    return out


def _render_folk(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = float(rng.uniform(72.0, 90.0)) * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    progression = _choose(rng, MAJOR_PROGRESSIONS)
    bar_seconds = 4 * 60.0 / bpm
    root = 50 + v.transpose
    arpeggio = (0, 7, 12, 16, 12, 7, 4, 7)  # fingerpicked triad through two octaves
    for index, time in enumerate(_step_times(bpm, 2)):
        note = root + _chord_at_time(progression, bar_seconds, time) + arpeggio[index % len(arpeggio)]
        _add_at(out, 0.3 * _pluck(_hz(note), 1.2, decay=0.9, harmonics=5), time)
    melody_degree = 2
    for time in _step_times(bpm, 1):  # a slow voice-like melody on the beat
        melody_degree = int(np.clip(melody_degree + rng.choice((-1, 0, 1)), 0, 4))
        note = root + 24 + PENTATONIC[melody_degree]
        _add_at(out, 0.15 * _bowed(_hz(note), 60.0 / bpm, rng, harmonics=4), time)
    return out


def _render_hiphop(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = 90.0 * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    swing = float(rng.uniform(0.1, 0.3))
    _play_pattern(out, _kick(v.drum_tuning * 0.9, 0.4), "x.........x.....", bpm, 1.0 * v.drum_level)
    _play_pattern(out, _kick(v.drum_tuning * 0.9, 0.4), ".......x........", bpm, 0.7 * v.drum_level)
    _play_pattern(out, _snare(rng, v.drum_tuning, decay=0.08), "....x.......x...", bpm, 0.8 * v.drum_level)
    _play_pattern(out, _hat(rng), "x.x.x.x.x.x.x.x.", bpm, 0.35 * v.drum_level, swing=swing)
    progression = _choose(rng, MINOR_PROGRESSIONS)
    bar_seconds = 4 * 60.0 / bpm
    root = 33 + v.transpose
    for time in _step_times(bpm, 1):  # sub bass that follows the loop's chords
        note = root + _chord_at_time(progression, bar_seconds, time)
        bass = np.sin(2 * np.pi * _hz(note) * _times(0.6)) * np.exp(-_times(0.6) / 0.4)
        _add_at(out, 0.5 * bass, time)
    for bar_time in np.arange(0.0, CLIP_SECONDS, bar_seconds):  # dusty sampled chord loop, heavily darkened
        chord_root = root + 36 + _chord_at_time(progression, bar_seconds, bar_time)
        chord = sum(_saw(_hz(chord_root + i), bar_seconds) for i in (0, 3, 7, 10))
        _add_at(out, 0.06 * _smooth(chord, 12), bar_time)
    return out


def _render_rock(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = 140.0 * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    _play_pattern(out, _kick(v.drum_tuning), "x.......x.x.....", bpm, 0.9 * v.drum_level)
    _play_pattern(out, _snare(rng, v.drum_tuning), "....x.......x...", bpm, 0.8 * v.drum_level)
    _play_pattern(out, _hat(rng, decay=0.03), "x.x.x.x.x.x.x.x.", bpm, 0.4 * v.drum_level)
    progression = _choose(rng, MAJOR_PROGRESSIONS)
    bar_seconds = 4 * 60.0 / bpm
    root = 40 + v.transpose
    drive = float(rng.uniform(3.0, 6.0))
    eighth = 30.0 / bpm
    for time in _step_times(bpm, 2):  # eighth-note downstrokes on power chords
        note = root + _chord_at_time(progression, bar_seconds, time)
        _add_at(out, 0.3 * _power_chord(_hz(note), eighth, drive, decay=0.4), time)
    return out


def _render_experimental(rng: np.random.Generator, v: Variation) -> np.ndarray:
    out = np.zeros(CLIP_SAMPLES)
    for _ in range(int(rng.integers(4, 10))):  # noise bursts off any grid, each with its own colour
        seconds = float(rng.uniform(0.05, 0.6))
        t = _times(seconds)
        burst = _smooth(rng.standard_normal(len(t)), int(rng.integers(1, 30)))
        envelope = np.exp(-t / rng.uniform(0.02, 0.3)) if rng.random() < 0.6 else np.sin(np.pi * t / seconds)
        burst = burst * envelope / (np.abs(burst).max() + 1e-9)
        _add_at(out, float(rng.uniform(0.2, 0.8)) * burst, float(rng.uniform(0.0, CLIP_SECONDS - 0.05)))
    for _ in range(int(rng.integers(2, 5))):  # slow glissandi across several octaves
        seconds = float(rng.uniform(0.6, 2.5))
        start_hz, end_hz = (float(f) * 2.0 ** (v.transpose / 12) for f in rng.uniform(80.0, 2000.0, size=2))
        start = float(rng.uniform(0.0, CLIP_SECONDS - 0.5))
        _add_at(out, 0.35 * _glissando(start_hz, end_hz, seconds), start)
    return out


def _hand_drum(tuning: float, high: bool, rng: np.random.Generator) -> np.ndarray:
    """Doumbek-style 'dum' (low, ringing) or 'tek' (high, dry slap)."""
    t = _times(0.3)
    frequency, decay = (420.0, 0.04) if high else (110.0, 0.15)
    body = np.sin(2 * np.pi * frequency * tuning * t) * np.exp(-t / decay)
    slap = 0.3 * rng.standard_normal(len(t)) * np.exp(-t / 0.01)
    return body + slap


def _render_international(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = 100.0 * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    _play_pattern(out, _hand_drum(v.drum_tuning, False, rng), "x.....x...x.....", bpm, 0.8 * v.drum_level)
    _play_pattern(out, _hand_drum(v.drum_tuning, True, rng), "...x..x.x...x.x.", bpm, 0.5 * v.drum_level)
    tonic = 62 + v.transpose
    degree = int(rng.integers(0, 5))
    for time in _step_times(bpm, 2):  # pentatonic melody with a plucked, zither-like tone
        if rng.random() < 0.2:
            continue
        degree = int(np.clip(degree + rng.choice((-2, -1, 1, 2)), 0, 9))
        octave, step = divmod(degree, 5)
        note = tonic + 12 * octave + PENTATONIC[step]
        _add_at(out, 0.3 * _pluck(_hz(note), 0.6, decay=0.35, harmonics=4), time)
    drone = _bowed(_hz(tonic - 24), CLIP_SECONDS, rng, harmonics=3)
    return out + 0.08 * drone


def _render_blues(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = float(rng.uniform(76.0, 92.0)) * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    beat = 60.0 / bpm
    root = 40 + v.transpose
    progression = _choose(rng, ((0, 0, 5, 0), (0, 5, 0, 7), (0, 5, 5, 0)))
    for beat_index, time in enumerate(_step_times(bpm, 1)):
        chord = root + _chord_at_time(progression, 4 * beat, time)
        upper = 7 if beat_index % 2 == 0 else 9  # the boogie shuffle: fifth, sixth, fifth, sixth
        for offset, length in ((0.0, 2 / 3), (2 / 3, 1 / 3)):  # swung long-short triplet feel
            dyad = sum(_pluck(_hz(chord + i), length * beat, 0.5, 8) for i in (0, upper))
            _add_at(out, 0.25 * np.tanh(1.5 * dyad), time + offset * beat)
        walk = (0, 4, 7, 9)[beat_index % 4]
        _add_at(out, 0.3 * _pluck(_hz(chord - 12 + walk), beat, 0.6, 3), time)
    _play_pattern(out, _kick(v.drum_tuning), "x.......x.......", bpm, 0.5 * v.drum_level)
    _play_pattern(out, _snare(rng, v.drum_tuning, decay=0.12), "....x.......x...", bpm, 0.35 * v.drum_level)
    return out


def _render_classical(rng: np.random.Generator, v: Variation) -> np.ndarray:
    out = np.zeros(CLIP_SAMPLES)
    chord_seconds = float(rng.uniform(1.2, 2.0)) / v.tempo_scale
    progression = _choose(rng, MAJOR_PROGRESSIONS)
    root = 55 + v.transpose
    for index, time in enumerate(np.arange(0.0, CLIP_SECONDS, chord_seconds)):
        chord_root = root + progression[index % len(progression)]
        for interval in (-12, 0, 4, 7):  # string section: cello root plus a close triad
            _add_at(out, 0.12 * _bowed(_hz(chord_root + interval), chord_seconds + 0.2, rng), time)
        melody = chord_root + 12 + int(_choose(rng, (0, 4, 7, 12)))
        _add_at(out, 0.1 * _bowed(_hz(melody), chord_seconds, rng, harmonics=10), time)
    return out


def _render_disco(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = 120.0 * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    _play_pattern(out, _kick(v.drum_tuning), "x...x...x...x...", bpm, 0.9 * v.drum_level)
    _play_pattern(out, _snare(rng, v.drum_tuning), "....x.......x...", bpm, 0.6 * v.drum_level)
    _play_pattern(out, _hat(rng, decay=0.08, length=0.25), "..x...x...x...x.", bpm, 0.6 * v.drum_level)  # open hat
    _play_pattern(out, _hat(rng), "xxxxxxxxxxxxxxxx", bpm, 0.15 * v.drum_level)
    progression = _choose(rng, MINOR_PROGRESSIONS)
    bar_seconds = 4 * 60.0 / bpm
    root = 40 + v.transpose
    for index, time in enumerate(_step_times(bpm, 2)):  # octave-jumping bass
        note = root + _chord_at_time(progression, bar_seconds, time) + (12 if index % 2 else 0)
        _add_at(out, 0.3 * _smooth(_saw(_hz(note), 0.2), 6) * np.exp(-_times(0.2) / 0.1), time)
    for time in _step_times(bpm, 4)[2::4]:  # chicken-scratch guitar chords on the off-beat 16ths
        chord_root = root + 24 + _chord_at_time(progression, bar_seconds, time)
        stab = sum(_pluck(_hz(chord_root + i), 0.12, 0.08, 10) for i in (0, 3, 7))
        _add_at(out, 0.15 * stab, time)
    return out


def _render_metal(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = 180.0 * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    _play_pattern(out, _kick(v.drum_tuning * 1.2, 0.1), "xxxxxxxxxxxxxxxx", bpm, 0.6 * v.drum_level)  # double bass drum
    _play_pattern(out, _snare(rng, v.drum_tuning), "....x.......x...", bpm, 0.8 * v.drum_level)
    _play_pattern(out, _hat(rng, decay=0.6, length=1.2), "x...............", bpm, 0.5 * v.drum_level)  # crash
    root = 28 + v.transpose  # drop-tuned low E
    riff = _choose(rng, ((0, 0, 0, 1), (0, 0, 3, 0), (0, 5, 0, 6)))
    drive = float(rng.uniform(10.0, 20.0))
    sixteenth = 15.0 / bpm
    for index, time in enumerate(_step_times(bpm, 4)):  # palm-muted sixteenth chugs
        note = root + riff[(index // 4) % len(riff)]
        _add_at(out, 0.3 * _power_chord(_hz(note), sixteenth, drive, decay=0.05), time)
    return out


def _render_reggae(rng: np.random.Generator, v: Variation) -> np.ndarray:
    bpm = float(rng.uniform(70.0, 80.0)) * v.tempo_scale
    out = np.zeros(CLIP_SAMPLES)
    _play_pattern(out, _kick(v.drum_tuning * 0.9, 0.4), "........x.......", bpm, 1.0 * v.drum_level)  # the one drop
    rim = np.sin(2 * np.pi * 800.0 * _times(0.05)) * np.exp(-_times(0.05) / 0.01)
    _play_pattern(out, rim, "........x.......", bpm, 0.5 * v.drum_level)
    _play_pattern(out, _hat(rng), "x.x.x.x.x.x.x.x.", bpm, 0.25 * v.drum_level, swing=0.2)
    progression = _choose(rng, ((0, 5, 0, 5), (0, 10, 0, 10), (0, 7, 5, 0)))
    bar_seconds = 4 * 60.0 / bpm
    root = 36 + v.transpose
    for time in _step_times(bpm, 4)[2::4]:  # skank: short bright chords on every off-beat
        chord_root = root + 24 + _chord_at_time(progression, bar_seconds, time)
        skank = sum(_pluck(_hz(chord_root + i), 0.1, 0.06, 8) for i in (0, 4, 7))
        _add_at(out, 0.2 * skank, time)
    bass_steps = (0, 3, 6, 8, 11)
    bass_line = (0, 0, 7, 5, 3)
    step_seconds = 60.0 / bpm / STEPS_PER_BEAT
    for bar_time in np.arange(0.0, CLIP_SECONDS, bar_seconds):  # melodic sub bass
        chord = root + _chord_at_time(progression, bar_seconds, bar_time)
        for step, interval in zip(bass_steps, bass_line, strict=True):
            tone = np.sin(2 * np.pi * _hz(chord + interval) * _times(0.3)) * np.exp(-_times(0.3) / 0.2)
            _add_at(out, 0.5 * tone, bar_time + step * step_seconds)
    return out


FMA_RENDERERS: dict[str, Renderer] = {
    "Electronic": _render_electronic,
    "Experimental": _render_experimental,
    "Folk": _render_folk,
    "Hip-Hop": _render_hiphop,
    "International": _render_international,
    "Rock": _render_rock,
}
GTZAN_RENDERERS: dict[str, Renderer] = {
    "blues": _render_blues,
    "classical": _render_classical,
    "disco": _render_disco,
    "metal": _render_metal,
    "reggae": _render_reggae,
}


def _render_clip(renderer: Renderer, rng: np.random.Generator) -> np.ndarray:
    """Render one clip, add background noise and scale its peak to the clip's gain."""
    variation = _draw_variation(rng)
    signal = renderer(rng, variation)[:CLIP_SAMPLES]
    signal = (1.0 - variation.darkening) * signal + variation.darkening * _smooth(signal, 8)
    signal = signal + variation.noise_level * rng.standard_normal(CLIP_SAMPLES) * np.abs(signal).max()
    peak = np.abs(signal).max()
    scaled = signal * (min(variation.gain, PEAK_CEILING) / peak if peak > 0 else 1.0)
    return scaled.astype(np.float32)


# ---------------------------------------------------------------------------------------------------------
# file writing


def _atomic_write_bytes(path: Path, payload: bytes) -> Path:
    """Write via a temp file in the same folder so readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _encode(signal: np.ndarray, audio_format: str, subtype: str) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, signal, SAMPLE_RATE, format=audio_format, subtype=subtype)
    return buffer.getvalue()


def _clip_rng(seed: int, source: str, genre: str, index: int) -> np.random.Generator:
    """One independent stream per clip, so a clip does not change when another genre is edited."""
    key = [ord(ch) for ch in f"{source}/{genre}"]
    return np.random.default_rng([seed, index, *key])


# ---------------------------------------------------------------------------------------------------------
# FMA


def fma_audio_path(track_id: int) -> Path:
    """Relative path of a track's clip, foldered by thousands as in the FMA download."""
    return Path("audio") / f"{track_id // 1000:03d}" / f"{track_id:06d}.mp3"


def _genre_id(title: str) -> int:
    return next(row[0] for row in GENRES_CSV_ROWS if row[3] == title and row[2] == 0)


def _sub_genres(root_id: int) -> list[int]:
    return [row[0] for row in GENRES_CSV_ROWS if row[4] == root_id and row[2] != 0]


def _fma_timestamp(rng: np.random.Generator, first_year: int = 2009, last_year: int = 2016) -> str:
    moment = pd.Timestamp(f"{first_year}-01-01") + pd.Timedelta(
        seconds=int(rng.integers(0, (last_year - first_year + 1) * 365 * 86_400))
    )
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _artist_name(rng: np.random.Generator) -> str:
    return " ".join(str(_choose(rng, words)) for words in NAME_WORDS)


def _artist_fields(rng: np.random.Generator, artist_id: int, name: str) -> dict[tuple[str, str], object]:
    location, latitude, longitude = _choose(rng, LOCATIONS)
    slug = name.lower().replace(" ", "")
    return {
        ("artist", "active_year_begin"): f"{int(rng.integers(1995, 2012))}-01-01 00:00:00",
        ("artist", "active_year_end"): np.nan,
        ("artist", "associated_labels"): np.nan,
        ("artist", "bio"): f"<p>{name} records at home in {location}.</p>",
        ("artist", "comments"): int(rng.integers(0, 3)),
        ("artist", "date_created"): _fma_timestamp(rng, 2008, 2010),
        ("artist", "favorites"): int(rng.integers(0, 40)),
        ("artist", "id"): artist_id,
        ("artist", "latitude"): latitude,
        ("artist", "location"): location,
        ("artist", "longitude"): longitude,
        ("artist", "members"): np.nan,
        ("artist", "name"): name,
        ("artist", "related_projects"): np.nan,
        ("artist", "tags"): f"['{slug}']",
        ("artist", "website"): f"http://{slug}.bandcamp.com",
        ("artist", "wikipedia_page"): np.nan,
    }


def _album_fields(rng: np.random.Generator, album_id: int, n_tracks: int) -> dict[tuple[str, str], object]:
    created = _fma_timestamp(rng, 2009, 2015)
    return {
        ("album", "comments"): 0,
        ("album", "date_created"): created,
        ("album", "date_released"): created[:10] + " 00:00:00",
        ("album", "engineer"): np.nan,
        ("album", "favorites"): int(rng.integers(0, 10)),
        ("album", "id"): album_id,
        ("album", "information"): "<p></p>",
        ("album", "listens"): int(rng.integers(1_000, 20_000)),
        ("album", "producer"): np.nan,
        ("album", "tags"): "[]",
        ("album", "title"): f"{_choose(rng, NAME_WORDS[0])} {_choose(rng, NAME_WORDS[1])}",
        ("album", "tracks"): n_tracks,
        ("album", "type"): "Album",
    }


def _track_fields(rng: np.random.Generator, genre: str, split: str, number: int) -> dict[tuple[str, str], object]:
    root = _genre_id(genre)
    genres = [root] if rng.random() < 0.6 else [int(_choose(rng, tuple(_sub_genres(root))))]
    genres_all = sorted({root, *genres})
    listens = int(rng.integers(400, 6_000))
    return {
        ("set", "split"): split,
        ("set", "subset"): "small",
        ("track", "bit_rate"): int(_choose(rng, (256_000, 256_000, 320_000, 128_000))),
        ("track", "comments"): 0,
        ("track", "composer"): np.nan,
        ("track", "date_created"): _fma_timestamp(rng),
        ("track", "date_recorded"): np.nan,
        ("track", "duration"): int(rng.integers(90, 420)),
        ("track", "favorites"): int(rng.integers(0, 12)),
        ("track", "genre_top"): genre,
        ("track", "genres"): str(genres),
        ("track", "genres_all"): str(genres_all),
        ("track", "information"): np.nan,
        ("track", "interest"): listens + int(rng.integers(200, 3_000)),
        ("track", "language_code"): "en" if genre in ("Hip-Hop", "Folk", "Rock") else np.nan,
        ("track", "license"): str(_choose(rng, FMA_LICENSES)),
        ("track", "listens"): listens,
        ("track", "lyricist"): np.nan,
        ("track", "number"): number,
        ("track", "publisher"): np.nan,
        ("track", "tags"): "[]",
        ("track", "title"): f"{_choose(rng, NAME_WORDS[0])} {_choose(rng, NAME_WORDS[1])}",
    }


def _fma_tracks_table(rng: np.random.Generator) -> pd.DataFrame:
    genres = list(FMA_RENDERERS)
    n_tracks = len(genres) * FMA_TRACKS_PER_GENRE
    track_ids = np.sort(rng.choice(np.arange(2, 155_000), size=n_tracks, replace=False))
    order = rng.permutation(n_tracks)  # genres interleave across the id range, as in FMA
    rows: dict[int, dict[tuple[str, str], object]] = {}
    slot = 0
    artist_id = int(rng.integers(1, 500))
    album_id = int(rng.integers(1, 500))
    for genre in genres:
        for split, count in FMA_ARTIST_PLAN:
            artist_id += int(rng.integers(1, 300))
            album_id += int(rng.integers(1, 300))
            artist = _artist_fields(rng, artist_id, _artist_name(rng))
            album = _album_fields(rng, album_id, count)
            for number in range(1, count + 1):
                track_id = int(track_ids[order[slot]])
                slot += 1
                rows[track_id] = {**album, **artist, **_track_fields(rng, genre, split, number)}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame = frame.reindex(columns=pd.MultiIndex.from_tuples(TRACKS_COLUMNS)).sort_index()
    frame.index.name = TRACKS_INDEX_NAME
    return frame


def _genres_csv() -> str:
    frame = pd.DataFrame(list(GENRES_CSV_ROWS), columns=list(GENRES_CSV_HEADER)).sort_values("genre_id")
    return frame.to_csv(index=False, lineterminator="\n")


def write_fma_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write fma_metadata/{tracks,genres}.csv and 72 four-second MP3 clips; return the sorted paths."""
    source_dir = Path(source_dir)
    rng = np.random.default_rng(seed)
    tracks = _fma_tracks_table(rng)
    written = [
        _atomic_write_bytes(
            source_dir / "fma_metadata" / "tracks.csv",
            tracks.to_csv(lineterminator="\n").encode("utf-8"),
        ),
        _atomic_write_bytes(source_dir / "fma_metadata" / "genres.csv", _genres_csv().encode("utf-8")),
    ]
    for track_id, genre in tracks[("track", "genre_top")].items():
        signal = _render_clip(FMA_RENDERERS[genre], _clip_rng(seed, "fma", genre, int(track_id)))
        payload = _encode(signal, "MP3", "MPEG_LAYER_III")
        written.append(_atomic_write_bytes(source_dir / fma_audio_path(int(track_id)), payload))
    return sorted(written)


# ---------------------------------------------------------------------------------------------------------
# GTZAN


def gtzan_clip_path(genre: str, number: int) -> Path:
    return Path("genres") / genre / f"{genre}.{number:05d}.wav"


def write_gtzan_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write 10 PCM_16 clips for each of 5 GTZAN genres under genres/<genre>/; return the sorted paths."""
    source_dir = Path(source_dir)
    written: list[Path] = []
    for genre, renderer in GTZAN_RENDERERS.items():
        for index in range(GTZAN_CLIPS_PER_GENRE):
            number = index * GTZAN_NUMBER_STEP
            signal = _render_clip(renderer, _clip_rng(seed, "gtzan", genre, number))
            payload = _encode(signal, "WAV", "PCM_16")
            written.append(_atomic_write_bytes(source_dir / gtzan_clip_path(genre, number), payload))
    return sorted(written)
