"""Quarantine: bad records are set aside with the file, row and reason, never silently dropped.

One broken or hostile file can give a bad record per line (millions of them), so what is held in memory
and written is capped: the first ``QUARANTINE_KEPT_RECORDS`` of an asset's run are kept with their
reasons, and all of them are counted (``BadRecords.total``, and the quarantine file's metadata).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from assets.common.atomic import write_parquet_atomic

QUARANTINE_COLUMNS = ["file", "row", "reason", "content"]
QUARANTINE_KEPT_RECORDS = 10_000
# Keys of the quarantine parquet's metadata (pandas `attrs`, read back by pd.read_parquet).
TOTAL_KEY = "quarantined_records"
KEPT_KEY = "kept_records"


@dataclass(frozen=True)
class BadRecord:
    """One record a parser could not accept. ``row`` is the 1-based line or record number, if any."""

    file: str
    row: int | None
    reason: str
    content: str = ""

    def describe(self) -> str:
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        return f"{where}: {self.reason}"


class LimitExceededError(ValueError):
    """An input over one of the configured size limits; its message is the whole quarantine reason."""


def failure_reason(action: str, error: Exception) -> str:
    """The quarantine reason of a record that could not be used: a limit's own message, else what failed and why."""
    if isinstance(error, LimitExceededError):
        return str(error)
    return f"{action}: {type(error).__name__}: {error}"


class BadRecords(list[BadRecord]):
    """The bad records of one asset's run: a list of the first ``keep`` added, with ``total`` counting every one.

    ``append`` and ``extend`` past ``keep`` only count, so memory stays bounded however many records go bad;
    extending by another BadRecords adds its total too. ``len()`` is the number kept: counts of quarantined
    records must read ``total`` (or :func:`quarantined_count`).
    """

    keep: int = QUARANTINE_KEPT_RECORDS
    total: int = 0  # class defaults, so that unpickling (which appends before it restores attributes) works

    def __init__(self, records: Iterable[BadRecord] = (), keep: int = QUARANTINE_KEPT_RECORDS) -> None:
        super().__init__()
        if keep < 0:
            raise ValueError(f"keep must be 0 or more, got {keep}")
        self.keep = keep
        self.total = 0
        self.extend(records)

    @classmethod
    def concat(cls, *parts: Iterable[BadRecord]) -> BadRecords:
        """One BadRecords of several parts in order, their totals added."""
        joined = cls()
        for part in parts:
            joined.extend(part)
        return joined

    def append(self, record: BadRecord) -> None:
        self.total += 1
        if len(self) < self.keep:
            super().append(record)

    def extend(self, records: Iterable[BadRecord]) -> None:
        if isinstance(records, BadRecords):
            self.total += records.total - len(records)  # the ones it counted but did not keep
        for record in records:
            self.append(record)

    def __iadd__(self, records: Iterable[BadRecord]) -> BadRecords:  # type: ignore[override]
        self.extend(records)
        return self


def quarantined_count(records: Sequence[BadRecord]) -> int:
    """How many records went bad: a BadRecords' total (kept or not), a plain list's length."""
    return records.total if isinstance(records, BadRecords) else len(records)


class NoGoodRecordsError(ValueError):
    """Raised when a source yields nothing usable; the message names the files and first reasons."""

    @classmethod
    def from_records(cls, source: str, bad_records: list[BadRecord]) -> NoGoodRecordsError:
        examples = "; ".join(record.describe() for record in bad_records[:5])
        detail = f" First problems: {examples}" if bad_records else " No input files were found."
        return cls(f"{source}: no usable records.{detail}")


def quarantine_frame(bad_records: Sequence[BadRecord]) -> pd.DataFrame:
    """The first QUARANTINE_KEPT_RECORDS records as a table; ``attrs`` holds how many there were and were kept."""
    kept = list(bad_records[:QUARANTINE_KEPT_RECORDS])
    frame = pd.DataFrame([asdict(record) for record in kept], columns=QUARANTINE_COLUMNS)
    frame = frame.astype({"file": "string", "reason": "string", "content": "string", "row": "Int64"})
    frame.attrs = {TOTAL_KEY: quarantined_count(bad_records), KEPT_KEY: len(kept)}
    return frame


def write_quarantine(quarantine_dir: Path, asset_name: str, bad_records: Sequence[BadRecord]) -> Path:
    """Write this run's bad records to ``<quarantine_dir>/<asset_name>.parquet`` (empty when none).

    At most QUARANTINE_KEPT_RECORDS rows; the file's metadata (``pd.read_parquet(path).attrs``) has the
    true count under ``quarantined_records`` and the rows written under ``kept_records``.
    """
    return write_parquet_atomic(quarantine_frame(bad_records), Path(quarantine_dir) / f"{asset_name}.parquet")
