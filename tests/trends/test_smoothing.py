"""The strong baseline of the play forecast: exponential smoothing with a weekly profile, tuned on history only."""

from __future__ import annotations

import numpy as np
import pytest

from assets.trends.evaluation import STRONG_BASELINE, all_baseline_scores
from assets.trends.metrics import tianchi_scores
from assets.trends.smoothing import (
    SmoothingSettings,
    smoothed_log_level,
    smoothing_forecast,
    tune_smoothing,
    tuned_smoothing_forecast,
    weekly_profile,
)

WEEKDAY_SHAPE = np.array([1.0, 1.0, 1.0, 1.0, 1.6, 1.9, 0.5])


def _weekly_artists(days: int, artists: int = 6, seed: int = 0) -> np.ndarray:
    """Poisson plays with a strong day-of-week shape around a per-artist level."""
    rng = np.random.default_rng(seed)
    levels = rng.uniform(50, 400, size=(artists, 1))
    return rng.poisson(levels * WEEKDAY_SHAPE[np.arange(days) % 7]).astype(float)


def test_smoothing_level_one_is_the_last_day_and_small_levels_remember() -> None:
    history = np.array([[10.0, 10.0, 10.0, 1000.0]])
    assert smoothed_log_level(history, 1.0) == pytest.approx([1000.0])
    assert smoothed_log_level(history, 0.1)[0] < 20.0
    with pytest.raises(ValueError, match="smoothing_level"):
        smoothed_log_level(history, 0.0)


def test_the_weekly_profile_continues_the_weekdays_after_the_history() -> None:
    history = np.tile([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 8.0], 3)[None, :-2]  # the peak is the second future day
    profile = weekly_profile(history, 2, 9)[0]
    assert profile.argmax() == 1 and profile[1] == pytest.approx(8.0 / (14.0 / 7.0))
    assert profile[8] == profile[1] and profile[0] == pytest.approx(0.5)


def test_tuning_finds_the_weekly_shape_and_beats_the_simple_baselines() -> None:
    plays = _weekly_artists(120)
    history, actual = plays[:, :-28], plays[:, -28:]
    assert tune_smoothing(history, 28).profile_weeks > 0
    scores = all_baseline_scores(history, actual)
    strong = scores[STRONG_BASELINE]["tianchi_f_ratio"]
    assert strong > 0.85
    assert strong > scores["median_last_10_days"]["tianchi_f_ratio"] + 0.2
    assert strong > scores["last_value"]["tianchi_f_ratio"] + 0.2


def test_tuning_follows_a_level_that_moved_recently() -> None:
    rng = np.random.default_rng(1)
    level = np.concatenate([np.full(70, 100.0), np.full(40, 400.0)])
    plays = rng.poisson(np.tile(level, (4, 1))).astype(float)
    history, actual = plays[:, :-10], plays[:, -10:]
    chosen = tune_smoothing(history, 10)
    assert chosen.smoothing_level >= 0.2  # a slow level would still sit near 100
    assert tianchi_scores(tuned_smoothing_forecast(history, 10), actual)["tianchi_f_ratio"] > 0.85


def test_too_short_a_history_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 28 days"):
        smoothing_forecast(np.ones((2, 20)), 5, SmoothingSettings(smoothing_level=0.3, profile_weeks=4, shrink=1.0))
    with pytest.raises(ValueError, match="fewer than 28 days before the last 30 tuning days"):
        tune_smoothing(np.ones((2, 50)), 30)
