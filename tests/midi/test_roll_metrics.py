"""Next-frame scores and baselines on hand-made rolls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assets.midi import roll_metrics
from assets.midi.rolls import NUM_KEYS


def _roll(*frames: list[int]) -> np.ndarray:
    roll = np.zeros((len(frames), NUM_KEYS), dtype=np.uint8)
    for index, keys in enumerate(frames):
        roll[index, keys] = 1
    return roll


def test_nll_per_step_sums_over_keys_and_averages_over_frames() -> None:
    targets = np.zeros((2, NUM_KEYS))
    targets[0, 0] = 1
    probabilities = np.full((2, NUM_KEYS), 0.5)
    assert roll_metrics.nll_per_step(targets, probabilities) == pytest.approx(NUM_KEYS * math.log(2))


def test_nll_per_step_of_a_certain_correct_prediction_is_near_zero() -> None:
    targets = _roll([1, 2], [3]).astype(float)
    assert roll_metrics.nll_per_step(targets, targets) < 1e-4


@pytest.mark.parametrize(
    ("target_keys", "predicted_keys", "expected"),
    [
        ([1, 2], [1, 2], 1.0),
        ([1, 2], [1], 0.5),  # TP 1, FN 1
        ([1], [1, 5], 0.5),  # TP 1, FP 1
        ([1, 2], [3], 0.0),
        ([], [], 1.0),  # nothing on anywhere counts as correct
    ],
)
def test_frame_accuracy_is_tp_over_tp_fp_fn(target_keys, predicted_keys, expected) -> None:
    targets = _roll(target_keys)
    predicted = _roll(predicted_keys).astype(bool)
    assert roll_metrics.frame_accuracy(targets, predicted) == pytest.approx(expected)


def test_score_skips_frame_zero_and_checks_shapes() -> None:
    rolls = {"a": _roll([1], [1], [2])}
    perfect = {"a": rolls["a"][1:].astype(float)}
    scores = roll_metrics.score(perfect, rolls)
    assert scores["frame_accuracy"] == 1.0
    with pytest.raises(ValueError, match="do not match"):
        roll_metrics.score({"a": perfect["a"][:1]}, rolls)
    with pytest.raises(ValueError, match="no predictions"):
        roll_metrics.score({}, rolls)


def test_repeat_last_frame_copies_and_uses_the_transition_chain() -> None:
    train = {"t": _roll([1], [1], [1], [2], [2], [2])}
    evaluation = {"e": _roll([1], [1], [2], [2])}
    scores = roll_metrics.repeat_last_frame_scores(train, evaluation)
    # copies: [1]->[1] right; [1]->[2] wrong (FP 1 + FN 1); [2]->[2] right: TP 2 / (2 + 2)
    assert scores["frame_accuracy"] == pytest.approx(0.5)
    assert np.isfinite(scores["nll_per_step"])
    chain = roll_metrics.transition_probabilities(train)
    assert chain.shape == (2, NUM_KEYS)
    assert chain[1, 1] == pytest.approx((2 + 1) / (3 + 2))  # key 1 stayed on twice out of 3, add-one smoothed


def test_key_frequency_uses_training_frequencies_for_every_frame() -> None:
    train = {"t": _roll([1], [2], [3], [1])}  # key 1 on half the time, keys 2 and 3 a quarter
    evaluation = {"e": _roll([1], [2], [3])}
    baselines = roll_metrics.baseline_scores(train, evaluation, threshold=0.5, logistic_penalty=1.0)
    # each scored frame has one of keys 2/3 on (p 0.25), the other off (p 0.75), key 1 off (p 0.5)
    expected = -(math.log(0.25) + math.log(0.75) + math.log(0.5))
    assert baselines["key_frequency"]["nll_per_step"] == pytest.approx(expected, rel=1e-4)
    assert baselines["key_frequency"]["frame_accuracy"] == 0.0  # always predicts key 1, never sounding here


def _cycling_tunes(count: int, length: int = 12) -> dict[str, np.ndarray]:
    """Frames cycle [10], [20], silence: the next frame is a function of the whole previous one, which a
    per-key chain cannot see (after its own off state, key 10 is on half the time)."""
    cycle = [[10], [20], []]
    return {f"tune{index}": _roll(*[cycle[(index + step) % 3] for step in range(length)]) for index in range(count)}


def test_markov_chain_predicts_from_each_keys_previous_state() -> None:
    train = {"t": _roll([1], [1], [1], [2], [2], [2])}
    predictions = roll_metrics.markov_chain_predictions(train, {"e": _roll([1], [2])})["e"]
    chain = roll_metrics.transition_probabilities(train)
    assert predictions[0, 1] == pytest.approx(chain[1, 1]) and predictions[0, 2] == pytest.approx(chain[0, 2])


def test_logistic_previous_frame_learns_what_the_chain_cannot() -> None:
    train, evaluation = _cycling_tunes(6), _cycling_tunes(2)
    baselines = roll_metrics.baseline_scores(train, evaluation, threshold=0.5, logistic_penalty=0.1)
    logistic, chain = baselines["logistic_previous_frame"], baselines["per_key_markov_chain"]
    assert logistic["nll_per_step"] < 0.2 < chain["nll_per_step"]
    assert logistic["frame_accuracy"] == 1.0 and chain["frame_accuracy"] < 1.0


def test_the_logistic_penalty_is_chosen_on_the_tuning_tunes() -> None:
    fit, tuning = roll_metrics.tuning_split(_cycling_tunes(20), None)
    assert fit and tuning and not set(fit) & set(tuning)
    tuning_nll = roll_metrics.choose_logistic_penalty(fit, tuning, penalties=(0.01, 1000.0))
    assert tuning_nll[0.01] < tuning_nll[1000.0]  # the pattern is exact: little regularisation wins
    assert roll_metrics.tuning_split(fit, tuning) == (fit, tuning)
    with pytest.raises(ValueError, match="none left to fit on"):
        roll_metrics.tuning_split({"only": _roll([1], [2])}, None)
