"""Atomic writes: every file or folder appears whole under its final name or not at all.

A crashed step can leave a temporary sibling (``.<name>.tmp-<id>``) behind, never a half-written
file under the name a reader opens.
"""

from __future__ import annotations

import ctypes
import errno
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
def atomic_directory(final: Path, replace: bool = True) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; swap it in for ``final`` on success (with
    ``replace=False``, raise FileExistsError instead when ``final`` exists: a new folder never replaces one).

    Readers see the complete old folder or the complete new one: on Linux the two are exchanged in one
    ``renameat2(RENAME_EXCHANGE)`` (no moment without ``final``); elsewhere the old one is moved aside first.
    Writers of one folder commit one at a time (a lock beside it), so two runs writing the same folder
    both succeed and the last one's folder stays.
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
        with file_lock(final.parent / COMMIT_LOCK):
            if final.exists() and not replace:
                raise FileExistsError(f"{final} already exists; it is not replaced")
            if final.exists() and exchange_paths(temporary, final):
                retired = temporary  # now holds the old folder
            else:
                retired = _temporary_sibling(final)
                if final.exists():
                    os.replace(final, retired)
                os.replace(temporary, final)
            fsync_path(final.parent)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


COMMIT_LOCK = ".atomic-commit.lock"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False,
    with nothing changed, where the C library or the file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(second))


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
