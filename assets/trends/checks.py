"""Blocking data checks on the parsed Tianchi tables, backed by great-expectations."""

import dagster as dg
import pandas as pd

from assets.common.dagster_metadata import check_result_from_validation
from assets.common.expectations import validate_frame


@dg.asset_check(asset="tianchi_user_actions", blocking=True)
def tianchi_user_actions_are_valid(tianchi_user_actions: pd.DataFrame) -> dg.AssetCheckResult:
    """Ids and days present; action types are 1 (play), 2 (download) or 3 (collect)."""
    summary = validate_frame(
        tianchi_user_actions,
        "tianchi_user_actions",
        [
            *(
                lambda gxe, c=column: gxe.ExpectColumnValuesToNotBeNull(column=c)
                for column in ("user_id", "song_id", "gmt_create", "action_day")
            ),
            lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="action_type", value_set=[1, 2, 3]),
        ],
    )
    return check_result_from_validation(summary, rows=len(tianchi_user_actions))


@dg.asset_check(asset="tianchi_songs", blocking=True)
def tianchi_songs_are_valid(tianchi_songs: pd.DataFrame) -> dg.AssetCheckResult:
    """One row per song, each with an artist and a publication day."""
    summary = validate_frame(
        tianchi_songs,
        "tianchi_songs",
        [
            lambda gxe: gxe.ExpectColumnValuesToBeUnique(column="song_id"),
            *(
                lambda gxe, c=column: gxe.ExpectColumnValuesToNotBeNull(column=c)
                for column in ("song_id", "artist_id", "publish_day")
            ),
        ],
    )
    return check_result_from_validation(summary, rows=len(tianchi_songs))


@dg.asset_check(asset="tianchi_artist_daily_aggregates", blocking=True)
def tianchi_artist_daily_aggregates_are_valid(tianchi_artist_daily_aggregates: pd.DataFrame) -> dg.AssetCheckResult:
    """One row per artist and day; counts are non-negative."""
    frame = tianchi_artist_daily_aggregates
    summary = validate_frame(
        frame,
        "tianchi_artist_daily_aggregates",
        [
            lambda gxe: gxe.ExpectCompoundColumnsToBeUnique(column_list=["artist_id", "day"]),
            *(
                lambda gxe, c=column: gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0)
                for column in ("plays", "downloads", "collects", "listeners")
            ),
        ],
    )
    return check_result_from_validation(summary, rows=len(frame))


TIANCHI_CHECKS = [tianchi_user_actions_are_valid, tianchi_songs_are_valid, tianchi_artist_daily_aggregates_are_valid]
