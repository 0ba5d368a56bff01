"""The great-expectations suite that `clean_setlists` must pass before anything downstream runs."""

from __future__ import annotations

import pandas as pd

from assets.common.expectations import ExpectationFactory, ValidationSummary, validate_frame
from assets.setlists.parse import SEGUE_MARKS, SET_LABELS

NON_NULL_COLUMNS = ("show_id", "show_number", "showdate", "venue", "set_label", "position", "title", "trans_mark")


def clean_setlists_expectations() -> list[ExpectationFactory]:
    non_null = [
        (lambda gxe, column=column: gxe.ExpectColumnValuesToNotBeNull(column=column)) for column in NON_NULL_COLUMNS
    ]
    return [
        *non_null,
        lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="set_label", value_set=list(SET_LABELS)),
        lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="trans_mark", value_set=list(SEGUE_MARKS)),
        lambda gxe: gxe.ExpectCompoundColumnsToBeUnique(column_list=["show_id", "position"]),
        # Positions run 1..n inside every show, in row order: the n-th row of a show has position n.
        lambda gxe: gxe.ExpectColumnPairValuesToBeEqual(column_A="position", column_B="expected_position"),
    ]


def validate_clean_setlists(clean: pd.DataFrame) -> ValidationSummary:
    frame = clean.copy()
    frame["expected_position"] = frame.groupby("show_id", sort=False).cumcount() + 1
    return validate_frame(frame, "clean_setlists", clean_setlists_expectations())
