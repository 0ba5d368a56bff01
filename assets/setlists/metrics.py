"""Next-song metrics, the two baselines, per-song F1, accuracy by context and the recent-song penalty.

Every target counts, markers included. A target that is `<unk>` is always a miss for accuracy: padding
and `<unk>` are never offered as a prediction. Log loss uses the probability a model gives the target
token, `<unk>` included (its mass on "a song outside the vocabulary").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assets.setlists.sequences import MARK_IDS, PAD_ID, SET_START, UNKNOWN_ID

METRIC_NAMES = (
    "top1_accuracy", "top5_accuracy", "log_loss", "top1_song_accuracy", "top1_known_accuracy",
    "unknown_target_fraction",
)  # fmt: skip
CONTEXTS = ("opener", "encore", "after_segue", "marker", "other")


def ranked(probabilities: np.ndarray, k: int) -> np.ndarray:
    """[examples, k] token ids ranked best first, never padding or `<unk>`."""
    scores = probabilities.copy()
    scores[:, [PAD_ID, UNKNOWN_ID]] = -np.inf
    top = np.argpartition(-scores, kth=min(k, scores.shape[1] - 1) - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def score(probabilities: np.ndarray, targets: np.ndarray, is_song: np.ndarray) -> dict[str, float]:
    """The issue's metrics for one model on one set of targets."""
    if probabilities.shape[0] != len(targets):
        raise ValueError(f"{probabilities.shape[0]} predictions for {len(targets)} targets")
    top5 = ranked(probabilities, 5)
    known = targets != UNKNOWN_ID
    top1_hit = (top5[:, 0] == targets) & known
    top5_hit = (top5 == targets[:, None]).any(axis=1) & known
    target_probability = np.clip(probabilities[np.arange(len(targets)), targets], 1e-12, 1.0)
    return {
        "top1_accuracy": float(top1_hit.mean()),
        "top5_accuracy": float(top5_hit.mean()),
        "log_loss": float(-np.log(target_probability).mean()),
        "top1_song_accuracy": float(top1_hit[is_song].mean()) if is_song.any() else 0.0,
        "top1_known_accuracy": float(top1_hit[known].mean()) if known.any() else 0.0,
        "unknown_target_fraction": float((~known).mean()),
    }


def most_frequent_probabilities(train_tokens: np.ndarray, vocabulary_size: int, examples: int) -> np.ndarray:
    """Every example gets the training frequency of each token (add-one smoothed)."""
    counts = np.bincount(train_tokens, minlength=vocabulary_size).astype(np.float64) + 1.0
    counts[PAD_ID] = 0.0
    return np.broadcast_to(counts / counts.sum(), (examples, vocabulary_size)).copy()


def bigram_probabilities(
    train_previous: np.ndarray, train_next: np.ndarray, previous: np.ndarray, vocabulary_size: int
) -> np.ndarray:
    """P(next | previous token) from training pairs, interpolated with the unigram so no token gets zero."""
    pairs = np.zeros((vocabulary_size, vocabulary_size), dtype=np.float64)
    np.add.at(pairs, (train_previous, train_next), 1.0)
    unigram = np.bincount(train_next, minlength=vocabulary_size).astype(np.float64) + 1.0
    unigram[PAD_ID] = 0.0
    unigram /= unigram.sum()
    rows = pairs[previous] + unigram[None, :]
    return rows / rows.sum(axis=1, keepdims=True)


def target_contexts(sequences: pd.DataFrame, stream_index: np.ndarray) -> np.ndarray:
    """Where each target sits: set opener, encore song, song after a segue, marker, or elsewhere."""
    targets = sequences.set_index("stream_index").loc[stream_index]
    previous = sequences.set_index("stream_index")["token"].reindex(stream_index - 1).to_numpy()
    is_song = targets["kind"].to_numpy() == "song"
    segue = np.isin(targets["mark_before"].to_numpy(), [MARK_IDS[">"], MARK_IDS["->"]])
    encore = targets["set_label"].astype(str).str.startswith("e").to_numpy()
    return np.select(
        [is_song & (previous == SET_START), is_song & encore, is_song & segue, ~is_song],
        ["opener", "encore", "after_segue", "marker"],
        default="other",
    )


def accuracy_by_context(probabilities: np.ndarray, targets: np.ndarray, contexts: np.ndarray) -> dict[str, float]:
    top1 = ranked(probabilities, 1)[:, 0]
    hit = (top1 == targets) & (targets != UNKNOWN_ID)
    return {context: float(hit[contexts == context].mean()) for context in CONTEXTS if (contexts == context).any()}


def per_song_f1(probabilities: np.ndarray, targets: np.ndarray, names: Sequence[str], songs: int = 20) -> pd.DataFrame:
    """Precision, recall and F1 of the `songs` most frequent known song targets (top-1 predictions)."""
    from sklearn.metrics import precision_recall_fscore_support

    top1 = ranked(probabilities, 1)[:, 0]
    names = np.asarray(names, dtype=object)
    is_known_song = np.array([not str(names[token]).startswith("<") for token in targets])
    frequent = pd.Series(targets[is_known_song]).value_counts().index[:songs].to_numpy()
    precision, recall, f1, support = precision_recall_fscore_support(targets, top1, labels=frequent, zero_division=0.0)
    return pd.DataFrame(
        {"song": names[frequent], "support": support, "precision": precision, "recall": recall, "f1": f1}
    )


def penalize_recent(probabilities: np.ndarray, recent: np.ndarray, strength: float) -> np.ndarray:
    """Divide each song's probability by exp(strength x shows among the last three that played it)."""
    adjusted = probabilities * np.exp(-strength * recent)
    return adjusted / adjusted.sum(axis=1, keepdims=True)


def tune_recent_penalty(
    probabilities: np.ndarray, recent: np.ndarray, targets: np.ndarray, is_song: np.ndarray, grid: Sequence[float]
) -> tuple[float, pd.DataFrame]:
    """The strength with the best top-1 accuracy on these (validation) targets; ties go to the weaker one."""
    rows = [
        {"strength": strength, **score(penalize_recent(probabilities, recent, strength), targets, is_song)}
        for strength in sorted(grid)
    ]
    table = pd.DataFrame(rows)
    best = table.loc[table["top1_accuracy"].idxmax(), "strength"]
    return float(best), table
