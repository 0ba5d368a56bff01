"""Track table and clip features: `clean_tracks`, `audio_features` and their checks."""

import time

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.audio.feature_table import PARITY_THRESHOLD_STD, build_feature_table, feature_parity
from assets.audio.features import MAX_CLIP_SECONDS, available_workers
from assets.audio.parse import TRACK_COLUMNS, clean_fma, clean_gtzan, combine_tracks, shipped_gtzan_features
from assets.common.dagster_metadata import check_result_from_validation, table_metadata
from assets.common.expectations import validate_frame
from assets.common.quarantine import BadRecords, NoGoodRecordsError, write_quarantine
from resources.lake import LakeResource

DOMAIN = "audio"


class CleanTracksConfig(dg.Config):
    split_seed: int = Field(
        default=42, description="Seed of the stratified 64/16/20 split used when FMA metadata has no set/split."
    )
    max_clip_seconds: float = Field(
        default=MAX_CLIP_SECONDS,
        gt=0,
        description="Longest clip kept, in seconds, read from the file header (real clips are 30 s). A longer "
        "clip is quarantined and its track keeps only a shipped feature row, if it has one.",
    )


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def clean_tracks(
    context: dg.AssetExecutionContext,
    config: CleanTracksConfig,
    lake: LakeResource,
    raw_fma_files: pd.DataFrame,
    raw_gtzan_files: pd.DataFrame,
) -> pd.DataFrame:
    """One row per track of every audio collection present (FMA, GTZAN): genre, split, duration, clip path.

    FMA keeps its own `set/split`; GTZAN is split by clip number (00000-00059 train, 00060-00079 valid,
    00080-00099 test) because neighbouring clips share artists. A track without a readable clip stays
    only when a shipped feature table describes it; unreadable clips, clips longer than `max_clip_seconds`
    (by their header, never decoded) and unusable rows are quarantined.
    """
    parts, bad = [], BadRecords()
    for collection, manifest, clean in (
        ("fma", raw_fma_files, lambda files: clean_fma(files, config.split_seed, config.max_clip_seconds)),
        ("gtzan", raw_gtzan_files, lambda files: clean_gtzan(files, config.max_clip_seconds)),
    ):
        if manifest.empty:
            context.log.info(f"{collection}: no raw files, collection skipped")
            continue
        parsed = clean(manifest)
        bad.extend(parsed.bad)
        message = f"{collection}: {len(parsed.frame)} usable tracks, {parsed.bad.total} records quarantined"
        if parsed.frame.empty:
            context.log.warning(f"{message}; no clip or feature row to learn from, so it is skipped downstream")
        else:
            context.log.info(message)
        parts.append(parsed.frame)
    tracks = combine_tracks(parts)
    quarantine_path = write_quarantine(lake.quarantine_dir(DOMAIN), "clean_tracks", bad)
    if tracks.empty:
        raise NoGoodRecordsError.from_records("audio collections (fma/, gtzan/)", bad)
    context.add_output_metadata(
        {
            **table_metadata(tracks),
            "quarantined_records": bad.total,
            "quarantine": dg.MetadataValue.path(str(quarantine_path)),
            "tracks_per_collection": dg.MetadataValue.json(tracks["collection"].value_counts().to_dict()),
            "tracks_with_audio": int(tracks["audio_path"].notna().sum()),
        }
    )
    return tracks


def track_expectations() -> list:
    return [
        lambda gxe: gxe.ExpectTableColumnsToMatchOrderedList(column_list=TRACK_COLUMNS),
        lambda gxe: gxe.ExpectCompoundColumnsToBeUnique(column_list=["collection", "track_id"]),
        *(
            (lambda gxe, column=column: gxe.ExpectColumnValuesToNotBeNull(column=column))
            for column in ("collection", "track_id", "genre", "split")
        ),
        lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="collection", value_set=["fma", "gtzan"]),
        lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="split", value_set=["train", "valid", "test"]),
        lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="duration_seconds", min_value=0.5, max_value=3600),
    ]


@dg.asset_check(asset=clean_tracks, blocking=True, description="Track table: unique ids, known splits, sane durations.")
def clean_tracks_valid(clean_tracks: pd.DataFrame) -> dg.AssetCheckResult:
    summary = validate_frame(clean_tracks, "clean_tracks", track_expectations())
    return check_result_from_validation(summary, rows=len(clean_tracks))


class AudioFeaturesConfig(dg.Config):
    workers: int = Field(default=0, description="Processes for feature extraction; 0 means every available core.")
    max_clip_seconds: float = Field(
        default=MAX_CLIP_SECONDS,
        gt=0,
        description="Longest clip decoded, in seconds, checked from the file header before decoding (real clips "
        "are 30 s; 600 s takes about 1.7 GB per worker). A longer clip is quarantined; its track falls back to "
        "the shipped feature row when there is one.",
    )


def shipped_tables(raw_gtzan_files: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Published feature tables by collection, indexed by track_id (GTZAN's features_30_sec.csv)."""
    if raw_gtzan_files.empty:
        return {}
    shipped = shipped_gtzan_features(raw_gtzan_files)
    return {"gtzan": shipped.frame.set_index("track_id")} if shipped else {}


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def audio_features(
    context: dg.AssetExecutionContext,
    config: AudioFeaturesConfig,
    lake: LakeResource,
    clean_tracks: pd.DataFrame,
    raw_gtzan_files: pd.DataFrame,
) -> pd.DataFrame:
    """Per track: the 57 features of Kaggle's GTZAN table (chroma, RMS, spectral shape, zero crossings,
    HPSS, tempo, 20 MFCC means and variances; librosa defaults at 22,050 Hz mono).

    Computed from each clip in a process pool (one STFT per clip, shared by every feature); tracks
    without a clip take the row of their collection's published table (`feature_source` says which).
    Clips that fail to decode or are longer than `max_clip_seconds` are quarantined, not fatal.
    """
    workers = config.workers or available_workers()
    step = max(1, int(clean_tracks["audio_path"].notna().sum()) // 10)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            context.log.info(f"features: {done}/{total} clips")

    started = time.perf_counter()
    features, bad = build_feature_table(
        clean_tracks, shipped_tables(raw_gtzan_files), workers, progress, config.max_clip_seconds
    )
    seconds = time.perf_counter() - started
    write_quarantine(lake.quarantine_dir(DOMAIN), "audio_features", bad)
    from_audio = features["feature_source"] == "audio"
    audio_seconds = float(features.loc[from_audio, "length"].sum() / 22_050)
    context.add_output_metadata(
        {
            **table_metadata(features.iloc[:, :8]),
            "quarantined_records": bad.total,
            "tracks_from_audio": int(from_audio.sum()),
            "tracks_from_shipped_table": int((~from_audio).sum()),
            "workers": workers,
            "extraction_seconds": round(seconds, 2),
            "audio_seconds_per_wall_second": round(audio_seconds / seconds, 2) if seconds else 0.0,
        }
    )
    return features


@dg.asset_check(
    asset=audio_features,
    name="feature_parity",
    additional_ins={"raw_gtzan_files": dg.AssetIn("raw_gtzan_files")},
    description=f"Our features match the published GTZAN table within {PARITY_THRESHOLD_STD} column std.",
)
def feature_parity_check(audio_features: pd.DataFrame, raw_gtzan_files: pd.DataFrame) -> dg.AssetCheckResult:
    shipped = shipped_tables(raw_gtzan_files).get("gtzan")
    if shipped is None:
        return dg.AssetCheckResult(passed=True, metadata={"tracks": 0, "note": "no published feature table present"})
    gtzan = audio_features[audio_features["collection"] == "gtzan"]
    parity = feature_parity(gtzan, shipped)
    worst = sorted(parity.worst_by_column.items(), key=lambda item: -item[1])
    return dg.AssetCheckResult(
        passed=parity.passed,
        metadata={
            "tracks": parity.tracks,
            "max_deviation_std": parity.max_deviation_std,
            "threshold_std": PARITY_THRESHOLD_STD,
            "worst_columns": dg.MetadataValue.json(
                {
                    column: {"deviation_std": value, "track": parity.worst_track_by_column[column]}
                    for column, value in worst
                }
            ),
        },
    )
