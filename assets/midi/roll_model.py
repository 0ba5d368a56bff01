"""The piano-roll LSTM: frame t+1 from frames up to t, a sigmoid per key, cross-entropy summed over keys."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
from pydantic import Field

from assets.common.training import FittedModel, timed_fit
from assets.midi.roll_records import PAD_VALUE
from assets.midi.rolls import NUM_KEYS

MODEL_FILE = "model.keras"


class RollModelSettings(dg.Config):
    """Hyperparameters of the piano-roll LSTM and its training: pianoroll_model's config. The training length
    and windows become a :class:`RollTrainingPlan` with the shard folders."""

    lstm_units: int = Field(default=256, description="Units of the LSTM layer.")
    dropout: float = Field(default=0.3, description="Dropout after the LSTM.")
    learning_rate: float = Field(default=3e-3, description="Adam learning rate (gradient norm clipped at clipnorm).")
    clipnorm: float = Field(default=5.0, description="Gradient norm clipping of the Adam updates.")
    window_frames: int = Field(default=100, description="Truncated-BPTT window; a new random phase every epoch.")
    batch_size: int = Field(default=16, description="Windows per batch.")
    max_epochs: int = Field(default=30, description="Upper bound on epochs; early stopping usually ends sooner.")
    patience: int = Field(default=4, description="Epochs without a better monitor loss before stopping.")
    max_train_minutes: float = Field(default=0.0, description="Stop after the epoch that passes this; 0 = no limit.")
    frame_skip: bool = Field(
        default=False, description="Add a linear map of the current frame to the output logits (faster to learn)."
    )


def _keras_objects() -> dict[str, Any]:
    from assets.midi.model import summed_binary_crossentropy

    return {"summed_binary_crossentropy": summed_binary_crossentropy}


def custom_objects() -> dict[str, Any]:
    """What ``keras.models.load_model`` needs to read a saved piano-roll model."""
    return _keras_objects()


def build_model(settings: RollModelSettings) -> Any:
    """Masked frames in, one LSTM layer, dropout, Dense(88) sigmoid out; compiled with the summed BCE.

    ``frame_skip`` adds a linear map of the current frame to the output logits (a per-key "stays on"
    term the LSTM need not learn first)."""
    import keras
    from keras import layers

    if settings.lstm_units < 1:
        raise ValueError(f"lstm_units must be positive, got {settings.lstm_units}")
    if not 0.0 <= settings.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {settings.dropout}")
    frames = keras.Input(shape=(None, NUM_KEYS), name="frames")
    masked = layers.Masking(mask_value=PAD_VALUE, name="padding_mask")(frames)
    hidden = layers.LSTM(settings.lstm_units, return_sequences=True, name="lstm")(masked)
    hidden = layers.Dropout(settings.dropout, name="dropout")(hidden)
    if settings.frame_skip:
        logits = layers.Add(name="next_frame_logits")(
            [
                layers.Dense(NUM_KEYS, name="lstm_logits")(hidden),
                layers.Dense(NUM_KEYS, use_bias=False, name="frame_skip")(masked),
            ]
        )
        probabilities = layers.Activation("sigmoid", name="next_frame")(logits)
    else:
        probabilities = layers.Dense(NUM_KEYS, activation="sigmoid", name="next_frame")(hidden)
    model = keras.Model(frames, probabilities, name="pianoroll_lstm")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=settings.learning_rate, clipnorm=settings.clipnorm),
        loss=_keras_objects()["summed_binary_crossentropy"],
    )
    return model


def time_budget_callback(max_seconds: float) -> Any:
    """A callback that stops training after the epoch in which ``max_seconds`` of training ran out."""
    import keras

    class TimeBudget(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if time.perf_counter() - self.started >= max_seconds:
                self.model.stop_training = True

    return TimeBudget()


def save_roll_model(model: Any, folder: Path) -> str:
    """Save the model into a version folder; returns the file name (for ``write_version``)."""
    model.save(Path(folder) / MODEL_FILE)
    return MODEL_FILE


def load_model(path: Path) -> Any:
    from assets.common.model_files import load_keras_model

    return load_keras_model(path, custom_objects=custom_objects())


def predict_next_frames(model: Any, rolls: dict[str, np.ndarray], batch_size: int = 32) -> dict[str, np.ndarray]:
    """For each whole tune (from a fresh state): probabilities of frames 1..T-1 given the frames before."""
    ids = sorted(rolls, key=lambda tune_id: len(rolls[tune_id]))
    predictions: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), batch_size):
        batch_ids = ids[start : start + batch_size]
        longest = max(len(rolls[tune_id]) - 1 for tune_id in batch_ids)
        inputs = np.full((len(batch_ids), longest, NUM_KEYS), PAD_VALUE, dtype=np.float32)
        for row, tune_id in enumerate(batch_ids):
            inputs[row, : len(rolls[tune_id]) - 1] = rolls[tune_id][:-1]
        # Trailing padding is masked and comes after every real step, so it cannot change them.
        outputs = np.asarray(model.predict_on_batch(inputs))
        for row, tune_id in enumerate(batch_ids):
            predictions[tune_id] = outputs[row, : len(rolls[tune_id]) - 1]
    return predictions


@dataclass(frozen=True)
class RollTrainingPlan:
    """Where the windows come from and how long to train."""

    train_dir: Path
    monitor_dir: Path
    monitor_is_train_holdout: bool
    window: int = 100
    batch_size: int = 16
    max_epochs: int = 30
    patience: int = 4
    max_train_seconds: float = 0.0
    holdout_buckets: int = 10


def train_roll_model(
    settings: RollModelSettings,
    plan: RollTrainingPlan,
    *,
    seed: int,
    checkpoint_dir: Path,
    fingerprint: str,
    tensorboard_dir: Path | None,
) -> FittedModel:
    """Fit on random-phase windows, early-stop on the monitor windows."""
    from assets.midi.roll_records import window_dataset

    holdout = plan.holdout_buckets if plan.monitor_is_train_holdout else 0
    train_windows = window_dataset(
        plan.train_dir, plan.window, plan.batch_size, seed=seed, random_phase=True, holdout_buckets=holdout
    )
    monitor_windows = window_dataset(
        plan.monitor_dir,
        plan.window,
        plan.batch_size,
        seed=seed,
        random_phase=False,
        holdout_buckets=holdout,
        keep_holdout=True,
    )
    extra = []
    if plan.max_train_seconds > 0:
        extra.append(time_budget_callback(plan.max_train_seconds))
    return timed_fit(
        build_model(settings),
        train_windows,
        monitor_windows,
        epochs=plan.max_epochs,
        checkpoint_dir=checkpoint_dir,
        fingerprint=fingerprint,
        patience=plan.patience,
        tensorboard_dir=tensorboard_dir,
        extra_callbacks=extra,
        custom_objects=custom_objects(),
    )
