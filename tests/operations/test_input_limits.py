"""Oversized and hostile input, end to end (issue #21): a record over one of the size limits in an asset's config
is quarantined with the reason naming the limit, every good record of the same input is kept, and however many
records go bad, the quarantine keeps the first QUARANTINE_KEPT_RECORDS while the asset's metadata counts them all.

The parser-level cases are in the domains' tests (tests/audio/test_parse.py and test_features.py,
tests/midi/test_rolls.py, tests/lyrics/test_parse.py); symbolic links in tests/common/test_raw_assets.py.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import soundfile

from assets.audio.data_assets import clean_tracks
from assets.common.quarantine import QUARANTINE_KEPT_RECORDS
from assets.common.raw_assets import RAW_FILE_ASSETS
from assets.lyrics.data_assets import clean_lyrics
from tests.operations import faults as F

HEADER = b"artist,song,link,text\r\n"


def _materialize(assets: list, home: Path, raw_root: Path, config: dict) -> dg.ExecuteInProcessResult:
    run_config = {"ops": {name: {"config": values} for name, values in config.items()}}
    result = dg.materialize(assets, resources=F.resources(home, raw_root), run_config=run_config)
    assert result.success, F.failure_message(result)
    return result


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    return {key: value.value for key, value in result.asset_materializations_for_node(asset)[0].metadata.items()}


def test_a_clip_over_max_clip_seconds_is_quarantined_and_every_other_track_kept(
    sample_raw_root: Path, tmp_path: Path
) -> None:
    raw_root = tmp_path / "raw"
    for folder in ("fma", "gtzan"):
        F.link_tree(sample_raw_root / folder, raw_root / folder)
    long_clip = raw_root / "gtzan" / "genres" / "rock" / "rock.00077.wav"
    long_clip.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(long_clip, np.zeros(22_050 * 5, dtype=np.float32), 22_050, subtype="PCM_16")
    clips = {
        str(path.resolve())
        for path in raw_root.rglob("*")
        if path.suffix in (".wav", ".mp3", ".au") and path != long_clip
    }

    result = _materialize(
        [RAW_FILE_ASSETS["fma"], RAW_FILE_ASSETS["gtzan"], clean_tracks],
        tmp_path / "home",
        raw_root,
        {"clean_tracks": {"max_clip_seconds": 4.5}},  # the sample's clips are 4 s long
    )

    tracks = pd.read_parquet(tmp_path / "home" / "lake" / "audio" / "clean_tracks.parquet")
    assert set(tracks["audio_path"].dropna()) == clips
    assert "rock.00077" not in set(tracks["track_id"])
    quarantine = F.quarantine(tmp_path / "home" / "lake", "audio", "clean_tracks")
    assert quarantine[["file", "reason"]].values.tolist() == [
        [str(long_clip.resolve()), "clip is 5.0 s, longer than the limit of 4.5 s (config max_clip_seconds)"]
    ]
    assert _metadata(result, "clean_tracks")["quarantined_records"] == 1


def test_a_field_over_max_field_characters_is_quarantined_and_the_other_songs_kept(tmp_path: Path) -> None:
    raw_root = tmp_path / "raw"
    (raw_root / "lyrics").mkdir(parents=True)
    huge = "la la la\n" * 100  # 900 characters over 100 lines
    (raw_root / "lyrics" / "songdata.csv").write_bytes(
        HEADER
        + b'A,First,/1,"first words"\r\n'
        + f'A,Huge,/h,"{huge}"\r\n'.encode()
        + b'B,Second,/2,"second, ""quoted""\nwords"\r\n'
    )

    result = _materialize(
        [RAW_FILE_ASSETS["lyrics"], clean_lyrics],
        tmp_path / "home",
        raw_root,
        {"clean_lyrics": {"max_field_characters": 500}},
    )

    songs = pd.read_parquet(tmp_path / "home" / "lake" / "lyrics" / "clean_lyrics.parquet")
    assert songs["song"].tolist() == ["First", "Second"]
    quarantine = F.quarantine(tmp_path / "home" / "lake", "lyrics", "clean_lyrics")
    assert quarantine[["row", "reason"]].values.tolist() == [
        [2, "a field is longer than the limit of 500 characters (config max_field_characters)"]
    ]
    assert _metadata(result, "clean_lyrics")["quarantined_records"] == 1


def test_the_quarantine_keeps_the_first_records_and_the_metadata_counts_them_all(tmp_path: Path) -> None:
    raw_root = tmp_path / "raw"
    (raw_root / "lyrics").mkdir(parents=True)
    bad_rows = QUARANTINE_KEPT_RECORDS + 10
    empty = [f'A,Empty {row},/e,""\r\n'.encode() for row in range(bad_rows)]
    good = [f'{artist},Good,/g,"words of {artist}"\r\n'.encode() for artist in ("A", "B", "C")]
    rows = [good[0], *empty[:5000], good[1], *empty[5000:], good[2]]
    (raw_root / "lyrics" / "songdata.csv").write_bytes(HEADER + b"".join(rows))

    result = _materialize([RAW_FILE_ASSETS["lyrics"], clean_lyrics], tmp_path / "home", raw_root, {})

    lake = tmp_path / "home" / "lake"
    assert pd.read_parquet(lake / "lyrics" / "clean_lyrics.parquet")["artist"].tolist() == ["A", "B", "C"]
    metadata = _metadata(result, "clean_lyrics")
    assert (metadata["records_read"], metadata["quarantined_records"]) == (bad_rows + 3, bad_rows)
    quarantine = pd.read_parquet(lake / "lyrics" / "quarantine" / "clean_lyrics.parquet")
    assert len(quarantine) == QUARANTINE_KEPT_RECORDS
    assert quarantine["row"].tolist()[:2] == [2, 3] and set(quarantine["reason"]) == {"empty text"}
    assert quarantine.attrs == {"quarantined_records": bad_rows, "kept_records": QUARANTINE_KEPT_RECORDS}
