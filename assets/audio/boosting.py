"""The strong baseline of genre classification: gradient-boosted trees on the clip features.

scikit-learn's `HistGradientBoostingClassifier` on the same 57 features as the classic pipelines (trees need no
scaling or log of the variances). Each grid point stops early on the valid split's log loss; the point with
the best valid accuracy is refitted on train+valid for the number of iterations it stopped at, the protocol
of the classic pipelines, and scored on test. Test is never looked at before that.

The fits run on one thread: on a few hundred clips OpenMP's threads cost more than they save, and on a shared
machine far more (GTZAN's grid took 158 s with the default threads at load ~7 on 2 cores, 10 s on one).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from assets.audio.classic import feature_matrix
from assets.audio.metrics import scores

LEARNING_RATES = (0.05, 0.1)
MAX_LEAF_NODES = (7, 15, 31)
MAX_ITERATIONS = 500
PATIENCE = 10  # iterations without a better valid loss


@dataclass(frozen=True)
class FittedBoosting:
    """The chosen grid point (with its early-stopped iteration count), its valid accuracy, every candidate's,
    and the classifier refitted on train+valid."""

    params: dict[str, Any]
    valid_accuracy: float
    candidates: list[dict[str, Any]]
    classifier: HistGradientBoostingClassifier


def _split(features: pd.DataFrame, split: str) -> pd.DataFrame:
    rows = features[features["split"] == split]
    if rows.empty:
        raise ValueError(f"gradient boosting needs {split} rows; the feature table has none")
    return rows


def fit_gradient_boosting(features: pd.DataFrame, seed: int) -> FittedBoosting:
    """Tune on valid (early stopping and the grid), refit the best point on train+valid."""
    with threadpool_limits(limits=1):
        return _fit_gradient_boosting(features, seed)


def _fit_gradient_boosting(features: pd.DataFrame, seed: int) -> FittedBoosting:
    train, valid = _split(features, "train"), _split(features, "valid")
    candidates = []
    for learning_rate, max_leaf_nodes in itertools.product(LEARNING_RATES, MAX_LEAF_NODES):
        classifier = HistGradientBoostingClassifier(
            learning_rate=learning_rate,
            max_leaf_nodes=max_leaf_nodes,
            max_iter=MAX_ITERATIONS,
            early_stopping=True,
            n_iter_no_change=PATIENCE,
            random_state=seed,
        ).fit(feature_matrix(train), train["genre"], X_val=feature_matrix(valid), y_val=valid["genre"])
        accuracy = float((classifier.predict(feature_matrix(valid)) == valid["genre"].to_numpy()).mean())
        params = {"learning_rate": learning_rate, "max_leaf_nodes": max_leaf_nodes, "max_iter": classifier.n_iter_}
        candidates.append({"params": params, "valid_accuracy": accuracy})
    best = max(candidates, key=lambda candidate: candidate["valid_accuracy"])
    train_valid = pd.concat([train, valid])
    refitted = HistGradientBoostingClassifier(**best["params"], early_stopping=False, random_state=seed).fit(
        feature_matrix(train_valid), train_valid["genre"]
    )
    return FittedBoosting(best["params"], best["valid_accuracy"], candidates, refitted)


def gradient_boosting_scores(features: pd.DataFrame, seed: int) -> tuple[dict[str, float], FittedBoosting]:
    """Test `accuracy` and `macro_f1` of the tuned gradient boosting, and the fit (for its choice)."""
    fitted = fit_gradient_boosting(features, seed)
    test = _split(features, "test")
    predicted = fitted.classifier.predict(feature_matrix(test)).tolist()
    return scores(test["genre"].tolist(), predicted), fitted
