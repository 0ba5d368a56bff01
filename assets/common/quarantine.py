"""Quarantine: bad records are set aside with the file, row and reason, never silently dropped."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from assets.common.atomic import write_parquet_atomic

QUARANTINE_COLUMNS = ["file", "row", "reason", "content"]


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


class NoGoodRecordsError(ValueError):
    """Raised when a source yields nothing usable; the message names the files and first reasons."""

    @classmethod
    def from_records(cls, source: str, bad_records: list[BadRecord]) -> NoGoodRecordsError:
        examples = "; ".join(record.describe() for record in bad_records[:5])
        detail = f" First problems: {examples}" if bad_records else " No input files were found."
        return cls(f"{source}: no usable records.{detail}")


def quarantine_frame(bad_records: list[BadRecord]) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(record) for record in bad_records], columns=QUARANTINE_COLUMNS)
    return frame.astype({"file": "string", "reason": "string", "content": "string", "row": "Int64"})


def write_quarantine(quarantine_dir: Path, asset_name: str, bad_records: list[BadRecord]) -> Path:
    """Write this run's bad records to ``<quarantine_dir>/<asset_name>.parquet`` (empty when none)."""
    return write_parquet_atomic(quarantine_frame(bad_records), Path(quarantine_dir) / f"{asset_name}.parquet")
