"""Scores of next-frame predictions and the two baselines.

Scored frames are 1..T-1 of every tune (frame 0 has no history), pooled over all tunes.
- ``nll_per_step``: negative log-likelihood of a frame in nats, summed over the 88 keys, averaged over frames.
- ``frame_accuracy``: Bay et al. (2009), sum TP / sum (TP + FP + FN) over all scored frames, with keys
  predicted on where the probability is at least ``threshold``.
"""

from __future__ import annotations

import numpy as np

from assets.midi.rolls import NUM_KEYS

PROBABILITY_FLOOR = 1e-7  # the clipping Keras applies inside its binary cross-entropy


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


def baseline_scores(train_rolls: dict[str, np.ndarray], rolls: dict[str, np.ndarray], threshold: float) -> dict:
    return {
        "key_frequency": score(key_frequency_predictions(train_rolls, rolls), rolls, threshold),
        "repeat_last_frame": repeat_last_frame_scores(train_rolls, rolls),
    }
