"""Helpers of the fault tests: a raw folder built from the sample with one file corrupted, and lake checks.

Raw folders are hard-linked copies of one shared sample folder (cheap), so a corrupted file is always
written as a NEW file (unlink, then write): the shared sample is never modified through a link.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from resources import LakeResource, ParquetIOManager, RawDataResource

FAULTS = ("truncated", "wrong_header", "binary", "empty_folder")
# Leftovers of an interrupted write: our atomic helpers (`.<name>.tmp-<id>`) and DuckDB's COPY (`tmp_<name>`).
TEMPORARY = re.compile(r"(^\..+\.tmp-[0-9a-f]+$)|(^tmp_)|(\.tmp(\.|$))")


def link_tree(source: Path, target: Path) -> Path:
    """``target`` as a hard-linked copy of ``source`` (same file system: the pytest temporary folder)."""
    shutil.copytree(source, target, copy_function=os.link)
    return target


def replace_file(path: Path, payload: bytes) -> None:
    """Write ``payload`` as a new file at ``path`` (never through a hard link to the shared sample)."""
    path.unlink()
    path.write_bytes(payload)


def truncate(path: Path) -> bytes:
    """Cut the file in the middle of its bytes (a download that stopped half-way); returns what is left.

    A cut right after a line end would look like a shorter, complete file, so it moves into that line.
    """
    payload = path.read_bytes()
    cut = len(payload) // 2
    if payload[cut - 1 : cut] == b"\n":
        cut -= 2
    replace_file(path, payload[:cut])
    return payload[:cut]


def binary_garbage(path: Path, size: int = 4096) -> None:
    """Seeded random bytes (with NULs) under the file's name and extension."""
    replace_file(path, random.Random(7).randbytes(size))


def replace_first_line(path: Path, line: bytes) -> None:
    payload = path.read_bytes()
    replace_file(path, line + payload[payload.index(b"\n") :])


def prepend_line(path: Path, line: bytes) -> None:
    replace_file(path, line + b"\n" + path.read_bytes())


def overwrite_start(path: Path, magic: bytes) -> None:
    """Replace the first bytes (the format's magic number) with ``magic``."""
    payload = path.read_bytes()
    replace_file(path, magic + payload[len(magic) :])


def empty_folder(folder: Path) -> None:
    """Keep the folder, remove everything in it."""
    shutil.rmtree(folder)
    folder.mkdir()


def resources(home: Path, raw_root: Path) -> dict:
    return {
        "io_manager": ParquetIOManager(home=str(home)),
        "lake": LakeResource(home=str(home)),
        "raw_data": RawDataResource(root=str(raw_root), home=str(home)),
    }


def materialize(assets: list, home: Path, raw_root: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources=resources(home, raw_root), raise_on_error=False)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """Every failed step's error message, with the causes Dagster wraps around it."""
    messages = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None:
            messages.append(error.message)
            error = error.cause
    return "\n".join(messages)


def failed_steps(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.step_key for event in result.get_step_failure_events()}


@dataclass(frozen=True)
class Snapshot:
    """What a file in the lake is: its inode, modification time and content hash."""

    inode: int
    mtime_ns: int
    sha256: str


def snapshot(folder: Path) -> dict[str, Snapshot]:
    """Every file under ``folder`` by relative path."""
    files = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files[path.relative_to(folder).as_posix()] = Snapshot(stat.st_ino, stat.st_mtime_ns, digest)
    return files


def temporary_leftovers(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix() for path in Path(folder).rglob("*") if TEMPORARY.search(path.name)
    )


def quarantine(lake: Path, domain: str, asset: str) -> pd.DataFrame:
    path = lake / domain / "quarantine" / f"{asset}.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=["file", "row", "reason", "content"])
