"""Lyrics data assets: clean songs, their split, the character vocabulary and the TFRecord windows."""

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.dagster_metadata import check_result_from_validation, table_metadata
from assets.common.expectations import validate_frame
from assets.common.quarantine import NoGoodRecordsError, write_quarantine
from assets.common.tfrecords import write_shards
from assets.lyrics.checks import clean_lyrics_expectations
from assets.lyrics.parse import MAX_FIELD_CHARACTERS, parse_lyrics_files
from assets.lyrics.vocabulary import Vocabulary, build_vocabulary
from assets.lyrics.windows import MAX_ORDERED_SHARDS, assign_splits, build_streams, fit_streams, window_examples
from resources.lake import LakeResource

DOMAIN = "lyrics"


class CleanLyricsConfig(dg.Config):
    max_field_characters: int = Field(
        default=MAX_FIELD_CHARACTERS,
        gt=0,
        description="Longest CSV field read, in characters (the longest real lyric has 3,291). A record with a "
        "longer field is quarantined with its row number; the records after it are kept.",
    )


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def clean_lyrics(
    context: dg.AssetExecutionContext, config: CleanLyricsConfig, lake: LakeResource, raw_lyrics_files: pd.DataFrame
) -> pd.DataFrame:
    """One row per song: artist, title, link and the lyrics with Unix line endings and no trailing spaces.

    Exact duplicates (same artist, same normalized text) are removed and counted; empty, malformed or
    oversized (`max_field_characters`) records are quarantined with file, row and reason. The CSV is
    streamed record by record.
    """
    parsed = parse_lyrics_files([Path(path) for path in raw_lyrics_files["path"]], config.max_field_characters)
    quarantine_path = write_quarantine(lake.quarantine_dir(DOMAIN), "clean_lyrics", parsed.bad_records)
    clean = parsed.frame()
    if clean.empty:
        raise NoGoodRecordsError.from_records("clean_lyrics", parsed.bad_records)
    for record in parsed.bad_records[:20]:
        context.log.warning(f"quarantined {record.describe()}")
    context.add_output_metadata(
        {
            **table_metadata(clean.drop(columns=["text"])),
            "records_read": parsed.records_read,
            "duplicates_removed": len(parsed.duplicates),
            "duplicates": dg.MetadataValue.json(parsed.duplicates[:50]),
            "quarantined_records": parsed.bad_records.total,
            "quarantine": dg.MetadataValue.path(str(quarantine_path)),
            "artists": int(clean["artist"].nunique()),
            "characters": int(clean["characters"].sum()),
        }
    )
    return clean


@dg.asset_check(asset=clean_lyrics, blocking=True)
def clean_lyrics_is_valid(clean_lyrics: pd.DataFrame) -> dg.AssetCheckResult:
    """great-expectations: columns present, artist and text non-empty, no duplicate (artist, text)."""
    summary = validate_frame(clean_lyrics, "clean_lyrics", clean_lyrics_expectations())
    return check_result_from_validation(summary, rows=len(clean_lyrics))


class SplitConfig(dg.Config):
    valid_fraction: float = Field(0.1, description="Share of each artist's songs in the validation split.")
    test_fraction: float = Field(0.1, description="Share of each artist's songs in the test split.")
    seed: int = Field(0, description="Seed of the song shuffle (artists with fewer than 3 songs stay in train).")


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def lyrics_splits(config: SplitConfig, clean_lyrics: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """Train / valid / test assignment of every song, split by song, seeded and stratified by artist."""
    splits = assign_splits(clean_lyrics, config.valid_fraction, config.test_fraction, config.seed)
    counts = splits["split"].value_counts()
    return dg.Output(
        splits,
        metadata={**table_metadata(splits), **{f"{name}_songs": int(counts.get(name, 0)) for name in counts.index}},
    )


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def char_vocabulary(clean_lyrics: pd.DataFrame, lyrics_splits: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """Characters seen in training lyrics plus start, end and unknown tokens (ids 0-2), and the artist list."""
    train = clean_lyrics["text"][lyrics_splits["split"].to_numpy() == "train"]
    vocabulary = build_vocabulary(train, clean_lyrics["artist"])
    frame = vocabulary.to_frame()
    return dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "vocabulary_size": vocabulary.size,
            "artists": vocabulary.artist_count,
            "characters": dg.MetadataValue.text("".join(vocabulary.characters)),
        },
    )


class WindowConfig(dg.Config):
    window: int = Field(128, description="Characters per window: the truncated-backpropagation length.")
    streams: int = Field(32, description="Parallel streams of concatenated songs: the training batch size (at most).")
    min_batches: int = Field(
        50, description="Use fewer streams when the training text would give fewer batches than this per epoch."
    )
    shards: int = Field(4, description=f"TFRecord shards per split (1-{MAX_ORDERED_SHARDS}).")
    seed: int = Field(0, description="Seed of the song order inside each split.")


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"})
def lyrics_tfrecords(
    config: WindowConfig,
    lake: LakeResource,
    clean_lyrics: pd.DataFrame,
    lyrics_splits: pd.DataFrame,
    char_vocabulary: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Sharded TFRecords per split of fixed-length character windows with the artist id of every step.

    Written window-major over parallel streams, so batches continue each other (stateful TBPTT).
    """
    if not 1 <= config.shards <= MAX_ORDERED_SHARDS:
        raise ValueError(f"shards must be 1-{MAX_ORDERED_SHARDS} to keep the window order, got {config.shards}")
    vocabulary = Vocabulary.from_frame(char_vocabulary)
    train_tokens = int((clean_lyrics["characters"][(lyrics_splits["split"] == "train").to_numpy()] + 2).sum())
    streams = fit_streams(train_tokens, config.streams, config.window, config.min_batches)
    rows = []
    for split in ("train", "valid", "test"):
        members = (lyrics_splits["split"] == split).to_numpy()
        texts, artists = clean_lyrics["text"][members].tolist(), clean_lyrics["artist"][members].tolist()
        layout = build_streams(texts, artists, vocabulary, streams, config.window, config.seed)
        directory = lake.domain_dir(DOMAIN) / "tfrecords" / split
        summary = write_shards(window_examples(layout), directory, config.shards)
        rows.append(
            {
                "split": split,
                "songs": len(texts),
                "windows": layout.windows,
                **summary.as_metadata(),
                "streams": streams,
                "window": config.window,
            }
        )
    table = pd.DataFrame(rows)
    return dg.Output(table, metadata={**table_metadata(table), "records": int(table["records"].sum())})
