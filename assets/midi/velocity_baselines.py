"""The velocity model's strong baseline: a ridge regression on the per-note features of each note and its
neighbours, fitted on the training notes with its regularisation chosen on the valid notes.

The fitted ridge is plain numbers (a weight per context feature and an intercept on the raw features), so it
can be stored beside a model as JSON and applied without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RIDGE_ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0)
CONTEXT_NOTES = 4  # features of the 4 notes before and after each note (MODELLING.md: 7.76 vs 8.25 without)


def context_features(features: np.ndarray, context: int) -> np.ndarray:
    """Each note's features followed by those of the ``context`` notes before and after it, in one
    performance's note order; past either end the nearest note's features repeat."""
    if context < 0:
        raise ValueError(f"context must be 0 or more notes, got {context}")
    count = len(features)
    if count == 0:
        return np.zeros((0, features.shape[1] * (2 * context + 1)), dtype=np.float64)
    columns = [features]
    for offset in [*range(-context, 0), *range(1, context + 1)]:
        columns.append(features[np.clip(np.arange(count) + offset, 0, count - 1)])
    return np.concatenate(columns, axis=1).astype(np.float64)


@dataclass(frozen=True)
class RidgeVelocity:
    """A fitted ridge: velocity = context_features(features) @ weights + intercept."""

    context: int
    alpha: float
    weights: np.ndarray
    intercept: float
    valid_mae: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Velocities of one performance's notes (all of them, in order: the neighbours are read)."""
        return context_features(np.asarray(features, dtype=np.float64), self.context) @ self.weights + self.intercept

    def to_dict(self) -> dict[str, object]:
        return {
            "context": self.context,
            "alpha": self.alpha,
            "weights": self.weights.tolist(),
            "intercept": self.intercept,
            "valid_mae": self.valid_mae,
        }

    @classmethod
    def from_dict(cls, payload: dict) -> RidgeVelocity:
        return cls(
            int(payload["context"]),
            float(payload["alpha"]),
            np.asarray(payload["weights"], dtype=np.float64),
            float(payload["intercept"]),
            float(payload["valid_mae"]),
        )


def _rows(performances: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], split: str, context: int):
    inputs, targets = [], []
    for features, velocity, labels in performances:
        chosen = labels == split
        inputs.append(context_features(np.asarray(features, dtype=np.float64), context)[chosen])
        targets.append(np.asarray(velocity, dtype=np.float64)[chosen])
    return np.concatenate(inputs), np.concatenate(targets)


def fit_ridge_velocity(
    performances: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    context: int = CONTEXT_NOTES,
    alphas: Sequence[float] = RIDGE_ALPHAS,
) -> RidgeVelocity:
    """Fit on the notes labelled train, choose alpha by the valid notes' MAE (the test notes are never read).

    ``performances``: (features, velocities, split labels) of each performance, every note in order.
    """
    # scikit-learn loads here, not at import: velocity_training (and so `import pipelines`) imports this module
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_inputs, train_targets = _rows(performances, "train", context)
    valid_inputs, valid_targets = _rows(performances, "valid", context)
    if len(train_targets) < 2 or len(valid_targets) < 1:
        raise ValueError(
            f"the ridge baseline needs 2+ train notes and 1+ valid note, got {len(train_targets)} and "
            f"{len(valid_targets)}"
        )
    best = None
    for alpha in alphas:
        pipeline = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(train_inputs, train_targets)
        valid_mae = float(np.mean(np.abs(pipeline.predict(valid_inputs) - valid_targets)))
        if best is None or valid_mae < best[0]:
            best = (valid_mae, alpha, pipeline)
    valid_mae, alpha, pipeline = best
    scaler, ridge = pipeline.named_steps["standardscaler"], pipeline.named_steps["ridge"]
    weights = ridge.coef_ / scaler.scale_  # the scaler folded in: weights on the raw features
    intercept = float(ridge.intercept_ - np.sum(weights * scaler.mean_))
    return RidgeVelocity(context, float(alpha), weights, intercept, valid_mae)
