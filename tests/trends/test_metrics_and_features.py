"""The competition metric, the baselines and the forecaster's windows on tiny hand-checked inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assets.trends.features import make_windows, plays_from_relative, plays_matrix
from assets.trends.metrics import baseline_scores, last_value_forecast, median_forecast, tianchi_scores


def test_a_perfect_forecast_scores_phi_and_ratio_one() -> None:
    actual = np.array([[4.0, 4.0, 8.0], [1.0, 0.0, 0.0]])
    scores = tianchi_scores(actual, actual)
    assert scores["tianchi_f"] == pytest.approx(4.0 + 1.0)  # sqrt(16) + sqrt(1)
    assert scores["tianchi_f_ratio"] == pytest.approx(1.0)


def test_sigma_is_the_root_mean_squared_relative_error_and_zero_days_are_skipped() -> None:
    actual = np.array([[10.0, 10.0, 0.0, 10.0]])
    forecast = np.array([[12.0, 8.0, 5.0, 10.0]])
    # relative errors 0.2, -0.2, (skipped: T = 0), 0 -> sigma = sqrt(0.08 / 3)
    sigma = math.sqrt(0.08 / 3)
    scores = tianchi_scores(forecast, actual)
    assert scores["tianchi_f"] == pytest.approx((1 - sigma) * math.sqrt(30.0))
    assert scores["tianchi_f_ratio"] == pytest.approx(1 - sigma)


def test_an_all_zero_artist_adds_nothing() -> None:
    scores = tianchi_scores(np.array([[3.0, 3.0], [5.0, 5.0]]), np.array([[0.0, 0.0], [5.0, 5.0]]))
    assert scores["tianchi_f"] == pytest.approx(math.sqrt(10.0))


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="artists x days"):
        tianchi_scores(np.zeros((2, 3)), np.zeros((2, 4)))


def test_baselines_repeat_the_last_value_or_the_median_of_the_last_10_days() -> None:
    history = np.array([np.arange(1.0, 13.0)])  # 1 .. 12
    assert last_value_forecast(history, 3).tolist() == [[12.0, 12.0, 12.0]]
    assert median_forecast(history, 2).tolist() == [[7.5, 7.5]]  # median of 3 .. 12
    scores = baseline_scores(history, np.array([[12.0, 12.0]]))
    assert scores["last_value"]["tianchi_f_ratio"] == pytest.approx(1.0)
    assert scores["median_last_10_days"]["tianchi_f_ratio"] == pytest.approx(1 - 4.5 / 12)


def test_plays_matrix_pivots_and_refuses_gaps() -> None:
    rows = pd.DataFrame({"artist_id": ["b", "a", "a", "b"], "day": [1, 1, 2, 2], "plays": [5, 1, 2, 6]})
    matrix = plays_matrix(rows)
    assert matrix.artist_ids == ["a", "b"] and matrix.plays.tolist() == [[1, 2], [5, 6]]
    with pytest.raises(ValueError, match="gaps"):
        plays_matrix(rows.iloc[:3])
    with pytest.raises(ValueError, match="missing"):
        plays_matrix(rows.drop(columns="plays"))


def test_windows_are_relative_to_the_median_of_the_last_10_input_days() -> None:
    plays = np.tile(np.arange(20.0), (2, 1)) * np.array([[1.0], [10.0]])  # two artists, 20 days
    windows = make_windows(plays, input_days=12, horizon=3)
    assert windows.inputs.shape == (6 * 2, 12, 1) and windows.targets.shape == (12, 3)
    first_reference = np.log1p(np.median(plays[0, 2:12]))  # window 0, artist 0: days 2..11
    assert windows.references[0] == pytest.approx(first_reference)
    assert windows.targets[0] == pytest.approx(np.log1p(plays[0, 12:15]) - first_reference)
    assert windows.weights.mean() == pytest.approx(1.0)
    restored = plays_from_relative(windows.targets[:1], windows.references[:1])
    assert restored[0] == pytest.approx(plays[0, 12:15], rel=1e-5)


def test_windows_stop_before_the_held_out_days_and_refuse_too_short_series() -> None:
    plays = np.ones((1, 40))
    windows = make_windows(plays, input_days=10, horizon=5, last_target_day=30)
    assert len(windows.targets) == 30 - 10 - 5 + 1
    with pytest.raises(ValueError, match="too few"):
        make_windows(plays, input_days=30, horizon=20)
    with pytest.raises(ValueError, match="at least 10"):
        make_windows(plays, input_days=5, horizon=2)


def test_the_loss_is_zero_for_a_perfect_forecast_and_the_relative_error_otherwise() -> None:
    from assets.trends.model import relative_error_loss

    truth = np.zeros((1, 4), dtype="float32")
    assert float(relative_error_loss(truth, truth)[0]) == pytest.approx(0.0, abs=1e-2)
    doubled = np.full((1, 4), np.log(2.0), dtype="float32")  # forecast twice the truth: S/T - 1 = 1
    assert float(relative_error_loss(truth, doubled)[0]) == pytest.approx(1.0, abs=1e-3)
