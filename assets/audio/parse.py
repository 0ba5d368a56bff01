"""Reading the two audio collections into one track table: FMA metadata + clips, GTZAN clips + feature table.

Every track gets a collection, an id, a genre, a split and (when it has a readable clip) its audio path
and duration. Nothing is dropped silently: rows and files that cannot be used come back as BadRecords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assets.audio.features import FEATURE_COLUMNS, MAX_CLIP_SECONDS, check_clip_seconds
from assets.common.quarantine import BadRecord, BadRecords, NoGoodRecordsError, failure_reason
from assets.common.splits import stratified_split

TRACK_COLUMNS = ["collection", "track_id", "genre", "split", "duration_seconds", "audio_path", "has_shipped_features"]
FMA_TRACKS_FILE = "fma_metadata/tracks.csv"
FMA_REQUIRED_COLUMNS = (("track", "genre_top"), ("set", "split"), ("set", "subset"), ("track", "duration"))
FMA_SPLITS = {"training": "train", "validation": "valid", "test": "test"}
FMA_CLIP = re.compile(r"^audio/\d{3}/(?P<track>\d{6})\.(mp3|wav|au)$", re.IGNORECASE)
GTZAN_CLIP = re.compile(
    r"^(genres|genres_original)/(?P<folder>[a-z]+)/(?P<genre>[a-z]+)\.(?P<number>\d{5})\.(wav|au)$", re.IGNORECASE
)
GTZAN_TABLE_FILE = "features_30_sec.csv"
GTZAN_TABLE_COLUMNS = ("filename", "length", *FEATURE_COLUMNS, "label")
# GTZAN clips of one genre come in artist runs, so the split follows the clip number, not chance.
GTZAN_SPLIT_BOUNDS = ((60, "train"), (80, "valid"), (100, "test"))
RANDOM_SPLIT = {"valid": 0.16, "test": 0.20}
MIN_CLIP_SECONDS = 1.0  # shorter files are truncated downloads, too short for any feature


@dataclass
class Parsed:
    """Good rows plus the records set aside while reading them."""

    frame: pd.DataFrame
    bad: BadRecords = field(default_factory=BadRecords)


def manifest_lookup(manifest: pd.DataFrame, relative_path: str) -> str | None:
    """Absolute path of one raw file by its path relative to the source folder, or None."""
    hits = manifest.loc[manifest["relative_path"] == relative_path, "path"]
    return str(hits.iloc[0]) if len(hits) else None


# ---------------------------------------------------------------------------------------------------------
# FMA


def read_fma_tracks(path: str | Path) -> Parsed:
    """FMA `tracks.csv` (3-row header) -> track_id, genre (`track/genre_top`), FMA split, subset, duration."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, index_col=0, header=[0, 1], low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: not an FMA tracks.csv with a 3-row header ({error})") from error
    missing = [column for column in FMA_REQUIRED_COLUMNS if column not in raw.columns]
    if missing:
        expected = ", ".join("/".join(column) for column in FMA_REQUIRED_COLUMNS)
        raise ValueError(f"{path}: missing columns {['/'.join(c) for c in missing]}; expected at least {expected}")
    rows, bad = [], BadRecords()
    for position, (track_id, record) in enumerate(raw.iterrows()):
        row_number = position + 4  # three header rows, 1-based
        content = f"track_id={track_id}"
        try:
            track = int(track_id)
        except (TypeError, ValueError):
            bad.append(BadRecord(str(path), row_number, f"track_id {track_id!r} is not an integer", content))
            continue
        genre = record[("track", "genre_top")]
        if not isinstance(genre, str) or not genre.strip():
            bad.append(BadRecord(str(path), row_number, "track/genre_top is empty (no single root genre)", content))
            continue
        split = record[("set", "split")]
        duration = pd.to_numeric(record[("track", "duration")], errors="coerce")
        rows.append(
            {
                "track_id": str(track),
                "genre": genre.strip(),
                "fma_split": FMA_SPLITS.get(split) if isinstance(split, str) else None,
                "subset": record[("set", "subset")] if isinstance(record[("set", "subset")], str) else None,
                "track_duration_seconds": float(duration) if pd.notna(duration) else np.nan,
            }
        )
    frame = pd.DataFrame(rows, columns=["track_id", "genre", "fma_split", "subset", "track_duration_seconds"])
    if frame.empty:
        raise NoGoodRecordsError.from_records(str(path), bad)
    duplicated = frame["track_id"].duplicated()
    bad.extend(
        BadRecord(str(path), None, f"duplicate track_id {track_id}", f"track_id={track_id}")
        for track_id in frame.loc[duplicated, "track_id"]
    )
    return Parsed(frame.loc[~duplicated].reset_index(drop=True), bad)


def fma_clip_paths(manifest: pd.DataFrame) -> tuple[dict[str, str], BadRecords]:
    """track_id -> clip path for files under `audio/`; audio files elsewhere are reported."""
    clips: dict[str, str] = {}
    bad = BadRecords()
    for relative_path, path in zip(manifest["relative_path"], manifest["path"], strict=True):
        if relative_path.lower().endswith(".csv"):
            continue
        match = FMA_CLIP.match(relative_path)
        if match is None:
            bad.append(BadRecord(path, None, "audio file outside audio/<3 digits>/<6 digits>.mp3", relative_path))
            continue
        clips[str(int(match["track"]))] = path
    return clips, bad


def assign_fma_splits(tracks: pd.DataFrame, seed: int) -> list[str]:
    """FMA's own `set/split` when every track has one, else a seeded stratified 64/16/20 split."""
    if tracks["fma_split"].notna().all():
        return tracks["fma_split"].tolist()
    return stratified_split(tracks["genre"].tolist(), RANDOM_SPLIT["valid"], RANDOM_SPLIT["test"], seed)


# ---------------------------------------------------------------------------------------------------------
# GTZAN


def gtzan_split(number: int) -> str:
    """00000-00059 train, 00060-00079 valid, 00080-00099 test (numbers past 99 count modulo 100)."""
    position = number % 100
    for bound, split in GTZAN_SPLIT_BOUNDS:
        if position < bound:
            return split
    raise ValueError(f"clip number {number} out of range")


def parse_gtzan_name(name: str) -> tuple[str, int] | None:
    """`blues.00042(.wav)` -> ("blues", 42), or None when the name is not a GTZAN clip name."""
    match = re.match(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})(\.(wav|au))?$", name, re.IGNORECASE)
    return (match["genre"].lower(), int(match["number"])) if match else None


def read_gtzan_table(path: str | Path) -> Parsed:
    """Kaggle `features_30_sec.csv` -> track_id, genre, `length` and the 57 features (numeric rows only)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a CSV feature table ({error})") from error
    missing = [column for column in GTZAN_TABLE_COLUMNS if column not in raw.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}; expected {', '.join(GTZAN_TABLE_COLUMNS)}")
    numeric = raw[["length", *FEATURE_COLUMNS]].apply(pd.to_numeric, errors="coerce")
    rows, bad = [], BadRecords()
    for position, filename in enumerate(raw["filename"]):
        row_number = position + 2  # one header row, 1-based
        parsed = parse_gtzan_name(str(filename))
        values = numeric.iloc[position]
        if parsed is None:
            bad.append(BadRecord(str(path), row_number, f"filename {filename!r} is not <genre>.<5 digits>.wav"))
            continue
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            bad_columns = values.index[~np.isfinite(values.to_numpy(dtype=float))].tolist()
            bad.append(BadRecord(str(path), row_number, f"non-numeric values in {bad_columns}", str(filename)))
            continue
        genre, number = parsed
        rows.append({"track_id": f"{genre}.{number:05d}", "genre": str(raw["label"].iloc[position]), **values})
    frame = pd.DataFrame(rows, columns=["track_id", "genre", "length", *FEATURE_COLUMNS])
    if frame.empty:
        raise NoGoodRecordsError.from_records(str(path), bad)
    return Parsed(frame, bad)


def gtzan_clip_paths(manifest: pd.DataFrame) -> tuple[dict[str, str], BadRecords]:
    """track_id -> clip path for `genres[_original]/<genre>/<genre>.<5 digits>.wav|au`; other audio reported."""
    clips: dict[str, str] = {}
    bad = BadRecords()
    for relative_path, path in zip(manifest["relative_path"], manifest["path"], strict=True):
        if relative_path.lower().endswith(".csv"):
            continue
        match = GTZAN_CLIP.match(relative_path)
        if match is None or match["folder"].lower() != match["genre"].lower():
            bad.append(BadRecord(path, None, "not genres/<genre>/<genre>.<5 digits>.wav|au", relative_path))
            continue
        clips[f"{match['genre'].lower()}.{match['number']}"] = path
    return clips, bad


def shipped_gtzan_features(manifest: pd.DataFrame) -> Parsed | None:
    """The published feature table of a GTZAN folder, or None when the folder has none."""
    path = manifest_lookup(manifest, GTZAN_TABLE_FILE)
    return read_gtzan_table(path) if path else None


# ---------------------------------------------------------------------------------------------------------
# both collections


def riff_shortfall(path: str) -> int:
    """Bytes missing from a WAV file by its RIFF header (0 when complete, unknown-size or not a WAV).

    libsndfile silently shortens a WAV whose data stops early, so a truncated download would pass as a
    shorter clip; the RIFF size in the header is what the writer meant to write.
    """
    with open(path, "rb") as handle:
        head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return 0
    declared = int.from_bytes(head[4:8], "little")
    if declared in (0, 0xFFFFFFFF):  # streaming writers leave the size unset
        return 0
    return max(declared + 8 - Path(path).stat().st_size, 0)


def probe_clip(path: str, max_seconds: float = MAX_CLIP_SECONDS) -> float:
    """Duration in seconds from the file header; raises when the file is not decodable audio, truncated, or
    longer than ``max_seconds`` (LimitExceededError). Nothing is decoded."""
    import soundfile

    missing = riff_shortfall(path)
    if missing:
        raise ValueError(f"{path}: truncated WAV, {missing} bytes short of the size its RIFF header declares")
    info = soundfile.info(path)
    if info.frames <= 0 or info.samplerate <= 0:
        raise ValueError(f"{path}: no audio frames")
    seconds = info.frames / info.samplerate
    if seconds < MIN_CLIP_SECONDS:
        raise ValueError(f"{path}: {seconds:.2f} s of audio, shorter than {MIN_CLIP_SECONDS} s (truncated?)")
    check_clip_seconds(seconds, max_seconds)
    return seconds


def attach_audio(
    tracks: pd.DataFrame, clips: dict[str, str], collection: str, max_clip_seconds: float = MAX_CLIP_SECONDS
) -> Parsed:
    """Add audio path and duration; a track with an unreadable clip or no data at all is set aside.

    A track whose clip is missing, unreadable or longer than ``max_clip_seconds`` stays when a shipped
    feature row describes it (its audio path is then null); otherwise it goes to quarantine. Unreadable and
    too long clips are quarantined either way.
    """
    bad = BadRecords()
    paths, durations, keep = [], [], []
    for track_id, shipped in zip(tracks["track_id"], tracks["has_shipped_features"], strict=True):
        path, duration = clips.get(track_id), np.nan
        if path is not None:
            try:
                duration = probe_clip(path, max_clip_seconds)
            except Exception as error:
                bad.append(BadRecord(path, None, failure_reason("undecodable audio", error), track_id))
                path = None
        elif not shipped:
            bad.append(BadRecord(collection, None, "no audio clip and no shipped feature row", f"track {track_id}"))
        paths.append(path)
        durations.append(duration)
        keep.append(path is not None or bool(shipped))
    frame = tracks.assign(audio_path=paths, duration_seconds=durations).loc[keep]
    orphans = sorted(set(clips) - set(tracks["track_id"]))
    bad.extend(BadRecord(clips[track], None, "clip has no metadata row", track) for track in orphans)
    return Parsed(frame.reset_index(drop=True), bad)


def clean_fma(manifest: pd.DataFrame, seed: int, max_clip_seconds: float = MAX_CLIP_SECONDS) -> Parsed:
    """FMA tracks with genre, split (FMA's own when present), clip path and duration."""
    tracks_path = manifest_lookup(manifest, FMA_TRACKS_FILE)
    if tracks_path is None:
        raise FileNotFoundError(f"the FMA folder has no {FMA_TRACKS_FILE}")
    parsed = read_fma_tracks(tracks_path)
    clips, clip_bad = fma_clip_paths(manifest)
    tracks = parsed.frame.assign(split=assign_fma_splits(parsed.frame, seed), has_shipped_features=False)
    with_audio = attach_audio(tracks, clips, "fma", max_clip_seconds)
    frame = with_audio.frame.assign(collection="fma")
    return Parsed(frame[TRACK_COLUMNS], BadRecords.concat(parsed.bad, clip_bad, with_audio.bad))


def clean_gtzan(manifest: pd.DataFrame, max_clip_seconds: float = MAX_CLIP_SECONDS) -> Parsed:
    """GTZAN tracks from the clips and the shipped feature table, split by clip number."""
    clips, bad = gtzan_clip_paths(manifest)
    shipped = shipped_gtzan_features(manifest)
    shipped_ids = set(shipped.frame["track_id"]) if shipped else set()
    if shipped:
        bad.extend(shipped.bad)
    genres = {track_id: track_id.split(".")[0] for track_id in sorted(set(clips) | shipped_ids)}
    if shipped:
        genres.update(zip(shipped.frame["track_id"], shipped.frame["genre"], strict=True))
    tracks = pd.DataFrame(
        {
            "track_id": list(genres),
            "genre": list(genres.values()),
            "split": [gtzan_split(int(track_id.split(".")[1])) for track_id in genres],
            "has_shipped_features": [track_id in shipped_ids for track_id in genres],
        }
    )
    with_audio = attach_audio(tracks, clips, "gtzan", max_clip_seconds)
    frame = with_audio.frame.assign(collection="gtzan")
    return Parsed(frame[TRACK_COLUMNS], BadRecords.concat(bad, with_audio.bad))


def combine_tracks(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One table of every collection's tracks with stable dtypes."""
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TRACK_COLUMNS)
    return frame.astype(
        {
            "collection": "string",
            "track_id": "string",
            "genre": "string",
            "split": "string",
            "duration_seconds": "float64",
            "audio_path": "string",
            "has_shipped_features": "bool",
        }
    )[TRACK_COLUMNS]
