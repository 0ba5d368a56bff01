"""Resumable Keras training shared by every model: checkpoint each epoch, early stopping, TensorBoard.

A run that crashes after epoch k restarts from the checkpoint of epoch k, with the early-stopping
state (best loss, epochs without improvement) it had, as long as the training fingerprint (config,
data version, seed) is unchanged. A changed fingerprint starts over.
"""

from __future__ import annotations

import json
import shutil
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assets.common.atomic import write_json_atomic
from assets.common.model_files import load_keras_model, record_sha256

LAST_MODEL = "last.keras"
BEST_WEIGHTS = "best.weights.h5"
STATE = "state.json"


# The per-epoch histories of the trainings inside a `recorded_histories()` block (None outside one).
_RECORDED_HISTORIES: ContextVar[dict[str, dict[str, list[float]]] | None] = ContextVar("histories", default=None)


@contextmanager
def recorded_histories() -> Iterator[dict[str, dict[str, list[float]]]]:
    """Collect the history of every :func:`fit_resumable` run inside the block, keyed by :func:`history_name`
    (e.g. ``backtest`` and ``production/refit``): the curves the experiment tracker logs."""
    histories: dict[str, dict[str, list[float]]] = {}
    token = _RECORDED_HISTORIES.set(histories)
    try:
        yield histories
    finally:
        _RECORDED_HISTORIES.reset(token)


def history_name(checkpoint_dir: Path) -> str:
    """A fit's name among those of one training: its checkpoint folder below the nearest `checkpoints`
    folder (``backtest``, ``production/refit``; empty for a training with one fit), else its last two names."""
    parts = Path(checkpoint_dir).parts
    if "checkpoints" in parts:
        below = parts[len(parts) - parts[::-1].index("checkpoints") :]
        return "/".join(below)
    return "/".join(parts[-2:])


@dataclass
class TrainingOutcome:
    """What ``fit_resumable`` did: epochs run in total, the best epoch, per-epoch history, resume point.

    Without a monitor (a fixed number of epochs) the best epoch is the last and ``best_monitor_value`` is NaN.
    """

    epochs_run: int
    best_epoch: int
    best_monitor_value: float
    history: dict[str, list[float]]
    resumed_from_epoch: int
    stopped_early: bool


def _checkpoint_callback_class() -> type:
    import keras

    class ResumableCheckpoint(keras.callbacks.Callback):
        """Saves the full model every epoch and the best weights, with early-stopping state beside them."""

        def __init__(self, directory: Path, fingerprint: str, monitor: str | None, patience: int, state: dict) -> None:
            super().__init__()
            self.directory = directory
            self.fingerprint = fingerprint
            self.monitor = monitor
            self.patience = patience
            self.state = state
            self.stopped_early = False

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = logs or {}
            if self.monitor is not None and self.monitor not in logs:
                raise ValueError(f"monitor {self.monitor!r} not in the epoch logs {sorted(logs)}")
            # monitor=None: a fixed number of epochs, so every epoch is "the best so far" and the last is kept.
            value = -float(epoch + 1) if self.monitor is None else float(logs[self.monitor])
            history = self.state.setdefault("history", {})
            for name, logged in logs.items():
                history.setdefault(name, []).append(float(logged))
            if value < self.state["best"]:
                self.state.update(best=value, best_epoch=epoch + 1, wait=0)
                # written beside, then renamed: a kill mid-write never leaves a truncated best.weights.h5
                self.model.save_weights(self.directory / f".{BEST_WEIGHTS}.tmp.weights.h5")
                (self.directory / f".{BEST_WEIGHTS}.tmp.weights.h5").replace(self.directory / BEST_WEIGHTS)
            else:
                self.state["wait"] += 1
            self.state["epoch"] = epoch + 1
            self.model.save(self.directory / f".{LAST_MODEL}.tmp.keras")
            (self.directory / f".{LAST_MODEL}.tmp.keras").replace(self.directory / LAST_MODEL)
            record_sha256(self.directory / LAST_MODEL)
            write_json_atomic(self.directory / STATE, {**self.state, "fingerprint": self.fingerprint})
            if self.state["wait"] >= self.patience:
                self.stopped_early = True
                self.model.stop_training = True

    return ResumableCheckpoint


def load_resume_state(checkpoint_dir: Path, fingerprint: str) -> dict | None:
    """The saved state when it belongs to this fingerprint, else None (and stale checkpoints removed)."""
    state_path = Path(checkpoint_dir) / STATE
    if not state_path.exists():
        return None
    state = json.loads(state_path.read_text())
    if state.get("fingerprint") != fingerprint or not (Path(checkpoint_dir) / LAST_MODEL).exists():
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return None
    return state


def fit_resumable(
    model: Any,
    train_data: Any,
    validation_data: Any | None,
    *,
    epochs: int,
    checkpoint_dir: Path,
    fingerprint: str,
    patience: int = 3,
    monitor: str | None = "val_loss",
    tensorboard_dir: Path | None = None,
    extra_callbacks: list[Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
    verbose: int = 0,
) -> tuple[Any, TrainingOutcome]:
    """Train ``model`` (or resume its checkpoint), stop early on ``monitor``, return the best-weights model.

    ``monitor=None`` trains exactly ``epochs`` epochs and keeps the last weights (a refit on all the data
    for an epoch count chosen earlier; ``validation_data`` may then be None). The returned model may be a
    different object from ``model`` when training resumed from disk.
    """
    import keras

    checkpoint_dir = Path(checkpoint_dir)
    state = load_resume_state(checkpoint_dir, fingerprint)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    resumed_from = 0
    if state is not None:
        try:
            model = load_keras_model(checkpoint_dir / LAST_MODEL, custom_objects=custom_objects)
            resumed_from = int(state["epoch"])
        except (OSError, ValueError) as error:  # unreadable checkpoint: train from the start instead of failing
            warnings.warn(f"{checkpoint_dir / LAST_MODEL} does not load ({error}); training starts over", stacklevel=2)
            shutil.rmtree(checkpoint_dir)
            checkpoint_dir.mkdir(parents=True)
            state = None
    if state is None:
        state = {"epoch": 0, "best": float("inf"), "best_epoch": 0, "wait": 0, "history": {}}

    checkpoint = _checkpoint_callback_class()(checkpoint_dir, fingerprint, monitor, patience, state)
    callbacks = [checkpoint, *(extra_callbacks or [])]
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard_dir), write_graph=False))
    already_stopped = state["wait"] >= patience
    if resumed_from < epochs and not already_stopped:
        model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            initial_epoch=resumed_from,
            callbacks=callbacks,
            verbose=verbose,
        )
    if (checkpoint_dir / BEST_WEIGHTS).exists():
        model.load_weights(checkpoint_dir / BEST_WEIGHTS)
    outcome = TrainingOutcome(
        epochs_run=int(state["epoch"]),
        best_epoch=int(state["best_epoch"]),
        best_monitor_value=float("nan") if monitor is None else float(state["best"]),
        history=state["history"],
        resumed_from_epoch=resumed_from,
        stopped_early=checkpoint.stopped_early or already_stopped,
    )
    recorder = _RECORDED_HISTORIES.get()
    if recorder is not None:
        recorder[history_name(checkpoint_dir)] = outcome.history
    return model, outcome


@dataclass(frozen=True)
class FittedModel:
    """A finished fit: the model :func:`fit_resumable` returned, what it did, and the seconds it took in this
    process (a resumed fit counts only the epochs it ran now)."""

    model: Any
    outcome: TrainingOutcome
    train_seconds: float

    def summary_fields(self, seconds_digits: int | None = None) -> dict[str, Any]:
        """The training fields a model asset reports; ``train_seconds`` rounded to ``seconds_digits`` if given."""
        seconds = self.train_seconds if seconds_digits is None else round(self.train_seconds, seconds_digits)
        return {
            "epochs_run": self.outcome.epochs_run,
            "best_epoch": self.outcome.best_epoch,
            "best_val_loss": self.outcome.best_monitor_value,
            "stopped_early": self.outcome.stopped_early,
            "resumed_from_epoch": self.outcome.resumed_from_epoch,
            "train_seconds": seconds,
        }


def timed_fit(model: Any, train_data: Any, validation_data: Any | None, **fit_options: Any) -> FittedModel:
    """:func:`fit_resumable` (``fit_options`` are its keyword arguments), with the seconds it took."""
    started = time.perf_counter()
    model, outcome = fit_resumable(model, train_data, validation_data, **fit_options)
    return FittedModel(model, outcome, time.perf_counter() - started)
