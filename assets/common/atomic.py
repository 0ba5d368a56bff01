"""Atomic writes: every file or folder appears whole under its final name or not at all.

A crashed step can leave a temporary sibling (``.<name>.tmp-<id>``) behind, never a half-written
file under the name a reader opens.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


def _temporary_sibling(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp-{uuid.uuid4().hex[:8]}")


def fsync_path(path: Path) -> None:
    """Flush a file or a folder to disk: a rename survives a power loss only when the renamed file's data
    and the folder that holds the new name are both on disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it onto ``final`` (both flushed) when the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_sibling(final)
    try:
        yield temporary
        if temporary.is_file():
            fsync_path(temporary)
        os.replace(temporary, final)
        fsync_path(final.parent)
    finally:
        if temporary.exists():
            temporary.unlink()


@contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; swap it in for ``final`` on success.

    The old folder is moved aside before the rename and deleted after it, so readers see either
    the complete old folder or the complete new one.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_sibling(final)
    temporary.mkdir()
    try:
        yield temporary
        for written in temporary.rglob("*"):
            if written.is_file():
                fsync_path(written)
        retired = _temporary_sibling(final)
        if final.exists():
            os.replace(final, retired)
        os.replace(temporary, final)
        fsync_path(final.parent)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def write_bytes_atomic(path: Path, payload: bytes) -> Path:
    with atomic_path(path) as temporary:
        temporary.write_bytes(payload)
    return Path(path)


def write_text_atomic(path: Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, payload: Any) -> Path:
    return write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as temporary:
        frame.to_parquet(temporary, index=False, engine="pyarrow")
    return Path(path)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock held on ``path`` (created if missing) across processes on this machine."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
