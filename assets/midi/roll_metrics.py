"""Scores of next-frame predictions and the baselines.

Scored frames are 1..T-1 of every tune (frame 0 has no history), pooled over all tunes.
- ``nll_per_step``: negative log-likelihood of a frame in nats, summed over the 88 keys, averaged over frames.
- ``frame_accuracy``: Bay et al. (2009), sum TP / sum (TP + FP + FN) over all scored frames, with keys
  predicted on where the probability is at least ``threshold``.

Baselines: ``key_frequency`` (each key's training frequency), ``repeat_last_frame`` (a hard copy; its NLL from
the chain below), ``per_key_markov_chain`` (p(on | previous state of the same key), fitted on train) and the
strong one, ``logistic_previous_frame``: 88 independent logistic regressions on the whole previous frame
(88 inputs), fitted on train with the L2 penalty chosen on the tuning tunes.
"""

from __future__ import annotations

import zlib

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from assets.midi.rolls import NUM_KEYS

PROBABILITY_FLOOR = 1e-7  # the clipping Keras applies inside its binary cross-entropy
L2_PENALTIES = (0.1, 1.0, 10.0, 100.0, 1000.0)  # on the summed log-loss of every training frame
BIAS_PENALTY_SHARE = 1e-3
NEWTON_STEPS = 30
HESSIAN_ROWS = 4096  # distinct frames per block of the Hessians' (rows x 89 x 89) products
NEWTON_TOLERANCE = 1e-4  # largest weight change of a step: far below what moves the NLL


def _stack(predictions: dict[str, np.ndarray], rolls: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    missing = sorted(set(rolls) - set(predictions))
    if missing:
        raise ValueError(f"no predictions for tunes {missing[:5]}")
    targets = np.concatenate([rolls[tune_id][1:] for tune_id in sorted(rolls)]).astype(np.float64)
    probabilities = np.concatenate([predictions[tune_id] for tune_id in sorted(rolls)]).astype(np.float64)
    if targets.shape != probabilities.shape:
        raise ValueError(f"predictions {probabilities.shape} do not match target frames {targets.shape}")
    return targets, probabilities


def nll_per_step(targets: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean over frames of the Bernoulli negative log-likelihood summed over keys (nats)."""
    clipped = np.clip(probabilities, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
    per_key = -(targets * np.log(clipped) + (1.0 - targets) * np.log1p(-clipped))
    return float(per_key.sum(axis=1).mean())


def frame_accuracy(targets: np.ndarray, predicted_on: np.ndarray) -> float:
    """Bay et al. (2009): TP / (TP + FP + FN) pooled over frames; 1.0 when nothing is on in either."""
    on = targets > 0.5
    true_positive = np.sum(on & predicted_on)
    errors = np.sum(on ^ predicted_on)
    total = true_positive + errors
    return float(true_positive / total) if total else 1.0


def score(predictions: dict[str, np.ndarray], rolls: dict[str, np.ndarray], threshold: float = 0.5) -> dict:
    """Both metrics of per-tune probabilities of frames 1..T-1."""
    targets, probabilities = _stack(predictions, rolls)
    return {
        "nll_per_step": nll_per_step(targets, probabilities),
        "frame_accuracy": frame_accuracy(targets, probabilities >= threshold),
    }


def key_frequency_predictions(train_rolls: dict[str, np.ndarray], rolls: dict[str, np.ndarray]) -> dict:
    """Independent Bernoulli per key with its training frequency, the same for every frame."""
    frequency = np.concatenate(list(train_rolls.values())).mean(axis=0)
    return {tune_id: np.tile(frequency, (len(roll) - 1, 1)) for tune_id, roll in rolls.items()}


def transition_probabilities(train_rolls: dict[str, np.ndarray]) -> np.ndarray:
    """Per key p(on | was off) and p(on | was on) from training transitions (add-one smoothed), shape (2, 88)."""
    counts_on = np.ones((2, NUM_KEYS))
    counts_all = np.full((2, NUM_KEYS), 2.0)
    for roll in train_rolls.values():
        before, after = roll[:-1].astype(bool), roll[1:].astype(bool)
        for state in (0, 1):
            selected = before == bool(state)
            counts_all[state] += selected.sum(axis=0)
            counts_on[state] += (selected & after).sum(axis=0)
    return counts_on / counts_all


def repeat_last_frame_scores(train_rolls: dict[str, np.ndarray], rolls: dict[str, np.ndarray]) -> dict:
    """Accuracy of copying the previous frame; its NLL from the per-key 2-state chain fitted on train.

    A hard copy has infinite NLL (any change has probability 0), so the probabilistic version of the
    same idea, p(on | previous state) per key, supplies the likelihood.
    """
    chain = transition_probabilities(train_rolls)
    targets = np.concatenate([roll[1:] for _, roll in sorted(rolls.items())]).astype(np.float64)
    previous = np.concatenate([roll[:-1] for _, roll in sorted(rolls.items())]).astype(int)
    probabilities = np.where(previous == 1, chain[1], chain[0])
    return {
        "nll_per_step": nll_per_step(targets, probabilities),
        "frame_accuracy": frame_accuracy(targets, previous.astype(bool)),
    }


def markov_chain_predictions(train_rolls: dict[str, np.ndarray], rolls: dict[str, np.ndarray]) -> dict:
    """p(key on | the same key's state in the previous frame), the per-key 2-state chain fitted on train."""
    chain = transition_probabilities(train_rolls)
    return {tune_id: np.where(roll[:-1] == 1, chain[1], chain[0]) for tune_id, roll in rolls.items()}


def _transitions(rolls: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct previous frames, how often each occurs, and the summed next frames after each (88 wide)."""
    previous = np.concatenate([roll[:-1] for roll in rolls.values()]).astype(np.uint8)
    following = np.concatenate([roll[1:] for roll in rolls.values()]).astype(np.float64)
    distinct, inverse, counts = np.unique(previous, axis=0, return_inverse=True, return_counts=True)
    sums = np.zeros((len(distinct), NUM_KEYS))
    np.add.at(sums, inverse.ravel(), following)
    return distinct.astype(np.float64), counts.astype(np.float64), sums


def _hessians(inputs: np.ndarray, curvature: np.ndarray) -> np.ndarray:
    """Per key k, inputs.T @ diag(curvature[:, k]) @ inputs, as one matrix product per block of rows (few
    large products: many small ones crawl when BLAS threads compete for the cores)."""
    width = inputs.shape[1]
    total = np.zeros((width * width, curvature.shape[1]))
    for first in range(0, len(inputs), HESSIAN_ROWS):
        block = inputs[first : first + HESSIAN_ROWS]
        pairs = (block[:, :, None] * block[:, None, :]).reshape(len(block), width * width)
        total += pairs.T @ curvature[first : first + HESSIAN_ROWS]
    return total.T.reshape(curvature.shape[1], width, width)


def fit_previous_frame_logistic(train_rolls: dict[str, np.ndarray], penalty: float) -> np.ndarray:
    """Weights (89 x 88: previous frame then a bias row) of 88 logistic regressions, one per key of the next
    frame, on the whole previous frame; L2 ``penalty`` on the weights (a thousandth of it on the biases, so
    a key never on in training stays finite). Fitted by Newton's method, every key at once, on the distinct
    previous frames with their counts: the same loss as every training frame one by one."""
    frames, counts, sums = _transitions(train_rolls)
    if not len(frames):
        raise ValueError("no training transitions: every training tune has a single frame")
    inputs = np.column_stack([frames, np.ones(len(frames))])
    penalties = np.full(NUM_KEYS + 1, float(penalty))
    penalties[-1] *= BIAS_PENALTY_SHARE
    weights = np.zeros((NUM_KEYS + 1, NUM_KEYS))
    with threadpool_limits(limits=1, user_api="blas"):  # small products: BLAS threads only add contention
        return _newton(inputs, counts, sums, penalties, weights)


def _newton(
    inputs: np.ndarray, counts: np.ndarray, sums: np.ndarray, penalties: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Newton steps on the penalised summed log-loss until no weight moves by NEWTON_TOLERANCE."""
    for _ in range(NEWTON_STEPS):
        probabilities = 1.0 / (1.0 + np.exp(-(inputs @ weights)))
        gradient = inputs.T @ (counts[:, None] * probabilities - sums) + penalties[:, None] * weights
        curvature = counts[:, None] * probabilities * (1.0 - probabilities)
        hessians = _hessians(inputs, curvature) + np.diag(penalties)
        step = np.linalg.solve(hessians, gradient.T[..., None])[..., 0].T
        weights -= step
        if np.abs(step).max() < NEWTON_TOLERANCE:
            break
    return weights


def logistic_predictions(weights: np.ndarray, rolls: dict[str, np.ndarray]) -> dict:
    """p(key on) of frames 1..T-1 of each tune from its previous frame."""
    return {
        tune_id: 1.0 / (1.0 + np.exp(-(roll[:-1].astype(np.float64) @ weights[:-1] + weights[-1])))
        for tune_id, roll in rolls.items()
    }


def choose_logistic_penalty(
    fit_rolls: dict[str, np.ndarray], tuning_rolls: dict[str, np.ndarray], penalties=L2_PENALTIES
) -> dict[float, float]:
    """NLL per step on ``tuning_rolls`` (never the evaluation tunes) of the logistic regression fitted on
    ``fit_rolls`` with each penalty; the lowest one is the choice."""
    if not tuning_rolls:
        raise ValueError("no tuning tunes to choose the logistic regression's penalty on")
    return {
        penalty: nll_per_step(
            *_stack(logistic_predictions(fit_previous_frame_logistic(fit_rolls, penalty), tuning_rolls), tuning_rolls)
        )
        for penalty in penalties
    }


def baseline_scores(
    train_rolls: dict[str, np.ndarray], rolls: dict[str, np.ndarray], threshold: float, logistic_penalty: float
) -> dict:
    """Every baseline's scores on ``rolls``, the logistic regression fitted on every training tune with
    ``logistic_penalty`` (chosen by :func:`choose_logistic_penalty`)."""
    weights = fit_previous_frame_logistic(train_rolls, logistic_penalty)
    return {
        "key_frequency": score(key_frequency_predictions(train_rolls, rolls), rolls, threshold),
        "repeat_last_frame": repeat_last_frame_scores(train_rolls, rolls),
        "per_key_markov_chain": score(markov_chain_predictions(train_rolls, rolls), rolls, threshold),
        "logistic_previous_frame": score(logistic_predictions(weights, rolls), rolls, threshold),
    }


def tuning_split(
    train_rolls: dict[str, np.ndarray], valid_rolls: dict[str, np.ndarray] | None, buckets: int = 10
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(fit, tuning) tunes for choosing a baseline's settings: train and valid when valid is not the
    evaluation split (``valid_rolls`` given), else one tune in ``buckets`` of train, by a hash of its id."""
    if valid_rolls:
        return train_rolls, valid_rolls
    held = {tune for tune in train_rolls if zlib.crc32(tune.encode()) % buckets == 0}
    if not held or held == set(train_rolls):
        held = set(sorted(train_rolls)[:: max(buckets, 1)][:1])
    if held == set(train_rolls):
        raise ValueError(f"{len(train_rolls)} training tune(s): none left to fit on after holding out a tuning tune")
    return (
        {tune: roll for tune, roll in train_rolls.items() if tune not in held},
        {tune: roll for tune, roll in train_rolls.items() if tune in held},
    )
