"""Classic genre classifiers on the clip features: scikit-learn Pipelines tuned on valid, refitted on train+valid.

Every pipeline takes the raw feature columns: it logs the `*_var` columns first (they are heavily
right-skewed; MODELLING.md measured +3 points on GTZAN from it), then standard-scales, then classifies,
so a saved pipeline needs nothing but the feature table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from assets.audio.features import FEATURE_COLUMNS, VARIANCE_COLUMNS

VARIANCE_FLOOR = 1e-12  # a silent stretch has zero variance; keep its log finite


def log_variances(frame: pd.DataFrame) -> pd.DataFrame:
    """The feature table with every `*_var` column replaced by its natural log."""
    logged = frame.copy()
    for column in VARIANCE_COLUMNS:
        if column in logged.columns:
            logged[column] = np.log(np.maximum(logged[column].to_numpy(dtype=float), VARIANCE_FLOOR))
    return logged


def _logistic_regression(params: dict[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=params["C"], max_iter=5000)


def _svm(params: dict[str, Any]) -> Any:
    from sklearn.svm import SVC

    return SVC(kernel="rbf", C=params["C"], gamma=params["gamma"])


ESTIMATORS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "logistic_regression": _logistic_regression,
    "knn": lambda params: KNeighborsClassifier(n_neighbors=params["n_neighbors"], weights=params["weights"]),
    "gaussian_nb": lambda params: GaussianNB(var_smoothing=params["var_smoothing"]),
    "svm": _svm,
}
PARAMETER_GRIDS: dict[str, list[dict[str, Any]]] = {
    "logistic_regression": [{"C": c} for c in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)],
    "knn": [{"n_neighbors": k, "weights": w} for k in (1, 3, 5, 9, 15) for w in ("uniform", "distance")],
    "gaussian_nb": [{"var_smoothing": value} for value in (1e-9, 1e-6, 1e-3, 1e-1)],
    "svm": [{"C": c, "gamma": g} for c in (0.3, 1.0, 3.0, 10.0) for g in ("scale", 0.003, 0.01)],
}


def build_pipeline(name: str, params: dict[str, Any]) -> Pipeline:
    """log(*_var) -> standard scaling -> the named classifier with ``params``."""
    if name not in ESTIMATORS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(ESTIMATORS)}")
    return Pipeline(
        [
            ("log_variances", FunctionTransformer(log_variances)),
            ("scale", StandardScaler()),
            ("classify", ESTIMATORS[name](params)),
        ]
    )


def feature_matrix(features: pd.DataFrame) -> pd.DataFrame:
    return features[list(FEATURE_COLUMNS)].astype("float64")


@dataclass
class FittedModel:
    """One tuned model: its chosen hyperparameters, valid accuracy of each candidate, refitted pipeline."""

    name: str
    params: dict[str, Any]
    valid_accuracy: float
    candidates: list[dict[str, Any]]
    pipeline: Pipeline


def _usable(name: str, params: dict[str, Any], train_size: int) -> bool:
    return name != "knn" or params["n_neighbors"] <= train_size


def tune_and_refit(name: str, features: pd.DataFrame) -> FittedModel:
    """Pick the hyperparameters with the best valid accuracy (first wins ties), refit on train+valid."""
    train = features[features["split"] == "train"]
    valid = features[features["split"] == "valid"]
    if train.empty or valid.empty:
        raise ValueError(f"{name}: need train and valid rows, got {len(train)} and {len(valid)}")
    candidates = []
    for params in PARAMETER_GRIDS[name]:
        if not _usable(name, params, len(train)):
            continue
        pipeline = build_pipeline(name, params).fit(feature_matrix(train), train["genre"])
        accuracy = float((pipeline.predict(feature_matrix(valid)) == valid["genre"].to_numpy()).mean())
        candidates.append({"params": params, "valid_accuracy": accuracy})
    best = max(candidates, key=lambda candidate: candidate["valid_accuracy"])
    train_valid = pd.concat([train, valid])
    pipeline = build_pipeline(name, best["params"]).fit(feature_matrix(train_valid), train_valid["genre"])
    return FittedModel(name, best["params"], best["valid_accuracy"], candidates, pipeline)


def cross_validated_accuracy(name: str, params: dict[str, Any], features: pd.DataFrame, seed: int) -> float:
    """Mean accuracy of 5-fold stratified *random* CV over all rows (comparable with published numbers)."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    scores = cross_val_score(build_pipeline(name, params), feature_matrix(features), features["genre"], cv=folds)
    return float(np.mean(scores))
