"""The great-expectations suite for clean_lyrics (built in code, run by assets.common.expectations)."""

from __future__ import annotations

from assets.common.expectations import ExpectationFactory
from assets.lyrics.parse import CLEAN_COLUMNS


def clean_lyrics_expectations() -> list[ExpectationFactory]:
    return [
        lambda gxe: gxe.ExpectTableColumnsToMatchSet(column_set=CLEAN_COLUMNS, exact_match=True),
        lambda gxe: gxe.ExpectTableRowCountToBeBetween(min_value=1),
        lambda gxe: gxe.ExpectColumnValuesToNotBeNull(column="artist"),
        lambda gxe: gxe.ExpectColumnValuesToNotBeNull(column="text"),
        lambda gxe: gxe.ExpectColumnValueLengthsToBeBetween(column="artist", min_value=1),
        lambda gxe: gxe.ExpectColumnValuesToBeBetween(column="characters", min_value=1),
        lambda gxe: gxe.ExpectColumnValuesToNotMatchRegex(column="text", regex="\r"),
        lambda gxe: gxe.ExpectCompoundColumnsToBeUnique(column_list=["artist", "text"]),
    ]
