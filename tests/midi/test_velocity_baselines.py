"""The ridge baseline of the velocity model: context features, tuning on valid only, and what it recovers."""

import numpy as np
import pytest

from assets.midi.velocity_baselines import RidgeVelocity, context_features, fit_ridge_velocity


def test_context_features_append_the_neighbours_repeating_the_ends() -> None:
    features = np.array([[1.0], [2.0], [3.0]])
    assert context_features(features, 1).tolist() == [[1, 1, 2], [2, 1, 3], [3, 2, 3]]
    assert context_features(features, 0).tolist() == features.tolist()
    with pytest.raises(ValueError, match="context"):
        context_features(features, -1)


def _performance(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Velocity = 60 + 8 x (the previous note's first feature) - 3 x (its own second feature) + noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(count, 3))
    previous = np.concatenate([[features[0, 0]], features[:-1, 0]])
    velocity = 60 + 8 * previous - 3 * features[:, 1] + rng.normal(scale=0.5, size=count)
    labels = np.array(["train"] * (count - 100) + ["valid"] * 50 + ["test"] * 50)
    return features, velocity, labels


def test_ridge_recovers_a_neighbour_effect_the_mean_and_the_note_alone_miss() -> None:
    features, velocity, labels = _performance(600, seed=0)
    ridge = fit_ridge_velocity([(features, velocity, labels)], context=1)
    alone = fit_ridge_velocity([(features, velocity, labels)], context=0)
    test = labels == "test"
    errors = {
        "ridge": np.abs(ridge.predict(features)[test] - velocity[test]).mean(),
        "note alone": np.abs(alone.predict(features)[test] - velocity[test]).mean(),
        "mean": np.abs(velocity[labels == "train"].mean() - velocity[test]).mean(),
    }
    assert errors["ridge"] < 1.0 < errors["note alone"] < errors["mean"]
    assert ridge.weights[3] == pytest.approx(8, abs=0.3)  # columns: own 3 features, then the previous note's


def test_alpha_is_chosen_on_valid_and_the_test_notes_are_never_read() -> None:
    features, velocity, labels = _performance(600, seed=1)
    poisoned = velocity.copy()
    poisoned[labels == "test"] = 1e6
    ridge = fit_ridge_velocity([(features, poisoned, labels)], context=1, alphas=(0.1, 1e5))
    assert ridge.alpha == 0.1
    assert np.abs(ridge.predict(features)[labels == "test"] - velocity[labels == "test"]).mean() < 1.0
    assert RidgeVelocity.from_dict(ridge.to_dict()).predict(features) == pytest.approx(ridge.predict(features))


def test_ridge_needs_train_and_valid_notes() -> None:
    features, velocity, _ = _performance(200, seed=2)
    with pytest.raises(ValueError, match="valid note"):
        fit_ridge_velocity([(features, velocity, np.array(["train"] * 200))])
