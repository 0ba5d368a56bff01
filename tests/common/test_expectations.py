import pandas as pd

from assets.common.expectations import validate_frame


def test_validation_reports_the_failed_expectation_and_its_values() -> None:
    frame = pd.DataFrame({"song": ["Ghost", None, "Tweezer"], "set": ["1", "2", "x"]})
    summary = validate_frame(
        frame,
        "setlists_test",
        [
            lambda gxe: gxe.ExpectColumnValuesToNotBeNull(column="song"),
            lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="set", value_set=["1", "2", "e"]),
        ],
    )
    assert not summary.passed
    assert summary.evaluated == 2
    failed = {failure["expectation"]: failure for failure in summary.failures}
    assert failed["expect_column_values_to_be_in_set"]["partial_unexpected_list"] == ["x"]
    assert failed["expect_column_values_to_not_be_null"]["unexpected_count"] == 1


def test_validation_passes_on_good_data() -> None:
    frame = pd.DataFrame({"song": ["Ghost"]})
    assert validate_frame(frame, "ok", [lambda gxe: gxe.ExpectColumnValuesToNotBeNull(column="song")]).passed
