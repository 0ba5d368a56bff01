"""The per-track feature table (computed from clips, or taken from a shipped table) and its parity check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.audio.features import FEATURE_COLUMNS, MAX_CLIP_SECONDS, extract_many, results_frame
from assets.common.quarantine import BadRecord, BadRecords

ID_COLUMNS = ["collection", "track_id", "genre", "split", "feature_source"]
FEATURE_TABLE_COLUMNS = [*ID_COLUMNS, "length", *FEATURE_COLUMNS]
PARITY_THRESHOLD_STD = 0.05


def track_key(collection: str, track_id: str) -> str:
    return f"{collection}/{track_id}"


def clip_list(tracks: pd.DataFrame) -> list[tuple[str, str]]:
    """(collection/track_id, audio path) of every track that has a clip."""
    with_audio = tracks[tracks["audio_path"].notna()]
    return [
        (track_key(collection, track_id), str(path))
        for collection, track_id, path in zip(
            with_audio["collection"], with_audio["track_id"], with_audio["audio_path"], strict=True
        )
    ]


def build_feature_table(
    tracks: pd.DataFrame,
    shipped: dict[str, pd.DataFrame],
    workers: int = 0,
    progress: Callable[[int, int], None] | None = None,
    max_clip_seconds: float = MAX_CLIP_SECONDS,
) -> tuple[pd.DataFrame, BadRecords]:
    """Features for every track: from its clip when it has one, else from its collection's shipped table.

    ``shipped`` maps a collection to its published table (track_id + the feature columns). A clip that
    fails to decode, or is longer than ``max_clip_seconds`` by its header (then never decoded), is
    quarantined; the track then falls back to the shipped row when there is one.
    """
    clips = clip_list(tracks)
    results = extract_many(clips, workers=workers, progress=progress, max_seconds=max_clip_seconds)
    bad = BadRecords(BadRecord(result.path, None, result.error) for result in results if result.error)
    computed = results_frame(results).set_index("key")
    rows = []
    for record in tracks.itertuples(index=False):
        key = track_key(record.collection, record.track_id)
        identity = {
            "collection": record.collection,
            "track_id": record.track_id,
            "genre": record.genre,
            "split": record.split,
        }
        if key in computed.index:
            rows.append({**identity, "feature_source": "audio", **computed.loc[key].to_dict()})
            continue
        table = shipped.get(record.collection)
        if table is not None and record.track_id in table.index:
            rows.append({**identity, "feature_source": "shipped", **table.loc[record.track_id].to_dict()})
        elif key not in {clip_key for clip_key, _ in clips}:
            bad.append(BadRecord(record.collection, None, "no clip and no shipped feature row", record.track_id))
    frame = pd.DataFrame(rows, columns=FEATURE_TABLE_COLUMNS)
    return frame.astype({column: "float64" for column in ["length", *FEATURE_COLUMNS]}), bad


@dataclass(frozen=True)
class ParityResult:
    """How far our features are from a published table, in standard deviations of the published column."""

    tracks: int
    max_deviation_std: float
    worst_by_column: dict[str, float]
    worst_track_by_column: dict[str, str]

    @property
    def passed(self) -> bool:
        return self.max_deviation_std <= PARITY_THRESHOLD_STD


def feature_parity(ours: pd.DataFrame, shipped: pd.DataFrame) -> ParityResult:
    """Compare tracks featurized from audio (``feature_source == "audio"``) with the shipped rows.

    deviation = |ours - shipped| / std(shipped column over the whole shipped table).
    """
    columns = [column for column in FEATURE_COLUMNS if column in shipped.columns]
    computed = ours[ours["feature_source"] == "audio"].set_index("track_id")
    common = computed.index.intersection(shipped.index)
    if len(common) == 0 or not columns:
        return ParityResult(0, 0.0, {}, {})
    scale = shipped[columns].std(ddof=1).replace(0.0, np.nan)
    deviation = (computed.loc[common, columns] - shipped.loc[common, columns]).abs() / scale
    deviation = deviation.fillna(0.0)
    worst = {column: float(deviation[column].max()) for column in columns}
    worst_track = {column: str(deviation[column].idxmax()) for column in columns}
    return ParityResult(len(common), float(max(worst.values())), worst, worst_track)
