"""The strong genre baseline: gradient boosting tuned on valid, on synthetic clip features."""

import numpy as np
import pandas as pd
import pytest

from assets.audio.boosting import LEARNING_RATES, MAX_LEAF_NODES, fit_gradient_boosting, gradient_boosting_scores
from assets.audio.classic import tune_and_refit
from assets.audio.features import FEATURE_COLUMNS
from assets.audio.metrics import majority_class

SPLITS = {"train": 240, "valid": 80, "test": 80}


def band_rows(seed: int = 0) -> pd.DataFrame:
    """Genre 'a' when one feature lies in a middle band, 'b' on either side of it: no linear boundary separates
    them, two splits of a tree do."""
    rng = np.random.default_rng(seed)
    rows = sum(SPLITS.values())
    values = np.abs(rng.normal(1.0, 0.5, (rows, len(FEATURE_COLUMNS)))) + 0.01
    frame = pd.DataFrame(values, columns=FEATURE_COLUMNS)
    frame["genre"] = np.where(np.abs(values[:, 0] - 1.0) < 0.35, "a", "b")
    frame["split"] = np.repeat(list(SPLITS), list(SPLITS.values()))
    return frame


def test_boosting_recovers_a_band_the_linear_model_and_majority_class_miss() -> None:
    features = band_rows()
    test = features[features["split"] == "test"]
    boosting, _ = gradient_boosting_scores(features, seed=0)
    linear = tune_and_refit("logistic_regression", features).pipeline.predict(test[list(FEATURE_COLUMNS)])
    linear_accuracy = float((linear == test["genre"]).mean())
    majority = majority_class(features.loc[features["split"] != "test", "genre"], test["genre"])
    assert boosting["accuracy"] >= 0.85
    assert boosting["accuracy"] > linear_accuracy + 0.2
    assert boosting["accuracy"] > majority["accuracy"] + 0.3
    assert 0.0 <= boosting["macro_f1"] <= 1.0


def test_the_choice_is_the_best_valid_point_of_the_grid_with_its_early_stopped_iterations() -> None:
    fitted = fit_gradient_boosting(band_rows(1), seed=0)
    assert len(fitted.candidates) == len(LEARNING_RATES) * len(MAX_LEAF_NODES)
    assert fitted.valid_accuracy == max(candidate["valid_accuracy"] for candidate in fitted.candidates)
    assert fitted.params in [candidate["params"] for candidate in fitted.candidates]
    assert 1 <= fitted.params["max_iter"] < 500  # early stopping on valid ended it
    assert fitted.classifier.n_iter_ == fitted.params["max_iter"]  # the refit runs exactly that many


def test_without_valid_rows_it_fails_naming_the_split() -> None:
    features = band_rows().replace({"split": {"valid": "train"}})
    with pytest.raises(ValueError, match="gradient boosting needs valid rows"):
        fit_gradient_boosting(features, seed=0)
