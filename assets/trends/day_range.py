"""The days a Tianchi row may carry: a typo such as 1915 would otherwise stretch the zero-filled calendar of the
daily marts over a century, so days outside the range are quarantined, each with the day and the range named.

The competition's data cover 2015-03-01 .. 2015-08-30 (both seasons, PROVENANCE.md of the real data); the
default range leaves about five years on the early side and fifteen on the late side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

EARLIEST_DAY = "2010-01-01"
LATEST_DAY = "2030-12-31"
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class DayRange:
    """Inclusive bounds on the days of actions and of aggregate series."""

    earliest: dt.date
    latest: dt.date

    def __post_init__(self) -> None:
        if self.earliest > self.latest:
            raise ValueError(f"the day range {self} is empty: earliest_day is after latest_day")

    def __str__(self) -> str:
        return f"{self.earliest.isoformat()} .. {self.latest.isoformat()}"

    @classmethod
    def from_iso(cls, earliest: str, latest: str) -> DayRange:
        """From two YYYY-MM-DD strings (the asset's config); ValueError naming the field that is not a date."""
        bounds = []
        for name, value in (("earliest_day", earliest), ("latest_day", latest)):
            try:
                bounds.append(dt.date.fromisoformat(value))
            except ValueError as error:
                raise ValueError(f"{name} must be a YYYY-MM-DD date, got {value!r}") from error
        return cls(*bounds)

    def holds(self, first: dt.date, last: dt.date) -> bool:
        """Whether every day from `first` to `last` is inside the range."""
        return self.earliest <= first and last <= self.latest

    def epoch_days(self) -> tuple[int, int]:
        """The bounds as days since 1970-01-01 (the date32 encoding)."""
        return (self.earliest - _EPOCH).days, (self.latest - _EPOCH).days

    def outside(self, epoch_days: np.ndarray) -> np.ndarray:
        """Which of the days (days since 1970-01-01) fall outside the range."""
        earliest, latest = self.epoch_days()
        return (epoch_days < earliest) | (epoch_days > latest)


DEFAULT_DAY_RANGE = DayRange.from_iso(EARLIEST_DAY, LATEST_DAY)


def epoch_day_to_date(epoch_day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(epoch_day))
