"""Metrics, baselines, contexts and the recent-song penalty on hand-made probabilities."""

import numpy as np
import pandas as pd
import pytest

from assets.setlists.metrics import (
    accuracy_by_context,
    bigram_probabilities,
    most_frequent_probabilities,
    penalize_recent,
    per_song_f1,
    ranked,
    score,
    target_contexts,
    tune_recent_penalty,
)

# Tokens: 0 pad, 1 <unk>, 2 <set>, 3 <encore>, 4 <end>, 5 Ghost, 6 Piper, 7 Reba
VOCABULARY = 8


def _probabilities(rows: list[dict[int, float]]) -> np.ndarray:
    array = np.full((len(rows), VOCABULARY), 1e-3)
    for index, row in enumerate(rows):
        for token, value in row.items():
            array[index, token] = value
    return array / array.sum(axis=1, keepdims=True)


def test_unknown_targets_always_miss_and_unk_is_never_predicted() -> None:
    probabilities = _probabilities([{1: 0.9, 5: 0.05}, {5: 0.8}, {2: 0.7, 6: 0.2}, {7: 0.6}])
    targets = np.array([1, 5, 6, 1])
    is_song = np.array([True, True, True, True])
    assert ranked(probabilities, 1)[:, 0].tolist() == [5, 5, 2, 7]
    metrics = score(probabilities, targets, is_song)
    assert metrics["top1_accuracy"] == pytest.approx(0.25)
    assert metrics["top5_accuracy"] == pytest.approx(0.5)
    assert metrics["top1_known_accuracy"] == pytest.approx(0.5)
    assert metrics["unknown_target_fraction"] == pytest.approx(0.5)
    expected_loss = -np.mean(np.log(probabilities[np.arange(4), targets]))
    assert metrics["log_loss"] == pytest.approx(expected_loss)


def test_song_accuracy_leaves_markers_out() -> None:
    probabilities = _probabilities([{4: 0.9}, {5: 0.9}, {5: 0.9}])
    metrics = score(probabilities, np.array([4, 6, 5]), np.array([False, True, True]))
    assert metrics["top1_accuracy"] == pytest.approx(2 / 3)
    assert metrics["top1_song_accuracy"] == pytest.approx(0.5)


def test_a_mismatch_of_predictions_and_targets_is_an_error() -> None:
    with pytest.raises(ValueError, match="2 predictions for 3 targets"):
        score(_probabilities([{5: 1.0}, {5: 1.0}]), np.array([5, 5, 5]), np.array([True] * 3))


def test_baselines() -> None:
    frequent = most_frequent_probabilities(np.array([5, 5, 6, 2]), VOCABULARY, examples=2)
    assert frequent.shape == (2, VOCABULARY)
    assert ranked(frequent, 1)[:, 0].tolist() == [5, 5]
    assert frequent[0, 0] == 0.0
    bigram = bigram_probabilities(np.array([5, 6, 5]), np.array([6, 7, 6]), np.array([5, 6, 7]), VOCABULARY)
    assert ranked(bigram, 1)[:, 0].tolist()[:2] == [6, 7]
    assert np.allclose(bigram.sum(axis=1), 1.0) and (bigram[:, 2:] > 0).all()


def test_contexts_of_targets() -> None:
    sequences = pd.DataFrame(
        {
            "stream_index": range(7),
            "token": ["<set>", "Ghost", "Piper", "<encore>", "Reba", "<end>", "<set>"],
            "kind": ["marker", "song", "song", "marker", "song", "marker", "marker"],
            "mark_before": [0, 0, 3, 0, 0, 0, 0],
            "set_label": ["1", "1", "1", "e", "e", "", "1"],
        }
    )
    contexts = target_contexts(sequences, np.array([1, 2, 3, 4]))
    assert contexts.tolist() == ["opener", "after_segue", "marker", "encore"]
    probabilities = _probabilities([{5: 0.9}, {7: 0.9}, {3: 0.9}, {7: 0.9}])
    by_context = accuracy_by_context(probabilities, np.array([5, 6, 3, 7]), contexts)
    assert by_context == {"opener": 1.0, "encore": 1.0, "after_segue": 0.0, "marker": 1.0}


def test_per_song_f1_uses_known_song_targets() -> None:
    names = ["<pad>", "<unk>", "<set>", "<encore>", "<end>", "Ghost", "Piper", "Reba"]
    probabilities = _probabilities([{5: 0.9}, {5: 0.9}, {6: 0.9}, {2: 0.9}])
    table = per_song_f1(probabilities, np.array([5, 6, 6, 2]), names, songs=2)
    assert table["song"].tolist() == ["Piper", "Ghost"]
    assert table.set_index("song").loc["Ghost", "precision"] == pytest.approx(0.5)
    assert table.set_index("song").loc["Piper", "recall"] == pytest.approx(0.5)


def test_the_recent_penalty_is_tuned_on_the_given_targets() -> None:
    probabilities = _probabilities([{5: 0.5, 6: 0.4}, {5: 0.5, 7: 0.4}])
    recent = np.zeros((2, VOCABULARY))
    recent[:, 5] = 2.0  # Ghost was played in two of the last three shows
    adjusted = penalize_recent(probabilities, recent, 1.0)
    assert np.allclose(adjusted.sum(axis=1), 1.0)
    strength, table = tune_recent_penalty(probabilities, recent, np.array([6, 7]), np.array([True, True]), [0, 1, 2])
    assert strength == 1.0
    assert table["top1_accuracy"].tolist() == [0.0, 1.0, 1.0]
