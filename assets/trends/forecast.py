"""Training and running the play forecaster on a plays matrix (no Dagster here).

Training, as MODELLING.md found best on the real aggregates:
1. early stopping: fit on every window whose target days end before the last `horizon` training days,
   and stop on the window whose target is exactly those last days (inside the training days, never the
   backtest window);
2. refit a fresh model on all windows, validation window included, for the early-stopped epoch count.
The 60-day production model is a fresh model fitted on every window of all days for the same epoch count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
from pydantic import Field

from assets.common.atomic import write_json_atomic
from assets.common.model_files import load_keras_model
from assets.common.training import FittedModel, timed_fit
from assets.trends.features import (
    Windows,
    make_windows,
    plays_from_relative,
    window_inputs,
)

MODEL_FILE = "model.keras"
SETTINGS_FILE = "settings.json"


class ForecasterSettings(dg.Config):
    """The forecaster's architecture, training and backtest length: play_forecast_model's config."""

    input_days: int = Field(28, description="Days of plays the LSTM reads (at least 10).")
    horizon: int = Field(30, description="Days predicted in one pass (direct multi-step output).")
    first_units: int = Field(35, description="Units of the first LSTM layer.")
    second_units: int = Field(10, description="Units of the second LSTM layer.")
    dropout: float = Field(0.1, description="Dropout before the output layer.")
    learning_rate: float = Field(0.002, description="Adam learning rate.")
    batch_size: int = Field(64, description="Windows per batch.")
    max_epochs: int = Field(60, description="Most epochs; early stopping usually ends sooner.")
    patience: int = Field(8, description="Epochs without a better validation loss before stopping.")
    refit_on_all_windows: bool = Field(
        True, description="After early stopping, refit a fresh model on all windows for the best epoch count."
    )
    backtest_days: int = Field(30, description="Last days held out for the backtest in forecast_report.")


@dataclass(frozen=True)
class TrainedForecaster:
    """One copy of the forecaster and its fits: `early_stopping` chose the epoch count (the production copy has
    none: it takes the backtest's count), `refit` is a fresh model fitted on every window for that count (none
    when the settings keep the early-stopped model), and `training_windows` counts the saved model's windows."""

    early_stopping: FittedModel | None
    refit: FittedModel | None
    training_windows: int

    @property
    def model(self) -> Any:
        """The model to save: the refit's when there is one."""
        return (self.refit or self.early_stopping).model

    @property
    def train_seconds(self) -> float:
        """The seconds of its fits together."""
        return sum(fitted.train_seconds for fitted in (self.early_stopping, self.refit) if fitted is not None)


def _dataset(windows: Windows, batch_size: int, seed: int, shuffle: bool) -> Any:
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((windows.inputs, windows.targets, windows.weights))
    if shuffle:
        data = data.shuffle(len(windows.targets), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _fresh_model(settings: ForecasterSettings, seed: int) -> Any:
    import keras

    from assets.trends.model import build_model

    keras.utils.set_random_seed(seed)
    return build_model(
        settings.input_days,
        settings.horizon,
        settings.first_units,
        settings.second_units,
        settings.dropout,
        settings.learning_rate,
    )


def _fit_fixed_epochs(
    plays: np.ndarray,
    settings: ForecasterSettings,
    epochs: int,
    checkpoint_dir: Path,
    fingerprint: str,
    seed: int,
) -> tuple[FittedModel, int]:
    """A fresh model on every window of `plays` for exactly `epochs` epochs, and the number of windows."""
    from assets.trends.model import relative_error_loss

    windows = make_windows(plays, settings.input_days, settings.horizon)
    fitted = timed_fit(
        _fresh_model(settings, seed),
        _dataset(windows, settings.batch_size, seed, shuffle=True),
        None,
        epochs=epochs,
        checkpoint_dir=checkpoint_dir,
        fingerprint=fingerprint,
        patience=epochs + 1,
        monitor="loss",
        custom_objects={"relative_error_loss": relative_error_loss},
    )
    return fitted, len(windows.targets)


def train_forecaster(
    plays: np.ndarray,
    settings: ForecasterSettings,
    checkpoint_dir: Path,
    fingerprint: str,
    seed: int,
    tensorboard_dir: Path | None = None,
) -> TrainedForecaster:
    """Early stopping on the last `horizon` days of `plays`, then (optionally) a refit on all windows."""
    from assets.trends.model import relative_error_loss

    days = plays.shape[1]
    train = make_windows(plays, settings.input_days, settings.horizon, last_target_day=days - settings.horizon)
    valid = make_windows(
        plays[:, days - settings.horizon - settings.input_days :], settings.input_days, settings.horizon
    )
    early_stopping = timed_fit(
        _fresh_model(settings, seed),
        _dataset(train, settings.batch_size, seed, shuffle=True),
        _dataset(valid, settings.batch_size, seed, shuffle=False),
        epochs=settings.max_epochs,
        checkpoint_dir=Path(checkpoint_dir) / "early_stopping",
        fingerprint=fingerprint,
        patience=settings.patience,
        tensorboard_dir=tensorboard_dir,
        custom_objects={"relative_error_loss": relative_error_loss},
    )
    if not settings.refit_on_all_windows:
        return TrainedForecaster(early_stopping, None, len(train.targets))
    refit, windows = _fit_fixed_epochs(
        plays, settings, max(early_stopping.outcome.best_epoch, 1), Path(checkpoint_dir) / "refit", fingerprint, seed
    )
    return TrainedForecaster(early_stopping, refit, windows)


def train_production_forecaster(
    plays: np.ndarray, settings: ForecasterSettings, epochs: int, checkpoint_dir: Path, fingerprint: str, seed: int
) -> TrainedForecaster:
    """A fresh model on every window of all days for `epochs` epochs (the backtest's early-stopped count)."""
    refit, windows = _fit_fixed_epochs(plays, settings, max(epochs, 1), checkpoint_dir, fingerprint, seed)
    return TrainedForecaster(None, refit, windows)


def forecast_plays(model: Any, history: np.ndarray, input_days: int, days_ahead: int) -> np.ndarray:
    """Forecast `days_ahead` days per artist; beyond the model's horizon, its own forecasts become inputs."""
    if history.shape[1] < input_days:
        raise ValueError(f"need {input_days} days of history, got {history.shape[1]}")
    extended = np.asarray(history, dtype=float)
    produced = 0
    while produced < days_ahead:
        inputs, reference = window_inputs(extended[:, -input_days:])
        relative = np.asarray(model(inputs, training=False))
        block = plays_from_relative(relative, reference)
        extended = np.concatenate([extended, block], axis=1)
        produced += block.shape[1]
    return extended[:, history.shape[1] : history.shape[1] + days_ahead]


def save_forecaster(trained: TrainedForecaster, folder: Path, settings: ForecasterSettings) -> Path:
    """`model.keras` and `settings.json` in `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{MODEL_FILE}.tmp.keras"
    trained.model.save(temporary)
    temporary.replace(folder / MODEL_FILE)
    write_json_atomic(folder / SETTINGS_FILE, settings.model_dump())
    return folder / MODEL_FILE


def load_forecaster(folder: Path) -> tuple[Any, ForecasterSettings]:

    from assets.trends.model import relative_error_loss

    folder = Path(folder)
    saved = json.loads((folder / SETTINGS_FILE).read_text())
    model = load_keras_model(folder / MODEL_FILE, custom_objects={"relative_error_loss": relative_error_loss})
    return model, ForecasterSettings(**saved)


SUMMARY_COLUMNS = [
    "variant",
    "train_days",
    "first_day",
    "last_train_day",
    "epochs_run",
    "best_epoch",
    "best_validation_loss",
    "train_seconds",
    "training_windows",
]
VARIANTS = ("backtest", "production")


def train_play_forecasters(
    plays: np.ndarray,
    days: list,
    settings: ForecasterSettings,
    checkpoint_dir: Path,
    fingerprint: str,
    seed: int,
    tensorboard_dir: Path | None = None,
) -> tuple[dict[str, TrainedForecaster], Any]:
    """The backtest model (trained on the days before the last `settings.backtest_days`) and the production model
    (all days, the backtest's early-stopped epoch count); the trained models by variant and one summary
    row each (save them with :func:`save_play_forecasters`)."""
    import pandas as pd

    backtest_days = settings.backtest_days
    if backtest_days < 1 or plays.shape[1] - backtest_days < settings.input_days + 2 * settings.horizon:
        raise ValueError(
            f"{plays.shape[1]} days leave too few training days before a {backtest_days}-day backtest for "
            f"{settings.input_days} input days and a {settings.horizon}-day horizon"
        )
    checkpoint_dir = Path(checkpoint_dir)
    train_days = plays.shape[1] - backtest_days
    backtest = train_forecaster(
        plays[:, :train_days],
        settings,
        checkpoint_dir / "backtest",
        f"{fingerprint}-backtest",
        seed,
        tensorboard_dir,
    )
    early_stopping = backtest.early_stopping.outcome
    epochs = early_stopping.best_epoch
    production = train_production_forecaster(
        plays, settings, epochs, checkpoint_dir / "production", f"{fingerprint}-production", seed
    )
    trained = {"backtest": backtest, "production": production}
    # epochs_run, best_epoch, best_validation_loss: the production copy has no early stopping of its own.
    early_stopping_fields = {
        "backtest": (early_stopping.epochs_run, epochs, early_stopping.best_monitor_value),
        "production": (epochs, epochs, float("nan")),
    }
    rows = [
        [
            variant,
            used_days,
            str(days[0]),
            str(days[used_days - 1]),
            *early_stopping_fields[variant],
            round(trained[variant].train_seconds, 2),
            trained[variant].training_windows,
        ]
        for variant, used_days in (("backtest", train_days), ("production", len(days)))
    ]
    return trained, pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def save_play_forecasters(trained: dict[str, TrainedForecaster], folder: Path, settings: ForecasterSettings) -> str:
    """Each variant in `folder/<variant>/`; returns the production model's file relative to `folder`
    (the model a registry version and `load_champion` point at)."""
    for variant in VARIANTS:
        save_forecaster(trained[variant], Path(folder) / variant, settings)
    return f"production/{MODEL_FILE}"
