"""The strong baseline of the play forecast: exponential smoothing with an optional weekly profile, tuned on
the last days of the history it is given (never on the days it forecasts).

For each artist the level is simple exponential smoothing of log1p(plays) (plays move by ratios, and the
competition's error is relative); the forecast is that level, flat, times an optional multiplicative
day-of-week profile of the last weeks, times a shrink factor (the relative error weighs each day by 1/T, so
over-forecasting a quiet day costs most: the best constant for sum((S/T - 1)^2) lies under the typical day).
One setting for every artist is chosen on a grid by `tianchi_f_ratio` on the last `tune_days` of the
history, forecast from the days before them; the chosen setting then forecasts from the whole history.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from assets.trends.metrics import tianchi_scores

DAYS_PER_WEEK = 7
SMOOTHING_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
PROFILE_WEEKS = (0, 2, 4)  # 0: no weekly profile
SHRINK_FACTORS = (0.85, 0.9, 0.95, 1.0)


@dataclass(frozen=True)
class SmoothingSettings:
    """One point of the grid: smoothing level (1.0 is the last day), weeks in the day-of-week profile
    (0: none) and the factor the forecast is multiplied by."""

    smoothing_level: float
    profile_weeks: int
    shrink: float


def smoothed_log_level(history: np.ndarray, smoothing_level: float) -> np.ndarray:
    """Per artist, simple exponential smoothing of log1p(plays) over the days, returned in plays."""
    if not 0.0 < smoothing_level <= 1.0:
        raise ValueError(f"smoothing_level must be in (0, 1], got {smoothing_level}")
    logged = np.log1p(np.asarray(history, dtype=float))
    level = logged[:, 0].copy()
    for day in range(1, logged.shape[1]):
        level = smoothing_level * logged[:, day] + (1.0 - smoothing_level) * level
    return np.expm1(level)


def weekly_profile(history: np.ndarray, weeks: int, horizon: int) -> np.ndarray:
    """Per artist and future day, the day-of-week's mean plays over the last `weeks` weeks divided by the mean
    of those weeks (1.0 where the artist had no plays)."""
    history = np.asarray(history, dtype=float)
    recent = history[:, -DAYS_PER_WEEK * weeks :].reshape(len(history), weeks, DAYS_PER_WEEK).mean(axis=1)
    mean = recent.mean(axis=1, keepdims=True)
    profile = np.divide(recent, mean, out=np.ones_like(recent), where=mean > 0)
    # recent's column 0 is the weekday of the first future day: whole weeks back from the end of the history
    return profile[:, np.arange(horizon) % DAYS_PER_WEEK]


def smoothing_forecast(history: np.ndarray, horizon: int, settings: SmoothingSettings) -> np.ndarray:
    """An artists x `horizon` forecast with one grid setting."""
    history = np.asarray(history, dtype=float)
    if history.ndim != 2 or history.shape[1] < max(DAYS_PER_WEEK * settings.profile_weeks, 1):
        raise ValueError(
            f"need artists x days with at least {DAYS_PER_WEEK * settings.profile_weeks} days, got {history.shape}"
        )
    level = smoothed_log_level(history, settings.smoothing_level) * settings.shrink
    forecast = np.repeat(level[:, None], horizon, axis=1)
    if settings.profile_weeks:
        forecast = forecast * weekly_profile(history, settings.profile_weeks, horizon)
    return forecast


def tune_smoothing(history: np.ndarray, tune_days: int) -> SmoothingSettings:
    """The grid setting with the best `tianchi_f_ratio` on the last `tune_days` of `history`, forecast from the
    days before them (the first of equals wins, the grid runs from the smoothest level up)."""
    history = np.asarray(history, dtype=float)
    longest_profile = DAYS_PER_WEEK * max(PROFILE_WEEKS)
    if tune_days < 1 or history.shape[1] - tune_days < longest_profile:
        raise ValueError(
            f"{history.shape[1]} days of history leave fewer than {longest_profile} days before the last "
            f"{tune_days} tuning days"
        )
    fit, held_out = history[:, :-tune_days], history[:, -tune_days:]
    grid = [SmoothingSettings(*point) for point in itertools.product(SMOOTHING_LEVELS, PROFILE_WEEKS, SHRINK_FACTORS)]
    scores = [tianchi_scores(smoothing_forecast(fit, tune_days, point), held_out)["tianchi_f_ratio"] for point in grid]
    return grid[int(np.argmax(scores))]


def tuned_smoothing_forecast(history: np.ndarray, horizon: int) -> np.ndarray:
    """Tune on the last `horizon` days of `history`, then forecast `horizon` days after it."""
    return smoothing_forecast(history, horizon, tune_smoothing(history, horizon))
