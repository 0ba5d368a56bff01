"""The backtest: the forecaster against the baselines on the last days of the data, and its plot."""

from __future__ import annotations

from typing import Any

import numpy as np

from assets.common.reports import Report
from assets.trends.features import PlaysMatrix
from assets.trends.forecast import ForecasterSettings, forecast_plays
from assets.trends.metrics import BASELINES, baseline_scores, tianchi_scores
from assets.trends.smoothing import tuned_smoothing_forecast

PLOTTED_ARTISTS = 5
STRONG_BASELINE = "exponential_smoothing"


def all_baseline_scores(history: np.ndarray, actual: np.ndarray) -> dict[str, dict[str, float]]:
    """The simple baselines and the strong one (exponential smoothing tuned on the history's last days)."""
    strong = tuned_smoothing_forecast(history, np.asarray(actual).shape[1])
    return {**baseline_scores(history, actual), STRONG_BASELINE: tianchi_scores(strong, actual)}


def backtest(model: Any, settings: ForecasterSettings, matrix: PlaysMatrix, backtest_days: int) -> dict:
    """Forecast the last `backtest_days` days from the days before them; score model and baselines."""
    history, actual = matrix.plays[:, :-backtest_days], matrix.plays[:, -backtest_days:]
    forecast = forecast_plays(model, history, settings.input_days, backtest_days)
    return {
        "history": history,
        "actual": actual,
        "forecast": forecast,
        "metrics": tianchi_scores(forecast, actual),
        "baselines": all_baseline_scores(history, actual),
    }


def forecast_report(
    result: dict,
    matrix: PlaysMatrix,
    settings: ForecasterSettings,
    summary: dict,
    challenger: dict[str, Any] | None = None,
    strong_baseline_blocks: bool = True,
) -> Report:
    """The report contract: data sizes and split, hyperparameters, epochs, metrics and baselines
    (plus the champion/challenger fields, when given)."""
    history_days, backtest_days = result["history"].shape[1], result["actual"].shape[1]
    return Report(
        task="play_forecast",
        primary_metric="tianchi_f_ratio",
        higher_is_better=True,
        data={
            "train": history_days,
            "valid": settings.horizon,
            "test": backtest_days,
            "artists": len(matrix.artist_ids),
            "split": f"by time: the last {backtest_days} days ({matrix.days[-backtest_days]} .. {matrix.days[-1]}) "
            f"are the backtest; the model saw only the {history_days} days before them, and stopped early on the "
            f"last {settings.horizon} of those",
        },
        model={
            "hyperparameters": settings.model_dump(),
            "epochs_run": int(summary["epochs_run"]),
            "best_epoch": int(summary["best_epoch"]),
            "train_seconds": float(summary["train_seconds"]),
            "training_windows": int(summary["training_windows"]),
            "forecast": f"direct {settings.horizon}-day output; longer forecasts feed the previous block back in",
        },
        metrics=result["metrics"],
        baselines=result["baselines"],
        strong_baseline=STRONG_BASELINE,
        strong_baseline_blocks=strong_baseline_blocks,
        extra={
            "zero_day_guard": "days with T = 0 are left out of sigma_j's mean; an all-zero artist has phi_j = 0",
            "zero_days_in_backtest": int((result["actual"] == 0).sum()),
            **(challenger or {}),
        },
    )


def largest_artists(matrix: PlaysMatrix, count: int = PLOTTED_ARTISTS) -> list[int]:
    return list(np.argsort(-matrix.plays.sum(axis=1))[:count])


def forecast_figure_png(result: dict, matrix: PlaysMatrix, shown_history_days: int = 60) -> bytes:
    """Forecast vs actual (and the median baseline) for the five largest artists."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    rows = largest_artists(matrix)
    history, actual, forecast = result["history"], result["actual"], result["forecast"]
    median = BASELINES["median_last_10_days"](history, actual.shape[1])
    shown = min(shown_history_days, history.shape[1])
    past = np.arange(-shown, 0)
    future = np.arange(actual.shape[1])
    figure, axes = plt.subplots(len(rows), 1, figsize=(10, 2.2 * len(rows)), sharex=True)
    for axis, row in zip(np.atleast_1d(axes), rows, strict=True):
        axis.plot(past, history[row, -shown:], color="grey", label="history")
        axis.plot(future, actual[row], color="black", label="actual")
        axis.plot(future, forecast[row], color="tab:blue", label="LSTM forecast")
        axis.plot(future, median[row], color="tab:orange", linestyle="--", label="median of last 10 days")
        axis.set_title(f"artist {matrix.artist_ids[row][:8]}…", fontsize=9)
        axis.set_ylabel("plays")
    np.atleast_1d(axes)[0].legend(fontsize=8, loc="upper left")
    np.atleast_1d(axes)[-1].set_xlabel("days from the start of the backtest")
    return figure_png(figure)
