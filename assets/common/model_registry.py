"""Model versions and champions: retraining never silently replaces a better model.

Layout under ``<lake>/<domain>/models/<task>/``::

    <version>/            model file(s), version.json (config, data version, code version, metrics)
    champion.json         the version in use; written atomically, only by :func:`promote`

A version folder appears whole or not at all (written in a temporary sibling, then renamed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assets.common.atomic import atomic_directory, write_json_atomic, write_text_atomic
from assets.common.model_files import VERSION_FILE, folder_hashes, load_joblib, load_keras_model

CHAMPION_FILE = "champion.json"
EVALUATIONS_FILE = "evaluations.jsonl"


class NoChampionError(LookupError):
    """Raised when a task has never had a model promoted."""


class ChampionPointerError(ValueError):
    """Raised when a task's champion.json cannot be read or names a version that is not there."""

    def __init__(self, task_dir: Path, problem: str) -> None:
        task = Path(task_dir).name
        super().__init__(
            f"task {task!r}: the champion pointer {Path(task_dir) / CHAMPION_FILE} {problem}. To repair: point it "
            f"at a version MLflow knows (`mlflow.MlflowClient().get_model_version_by_alias({task!r}, 'champion')`"
            f' names it; write {{"version": "<that version>"}} to the file), or remove the file and '
            f"materialize `{task}_champion`, which promotes the next blessed candidate"
        )


@dataclass(frozen=True)
class ModelVersion:
    """One trained model as stored on disk."""

    task: str
    version: str
    path: str
    model_file: str
    config: dict[str, Any]
    data_version: str
    code_version: str
    metrics: dict[str, float]
    created_at: str
    files: dict[str, str] = field(default_factory=dict)  # SHA-256 of each file, checked before loading

    @property
    def model_path(self) -> Path:
        return Path(self.path) / self.model_file


@dataclass(frozen=True)
class BlessingDecision:
    """Whether a candidate may replace the champion, and why."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


def code_version(package_dir: Path) -> str:
    """A hash of the Python sources of a package: changes when the code that trains a model changes."""
    digest = hashlib.sha256()
    for path in sorted(Path(package_dir).rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def new_version_id(now: datetime | None = None) -> str:
    """The time (UTC, to the microsecond; ids sort by creation) and a random suffix, so that two processes
    writing a version of one task in the same microsecond still get two ids."""
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:4]}"


def write_version(
    task_dir: Path,
    task: str,
    save_model: Callable[[Path], str],
    *,
    config: Mapping[str, Any],
    data_version: str,
    code_version: str,
    metrics: Mapping[str, float] | None = None,
) -> ModelVersion:
    """Save a new model version. ``save_model(folder)`` writes the model and returns its file name."""
    version = new_version_id()
    final = Path(task_dir) / version
    with atomic_directory(final, replace=False) as staging:
        model_file = save_model(staging)
        hashes = folder_hashes(staging)
        record = ModelVersion(
            task=task,
            version=version,
            path=str(final),
            model_file=model_file,
            config=dict(config),
            data_version=data_version,
            code_version=code_version,
            metrics={name: float(value) for name, value in (metrics or {}).items()},
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            files=hashes,
        )
        (staging / VERSION_FILE).write_text(json.dumps(asdict(record), indent=2))
    return record


def read_version_file(version_dir: Path, name: str, missing_because: str) -> dict[str, Any]:
    """A JSON file stored with a version (its evaluation, its MLflow run), or an error saying why it is not."""
    path = Path(version_dir) / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: version {Path(version_dir).name} {missing_because}")
    return json.loads(path.read_text())


def read_version(version_dir: Path) -> ModelVersion:
    return ModelVersion(**json.loads((Path(version_dir) / VERSION_FILE).read_text()))


def list_versions(task_dir: Path) -> list[ModelVersion]:
    """Complete versions, oldest first (temporary folders of crashed writes are ignored)."""
    task_dir = Path(task_dir)
    if not task_dir.is_dir():
        return []
    folders = [path for path in task_dir.iterdir() if path.is_dir() and (path / VERSION_FILE).exists()]
    return [read_version(path) for path in sorted(folders, key=lambda path: path.name)]


def read_champion(task_dir: Path) -> dict[str, Any] | None:
    """The task's champion pointer (``version``, ``metric``, ``value``, ...), or None before any promotion.

    Raises :class:`ChampionPointerError` (naming the task and how to repair it) when the file is not a
    JSON object with a ``version``, or names a version folder that is not there."""
    pointer = Path(task_dir) / CHAMPION_FILE
    if not pointer.exists():
        return None
    try:
        record = json.loads(pointer.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ChampionPointerError(task_dir, f"is not valid JSON ({error})") from error
    if not isinstance(record, dict) or not isinstance(record.get("version"), str):
        raise ChampionPointerError(task_dir, 'has no "version" field')
    if not (Path(task_dir) / record["version"] / VERSION_FILE).exists():
        raise ChampionPointerError(task_dir, f"names version {record['version']!r}, which is not in {task_dir}")
    return record


def bless(
    candidate: float,
    champion: float | None,
    baselines: Mapping[str, float],
    *,
    higher_is_better: bool,
    tolerance: float,
) -> BlessingDecision:
    """A candidate is blessed when it beats every baseline and is no worse than the champion by more than
    ``tolerance`` (in the metric's own units)."""

    def better(ours: float, theirs: float) -> bool:
        return ours > theirs if higher_is_better else ours < theirs

    reasons = [
        f"does not beat baseline {name} ({candidate:.4f} vs {value:.4f})"
        for name, value in baselines.items()
        if not better(candidate, value)
    ]
    if champion is not None:
        worse_by = (champion - candidate) if higher_is_better else (candidate - champion)
        if worse_by > tolerance:
            reasons.append(f"worse than the champion by {worse_by:.4f} ({candidate:.4f} vs {champion:.4f})")
    return BlessingDecision(passed=not reasons, reasons=reasons)


def promote(task_dir: Path, version: ModelVersion, primary_metric: str, value: float, run_id: str) -> dict[str, Any]:
    """Point ``champion.json`` at ``version`` (atomic replace); return the new pointer."""
    pointer = {
        "task": version.task,
        "version": version.version,
        "path": version.path,
        "model_file": version.model_file,
        "primary_metric": primary_metric,
        "value": float(value),
        "promoted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
    }
    write_json_atomic(Path(task_dir) / CHAMPION_FILE, pointer)
    return pointer


def prune(task_dir: Path, keep: int, keep_also: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Delete all but the newest ``keep`` versions, never the champion nor ``keep_also`` (versions in use);
    return the deleted version ids."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    champion = read_champion(task_dir)
    in_use = {*keep_also, champion["version"]} if champion else set(keep_also)
    versions = [version.version for version in list_versions(task_dir)]
    deleted = [version for version in versions[:-keep] if version not in in_use]
    for version in deleted:
        shutil.rmtree(Path(task_dir) / version)
    return deleted


def champion_version(task_dir: Path, task: str) -> ModelVersion:
    """The champion's version record; raises :class:`NoChampionError` naming the task when there is none."""
    pointer = read_champion(task_dir)
    if pointer is None:
        raise NoChampionError(f"task {task!r} has no champion yet ({Path(task_dir) / CHAMPION_FILE} is missing)")
    return read_version(Path(task_dir) / pointer["version"])


def append_evaluation(task_dir: Path, version: str, metrics: Mapping[str, float]) -> None:
    """Record one candidate's test metrics in ``evaluations.jsonl`` (rewritten atomically)."""
    path = Path(task_dir) / EVALUATIONS_FILE
    previous = path.read_text() if path.exists() else ""
    record = {
        "version": version,
        "evaluated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "metrics": {name: float(value) for name, value in metrics.items()},
    }
    write_text_atomic(path, previous + json.dumps(record) + "\n")


def read_evaluations(task_dir: Path) -> list[dict[str, Any]]:
    path = Path(task_dir) / EVALUATIONS_FILE
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


class RegistryMismatchError(LookupError):
    """Raised when MLflow's `champion` alias and the lake's champion.json name different versions."""


def load_champion(domain: str, task: str, home: str = "", tracking_uri: str = "") -> tuple[Any, ModelVersion]:
    """Load the champion model of ``task`` outside Dagster from the registry (``models:/<task>@champion``);
    returns the model and its version record.

    The alias must name the version ``champion.json`` names (they move together, under one lock): a
    mismatch raises :class:`RegistryMismatchError` naming both. ``.keras`` files load with Keras (the
    domain's ``model`` module is imported first so its custom layers are registered); ``.joblib`` files
    with joblib.
    """
    import importlib
    import importlib.util
    import tempfile

    from resources.settings import encore_home
    from resources.tracking import download_champion

    task_dir = encore_home(home) / "lake" / domain / "models" / task
    record = champion_version(task_dir, task)
    with tempfile.TemporaryDirectory(prefix=f"encore-{task}-") as scratch:
        folder, registered = download_champion(task, Path(scratch), tracking_uri, home)
        if registered != record.version:
            raise RegistryMismatchError(
                f"task {task!r}: MLflow's alias models:/{task}@champion is version {registered} but "
                f"{task_dir / CHAMPION_FILE} names {record.version}; materialize {task}_champion to repair"
            )
        model_path = folder / record.model_file
        expected = record.files.get(record.model_file)  # the lake's record, not the downloaded copy's
        if record.model_file.endswith(".joblib"):
            return load_joblib(model_path, expected), record
        if importlib.util.find_spec(f"assets.{domain}.model") is not None:
            importlib.import_module(f"assets.{domain}.model")
        return load_keras_model(model_path, expected=expected), record
