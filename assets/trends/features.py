"""Sliding windows of per-artist daily plays for the forecaster.

Only plays are used (downloads, collects and listeners made the real-data score worse). Each window is
scaled by its own artist's recent level: the reference is log1p(median of the last 10 input days), and
the model reads and predicts log1p(plays) - reference, i.e. the ratio to the recent median. This per-artist
scaling uses the window's input days only, so it never sees a target day. (A second input channel of log
plays z-scored per artist over the training days made the real-data score worse: 0.786 vs 0.806 for one
seed, the model overfitting after 3 epochs; MODELLING.md saw the same with extra input series.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REFERENCE_DAYS = 10


@dataclass(frozen=True)
class PlaysMatrix:
    """Daily plays as an artists x days array, with the artist ids and the calendar."""

    artist_ids: list[str]
    days: list
    plays: np.ndarray

    def until(self, day_count: int) -> PlaysMatrix:
        """The first `day_count` days only."""
        return PlaysMatrix(self.artist_ids, self.days[:day_count], self.plays[:, :day_count])


@dataclass(frozen=True)
class Windows:
    inputs: np.ndarray  # windows x input_days x 1
    targets: np.ndarray  # windows x horizon: log1p(plays) - reference
    weights: np.ndarray  # windows: sqrt of the target window's plays (the metric's phi), mean 1
    references: np.ndarray  # windows: log1p(median of the last 10 input days)


def plays_matrix(daily: pd.DataFrame) -> PlaysMatrix:
    """Pivot (artist_id, day, plays) rows to a matrix; the calendar must be complete (the mart zero-fills it)."""
    missing = {"artist_id", "day", "plays"} - set(daily.columns)
    if missing:
        raise ValueError(f"daily plays need columns artist_id, day, plays; missing {sorted(missing)}")
    table = daily.pivot_table(index="artist_id", columns="day", values="plays", aggfunc="sum")
    if table.isna().any().any():
        raise ValueError("daily plays have gaps: every artist needs a row for every day (zero-filled)")
    return PlaysMatrix(list(map(str, table.index)), list(table.columns), table.to_numpy(dtype=float))


def reference_level(history: np.ndarray) -> np.ndarray:
    """log1p of the median of the last 10 days of each row."""
    return np.log1p(np.median(history[..., -REFERENCE_DAYS:], axis=-1))


def window_inputs(history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs for artists x input_days histories, and each row's reference level."""
    reference = reference_level(history)
    relative = np.log1p(history) - reference[:, None]
    return relative[..., None].astype("float32"), reference


def make_windows(plays: np.ndarray, input_days: int, horizon: int, last_target_day: int | None = None) -> Windows:
    """Every window whose target days end on or before `last_target_day` (exclusive; default: all days)."""
    if input_days < REFERENCE_DAYS:
        raise ValueError(f"input_days must be at least {REFERENCE_DAYS}, got {input_days}")
    end = plays.shape[1] if last_target_day is None else last_target_day
    starts = range(0, end - input_days - horizon + 1)
    if not len(starts):
        raise ValueError(f"{end} days are too few for {input_days} input days and a {horizon}-day horizon")
    inputs, targets, weights, references = [], [], [], []
    for start in starts:
        history = plays[:, start : start + input_days]
        future = plays[:, start + input_days : start + input_days + horizon]
        window, reference = window_inputs(history)
        inputs.append(window)
        references.append(reference)
        targets.append(np.log1p(future) - reference[:, None])
        weights.append(np.sqrt(future.sum(axis=1)))
    weight_array = np.concatenate(weights)
    return Windows(
        inputs=np.concatenate(inputs),
        targets=np.concatenate(targets).astype("float32"),
        weights=(weight_array / max(weight_array.mean(), 1e-9)).astype("float32"),
        references=np.concatenate(references),
    )


def plays_from_relative(relative: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Back from model outputs (log ratio to the reference) to non-negative plays."""
    return np.maximum(np.expm1(relative + reference[:, None]), 0.0)
