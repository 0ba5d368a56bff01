"""Fingerprints of raw files: what is there, how big, and a content hash used as the data version."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

MANIFEST_COLUMNS = ["relative_path", "path", "bytes", "sha256"]


def list_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Every file under ``folder`` whose name ends in one of ``suffixes`` (case-insensitive), sorted."""
    folder = Path(folder)
    lowered = tuple(suffix.lower() for suffix in suffixes)
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".") and path.name.lower().endswith(lowered)
    )


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def manifest(folder: Path, suffixes: tuple[str, ...]) -> pd.DataFrame:
    """One row per raw file: path relative to ``folder``, absolute path, size and content hash."""
    folder = Path(folder)
    rows = [
        {
            "relative_path": path.relative_to(folder).as_posix(),
            "path": str(path.resolve()),
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
        }
        for path in list_files(folder, suffixes)
    ]
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


def manifest_version(files: pd.DataFrame) -> str:
    """A hash of every (relative path, content hash) pair: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for relative_path, sha in zip(files["relative_path"], files["sha256"], strict=True):
        digest.update(f"{relative_path}\0{sha}\n".encode())
    return digest.hexdigest()[:16]


def cheap_fingerprint(folder: Path, suffixes: tuple[str, ...]) -> str:
    """Path, size and modification time of every file: cheap enough for a sensor to call every minute."""
    digest = hashlib.sha256()
    for path in list_files(folder, suffixes):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
