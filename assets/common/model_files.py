"""Model files are loaded only after their SHA-256 matches the one recorded when Encore wrote them.

A Keras or joblib file is code as much as data: joblib unpickles arbitrary objects, and a `.keras` archive
names the layers to build (Keras 3.14+ closes the known `safe_mode` bypasses; `pyproject.toml` requires it,
and every load here keeps `safe_mode=True`). Whoever can write the lake could swap a file, so each file's
hash is recorded when it is written: in ``version.json`` (``files``) for a registered version, in a
``<file>.sha256`` beside it for a file written outside a version (a contender, a checkpoint). Loading
recomputes it first and refuses a file whose hash differs or was never recorded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from assets.common.atomic import write_text_atomic

VERSION_FILE = "version.json"  # a registry version's record (assets.common.model_registry writes it)
SIDECAR_SUFFIX = ".sha256"
VERSION_DEPTH = 3  # a model file lies at most this many folders below its version (forecast: production/)
CHUNK_BYTES = 1 << 20


class ModelFileIntegrityError(ValueError):
    """Raised before loading a model file whose SHA-256 differs from the recorded one, or was never recorded."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def folder_hashes(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file below ``folder`` (a version's models and side files), by relative path."""
    files = sorted(path for path in Path(folder).rglob("*") if path.is_file())
    return {path.relative_to(folder).as_posix(): sha256_of(path) for path in files}


def record_sha256(path: Path) -> Path:
    """Write ``<file>.sha256`` beside a model file saved outside a version; returns the file's path."""
    write_text_atomic(Path(str(path) + SIDECAR_SUFFIX), sha256_of(path) + "\n")
    return Path(path)


def recorded_sha256(path: Path) -> str | None:
    """The hash recorded for ``path``: the ``files`` entry of the version it is in (its own folder or one
    above it), else its sidecar, else None."""
    path = Path(path)
    for version_dir in list(path.parents)[:VERSION_DEPTH]:
        if (version_dir / VERSION_FILE).exists():
            files = json.loads((version_dir / VERSION_FILE).read_text()).get("files", {})
            recorded = files.get(path.relative_to(version_dir).as_posix())
            if recorded:
                return recorded
            break
    sidecar = Path(str(path) + SIDECAR_SUFFIX)
    return sidecar.read_text().strip() if sidecar.exists() else None


def verified(path: Path, expected: str | None = None) -> Path:
    """``path``, once its SHA-256 equals ``expected`` (default: the recorded one); raises
    :class:`ModelFileIntegrityError` naming the file otherwise."""
    path = Path(path)
    expected = expected or recorded_sha256(path)
    if expected is None:
        raise ModelFileIntegrityError(
            f"{path}: no SHA-256 was recorded for this model file (neither in {VERSION_FILE} nor in "
            f"{path.name}{SIDECAR_SUFFIX}), so it is not loaded; retrain it (a lake written before hashes were "
            "recorded needs a fresh ENCORE_HOME)"
        )
    actual = sha256_of(path)
    if actual != expected:
        raise ModelFileIntegrityError(
            f"{path}: SHA-256 {actual[:16]}... differs from the recorded {expected[:16]}...: the file changed "
            "after Encore wrote it, so it is not loaded; retrain it or restore it from MLflow's artifacts"
        )
    return path


def load_keras_model(path: Path, custom_objects: dict[str, Any] | None = None, expected: str | None = None) -> Any:
    """A verified `.keras` file loaded with Keras in safe mode."""
    import keras

    return keras.models.load_model(verified(path, expected), custom_objects=custom_objects, safe_mode=True)


def load_joblib(path: Path, expected: str | None = None) -> Any:
    """A verified joblib file (a scikit-learn pipeline) unpickled."""
    import joblib

    return joblib.load(verified(path, expected))
