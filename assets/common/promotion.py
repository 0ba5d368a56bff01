"""Promotion that holds under any asset selection and any overlap of runs.

Three rules carry "retraining never ships a worse model":

1. **Decide from the candidate's own evaluation.** A report that scores a candidate also stores that
   evaluation inside the candidate's version folder (``evaluation.json``, see
   :func:`assets.common.reports.write_report`). The blessing check and the promotion both call
   :func:`decide` on that record, so they cannot disagree, and editing or overwriting a report file
   later changes nothing.
2. **Compare and set.** The evaluation names the champion it was compared against. The champion
   pointer moves only if it still points there (:func:`promote_if_unchanged`, under the task's lock);
   otherwise the promotion is refused with the reason.
3. **Never delete what is in use.** Pruning (under the same lock) keeps the champion and every version
   a running report holds a lease on (:func:`champion_lease`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

from assets.common.atomic import file_lock
from assets.common.model_registry import bless, promote, prune, read_champion, read_version_file

EVALUATION_FILE = "evaluation.json"
LEASES_DIR = ".leases"
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class Decision:
    """Whether a candidate may become the champion, with everything the UI shows about why."""

    candidate: str
    passed: bool
    reasons: list[str]
    candidate_value: float
    champion_before: str | None
    champion_value: float | None
    baselines: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        return {
            "candidate_version": self.candidate,
            "candidate": self.candidate_value,
            "champion": self.champion_value if self.champion_value is not None else "none yet",
            "compared_with_version": self.champion_before or "none",
            **{f"baseline_{name}": value for name, value in self.baselines.items()},
            "reasons": "; ".join(self.reasons) or "blessed",
            **({"warnings": "; ".join(self.warnings)} if self.warnings else {}),
        }


def read_evaluation(version_dir: Path) -> dict[str, Any]:
    """The report stored with a candidate version; a clear error when the version was never evaluated."""
    return read_version_file(
        version_dir, EVALUATION_FILE, "was never evaluated by its report (materialize the report, then its champion)"
    )


def decide(evaluation: Mapping[str, Any], primary_metric: str, *, higher_is_better: bool, tolerance: float) -> Decision:
    """Bless or refuse the evaluated candidate: every baseline beaten, no worse than the champion it was
    compared against by more than ``tolerance``. A baseline the evaluation lists as advisory (its task's
    strong baseline, with ``strong_baseline_blocks: false``) that is not beaten is a warning instead."""
    baselines = {name: float(values[primary_metric]) for name, values in evaluation["baselines"].items()}
    advisory = set(evaluation.get("advisory_baselines") or ())
    before = evaluation.get("champion_before") or {}
    champion_value = before.get("metrics", {}).get(primary_metric)
    candidate_value = float(evaluation["metrics"][primary_metric])
    blocking = {name: value for name, value in baselines.items() if name not in advisory}
    verdict = bless(candidate_value, champion_value, blocking, higher_is_better=higher_is_better, tolerance=tolerance)
    advice = bless(
        candidate_value,
        None,
        {name: value for name, value in baselines.items() if name in advisory},
        higher_is_better=higher_is_better,
        tolerance=tolerance,
    )
    return Decision(
        candidate=evaluation["candidate"]["version"],
        passed=verdict.passed,
        reasons=verdict.reasons,
        candidate_value=candidate_value,
        champion_before=before.get("version"),
        champion_value=float(champion_value) if champion_value is not None else None,
        baselines=baselines,
        warnings=[
            f"{reason} (advisory: this task's strong baseline warns, it does not block)" for reason in advice.reasons
        ],
    )


@contextmanager
def task_lock(task_dir: Path) -> Iterator[None]:
    """An exclusive lock on a task's folder, across processes on this machine (and NFS with lockd)."""
    with file_lock(Path(task_dir) / LOCK_FILE):
        yield


@contextmanager
def champion_lease(task_dir: Path) -> Iterator[dict[str, Any] | None]:
    """The champion pointer (None when there is none), its version kept from pruning inside the block.

    Reading the pointer and taking the lease happen under the task's lock, so a promotion and prune in
    another run cannot delete the version between the two."""
    task_dir = Path(task_dir)
    with task_lock(task_dir):
        pointer = read_champion(task_dir)
        lease = None
        if pointer is not None:
            lease = task_dir / pointer["version"] / LEASES_DIR / f"{socket.gethostname()}-{os.getpid()}-{uuid4().hex}"
            lease.parent.mkdir(exist_ok=True)
            lease.touch()
    try:
        yield pointer
    finally:
        if lease is not None:
            lease.unlink(missing_ok=True)


def leased_versions(task_dir: Path) -> set[str]:
    return {lease.parent.parent.name for lease in Path(task_dir).glob(f"*/{LEASES_DIR}/*")}


@dataclass(frozen=True)
class PromotionOutcome:
    promoted: bool
    reason: str
    champion: dict[str, Any] | None
    previous_pointer: dict[str, Any] | None
    pruned: list[str]

    @property
    def previous_version(self) -> str | None:
        return self.previous_pointer["version"] if self.previous_pointer else None


def promote_if_unchanged(
    task_dir: Path,
    decision: Decision,
    version_record: Any,
    primary_metric: str,
    run_id: str,
    keep_versions: int,
    publish: Callable[[Path], object] | None = None,
) -> PromotionOutcome:
    """Point the champion at a blessed candidate if the champion is still the one it was compared with.

    Refuses (``promoted=False`` with the reason) when the champion moved since the report: the candidate
    was never compared with the new champion, so its report must run again. ``publish(version_dir)``
    (the registry's alias) runs under the same lock just before ``champion.json`` moves."""
    if not decision.passed:
        raise ValueError(f"candidate {decision.candidate} was refused: {'; '.join(decision.reasons)}")
    with task_lock(task_dir):
        pointer = read_champion(task_dir)
        current = pointer["version"] if pointer else None
        if current == decision.candidate:
            return PromotionOutcome(False, "already the champion", pointer, pointer, [])
        if current != decision.champion_before:
            reason = (
                f"the champion moved to {current or 'none'} after the report compared the candidate with "
                f"{decision.champion_before or 'no champion'}: re-run the report to compare it with {current}"
            )
            return PromotionOutcome(False, reason, pointer, pointer, [])
        if publish is not None:
            publish(Path(task_dir) / decision.candidate)
        promoted = promote(task_dir, version_record, primary_metric, decision.candidate_value, run_id)
        pruned = prune(task_dir, keep_versions, keep_also=leased_versions(task_dir))
        return PromotionOutcome(True, "promoted", promoted, pointer, pruned)
