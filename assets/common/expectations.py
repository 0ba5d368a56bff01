"""great-expectations 1.x validation of a DataFrame against a suite defined in code.

Runs in an ephemeral context (nothing written to disk). great-expectations is imported inside the
function: it is slow to import and only checks need it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ExpectationFactory = Callable[[Any], Any]  # receives the ``great_expectations.expectations`` module


@dataclass
class ValidationSummary:
    """Outcome of one suite: overall verdict, the failed expectations with details, and counts."""

    passed: bool
    evaluated: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        return {"expectations_evaluated": self.evaluated, "expectations_failed": len(self.failures)}


def validate_frame(
    frame: pd.DataFrame, suite_name: str, expectations: Sequence[ExpectationFactory]
) -> ValidationSummary:
    """Validate ``frame`` with expectations built by ``factory(gxe)`` for each factory in ``expectations``."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"{suite_name}_source")
        .add_dataframe_asset(name=suite_name)
        .add_batch_definition_whole_dataframe(f"{suite_name}_batch")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for factory in expectations:
        suite.add_expectation(factory(gxe))
    result = batch.validate(suite)
    failures = [
        {
            "expectation": outcome.expectation_config.type,
            "kwargs": {key: value for key, value in outcome.expectation_config.kwargs.items() if key != "batch_id"},
            "unexpected_count": outcome.result.get("unexpected_count"),
            "partial_unexpected_list": list(outcome.result.get("partial_unexpected_list", []))[:10],
            "observed_value": outcome.result.get("observed_value"),
        }
        for outcome in result.results
        if not outcome.success
    ]
    return ValidationSummary(passed=bool(result.success), evaluated=len(result.results), failures=failures)
