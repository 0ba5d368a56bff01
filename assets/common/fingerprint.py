"""Fingerprints of raw files: what is there, how big, and a content hash used as the data version."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

MANIFEST_COLUMNS = ["relative_path", "path", "bytes", "sha256"]


class RawLinkError(ValueError):
    """A raw file reached through a symbolic link that resolves outside the raw root."""


def link_leaving_root(path: Path, root: Path) -> tuple[Path, Path] | None:
    """(link, where it resolves) of the symbolic link through which ``path`` leaves ``root``, or None when it
    stays inside. ``path`` is under ``root``; ``root`` is resolved."""
    if Path(path).resolve().is_relative_to(root):
        return None
    for step in (*reversed(Path(path).relative_to(root).parents[:-1]), Path(path).relative_to(root)):
        candidate = root / step
        if candidate.is_symlink() and not candidate.resolve().is_relative_to(root):
            return candidate, candidate.resolve()
    return Path(path), Path(path).resolve()


def refuse_links_leaving_root(paths: list[Path], root: Path) -> None:
    """Raise RawLinkError naming the first path that a symbolic link takes outside ``root``."""
    resolved_root = Path(root).resolve()
    for path in paths:
        leaving = link_leaving_root(resolved_root / Path(path).relative_to(root), resolved_root)
        if leaving is not None:
            link, target = leaving
            raise RawLinkError(
                f"raw file {path} is reached through the symbolic link {link} -> {target}, which leaves the raw "
                f"root {resolved_root}: refused. Copy the file under the root, or link to a target inside it."
            )


def list_files(folder: Path, suffixes: tuple[str, ...], root: Path | None = None) -> list[Path]:
    """Every file under ``folder`` whose name ends in one of ``suffixes`` (case-insensitive), sorted.

    Symbolic links are followed only while they stay inside ``root`` (default: ``folder``), the raw root
    the folder belongs to; a file reached through one that leaves it raises RawLinkError.
    """
    folder = Path(folder)
    lowered = tuple(suffix.lower() for suffix in suffixes)
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".") and path.name.lower().endswith(lowered)
    )
    refuse_links_leaving_root(files, folder if root is None else Path(root))
    return files


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def manifest(folder: Path, suffixes: tuple[str, ...], root: Path | None = None) -> pd.DataFrame:
    """One row per raw file: path relative to ``folder``, absolute path, size and content hash.

    Files reached through a symbolic link that leaves ``root`` (default: ``folder``) are refused (RawLinkError).
    """
    folder = Path(folder)
    rows = [
        {
            "relative_path": path.relative_to(folder).as_posix(),
            "path": str(path.resolve()),
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
        }
        for path in list_files(folder, suffixes, root)
    ]
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


def manifest_version(files: pd.DataFrame) -> str:
    """A hash of every (relative path, content hash) pair: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for relative_path, sha in zip(files["relative_path"], files["sha256"], strict=True):
        digest.update(f"{relative_path}\0{sha}\n".encode())
    return digest.hexdigest()[:16]


def cheap_fingerprint(folder: Path, suffixes: tuple[str, ...], root: Path | None = None) -> str:
    """Path, size and modification time of every file: cheap enough for a sensor to call every minute."""
    digest = hashlib.sha256()
    for path in list_files(folder, suffixes, root):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
