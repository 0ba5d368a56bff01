"""Setlists data assets: cleaned performances, the token stream, its vocabulary and TFRecord shards."""

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.dagster_metadata import check_result_from_validation, table_metadata
from assets.common.quarantine import write_quarantine
from assets.setlists import paths
from assets.setlists.expectations import validate_clean_setlists
from assets.setlists.parse import parse_setlist_files
from assets.setlists.sequences import (
    TEST_FRACTION,
    VALID_FRACTION,
    build_stream,
    build_vocabulary,
    encode_stream,
    make_windows,
    split_shows,
)
from resources import LakeResource

DOMAIN = "setlists"


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def clean_setlists(
    context: dg.AssetExecutionContext, raw_phish_files: pd.DataFrame, lake: LakeResource
) -> dg.Output[pd.DataFrame]:
    """One row per song performance with a real show id (date + venue), set label, position in the show
    and in the set, the title with apostrophes unified, the segue mark after the song and phish.net flags.
    Exact duplicate rows are removed and counted; malformed rows and files are quarantined."""
    parsed = parse_setlist_files(raw_phish_files)
    quarantine_path = write_quarantine(lake.quarantine_dir(DOMAIN), "clean_setlists", parsed.bad_records)
    if parsed.bad_records:
        context.log.warning(f"{parsed.bad_records.total} bad records quarantined in {quarantine_path}")
    clean = parsed.rows
    return dg.Output(
        clean,
        metadata={
            **table_metadata(clean),
            "shows": int(clean["show_id"].nunique()),
            "songs": int(clean["title"].nunique()),
            "duplicates_removed": parsed.duplicates_removed,
            "quarantined_records": parsed.bad_records.total,
            "quarantine": dg.MetadataValue.path(str(quarantine_path)),
            "first_show": str(clean["showdate"].min()),
            "last_show": str(clean["showdate"].max()),
        },
    )


@dg.asset_check(asset=clean_setlists, blocking=True)
def clean_setlists_is_valid(clean_setlists: pd.DataFrame) -> dg.AssetCheckResult:
    """Required columns are non-null, positions run 1..n inside every show, set labels and segue marks
    are the known ones (great-expectations)."""
    return check_result_from_validation(validate_clean_setlists(clean_setlists))


class SongVocabularyConfig(dg.Config):
    min_count: int = Field(default=2, description="Songs played fewer times than this in training shows map to <unk>.")


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def song_vocabulary(clean_setlists: pd.DataFrame, config: SongVocabularyConfig) -> dg.Output[pd.DataFrame]:
    """The tokens the model knows: <pad>, <unk>, the three markers (<set>, <encore>, <end>) and every
    song played at least `min_count` times in the training shows (the earliest 70% by date). Rarer
    songs, and songs first played after the training period, are <unk>."""
    splits = split_shows(clean_setlists["show_number"].to_numpy(), VALID_FRACTION, TEST_FRACTION)
    vocabulary = build_vocabulary(build_stream(clean_setlists, splits), config.min_count)
    return dg.Output(
        vocabulary,
        metadata={
            **table_metadata(vocabulary, preview_rows=10),
            "songs": int((vocabulary["kind"] == "song").sum()),
            "min_count": config.min_count,
        },
    )


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def song_sequences(clean_setlists: pd.DataFrame, song_vocabulary: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """All shows as one chronological token stream (set starts, encore starts and show ends as markers),
    each token with its id, its show's split (train / valid / test by date) and the segue mark before it."""
    splits = split_shows(clean_setlists["show_number"].to_numpy(), VALID_FRACTION, TEST_FRACTION)
    sequences = encode_stream(build_stream(clean_setlists, splits), song_vocabulary)
    shows = sequences.drop_duplicates("show_number")
    split_sizes = shows["split"].value_counts().to_dict()
    ranges = shows.groupby("split")["showdate"].agg(["min", "max"])
    return dg.Output(
        sequences,
        metadata={
            **table_metadata(sequences, preview_rows=10),
            **{f"{split}_shows": int(count) for split, count in split_sizes.items()},
            "split_dates": dg.MetadataValue.md(ranges.to_markdown()),
            "unknown_fraction_test": float((sequences.loc[sequences["split"] == "test", "token_id"] == 1).mean()),
        },
    )


class SetlistTFRecordsConfig(dg.Config):
    seq_len: int = Field(default=50, description="Tokens of context per example (the model may use fewer).")
    num_shards: int = Field(default=4, description="Shards per split.")


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"})
def setlist_tfrecords(
    song_sequences: pd.DataFrame, lake: LakeResource, config: SetlistTFRecordsConfig
) -> dg.Output[pd.DataFrame]:
    """Sharded, gzipped TFRecords of (previous `seq_len` tokens and their segue marks -> next token)
    examples for train / valid / test. An example belongs to the split of its target's show and its
    context only holds earlier tokens, so no training window sees a valid or test show."""
    from assets.setlists.records import write_windows

    rows = []
    for split in ("train", "valid", "test"):
        windows = make_windows(song_sequences, config.seq_len, split)
        summary = write_windows(windows, paths.tfrecords_dir(lake, split), config.num_shards)
        rows.append({"split": split, "seq_len": config.seq_len, **summary.as_metadata()})
    index = pd.DataFrame(rows)
    return dg.Output(
        index,
        metadata={
            **table_metadata(index),
            **{f"{row['split']}_records": int(row["records"]) for row in rows},
        },
    )
