"""The strong baseline of the next-song task: a conditional logit over the previous token, the song's rotation
and the show's structure, with counts from the training shows and weights fitted on the validation shows.

Every candidate token v of a target gets the score

    a * log P_bigram(v | previous token) + b * log P_unigram(v) + c . rotation(v, show) + d * played_in_show(v)
    + (for the three markers) e[marker, phase] + f[marker, songs since the set opened]
    + g * [v is <unk>]

and the probabilities are its softmax over the vocabulary (never padding). `rotation` is the song_rotation
asset's six scaled features of v for the target's show (plays in the last shows, gap since last played,
never played, played 1/2/3 shows ago), all from earlier shows; `played_in_show` is whether v was already
played earlier in the same show; the phase is where the show stands (before the first set, in set 1, 2, 3+,
in the encore). The bigram and unigram counts come from the training targets; the 73 weights are fitted by
L-BFGS on the validation targets, scored with those counts (fitting them on the training targets would need
leave-one-out counts; on the real data that took 4x longer and scored worse on test: top-1 0.168 against
0.171, log loss 4.45 against 3.86). Test is never looked at while fitting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from assets.setlists.rotation import FEATURE_NAMES, rows_of_shows
from assets.setlists.rotation import NUM_FEATURES as ROTATION_FEATURES
from assets.setlists.sequences import ENCORE_START_ID, PAD_ID, SET_START_ID, SHOW_END_ID, SPECIAL_TOKENS, UNKNOWN_ID

MARKER_IDS = (SET_START_ID, ENCORE_START_ID, SHOW_END_ID)
PHASES = 5  # before the first set, set 1, set 2, set 3 or later, encore
SONG_BUCKETS = 16  # songs since the set opened: 0 .. 14, then 15 or more
L2 = 1e-4
# weight layout: bigram, unigram, rotation features, played in show, <unk>, then marker x (phase, bucket)
FIXED_WEIGHT_NAMES = ("log_bigram", "log_unigram", *FEATURE_NAMES, "played_in_show", "unknown")
FIXED_WEIGHTS = len(FIXED_WEIGHT_NAMES)
MARKER_WEIGHTS = len(MARKER_IDS) * (PHASES + SONG_BUCKETS)


@dataclass(frozen=True)
class ShowState:
    """Per stream position, what was known just before it: the previous token, the show's phase and the
    number of songs since the current set opened."""

    previous: np.ndarray
    phase: np.ndarray
    songs_in_set: np.ndarray


@dataclass(frozen=True)
class RotationBigram:
    """The fitted baseline: its weights (fitted on valid) and the training counts it scores with."""

    weights: np.ndarray
    pair_counts: np.ndarray  # [vocabulary, vocabulary] training (previous, next) counts
    unigram: np.ndarray  # [vocabulary] add-one training frequencies, padding 0, summing to 1
    validation_targets: int
    validation_log_loss: float


def show_state(sequences: pd.DataFrame) -> ShowState:
    """The context of every position of the stream (rows in stream order), from earlier tokens only."""
    tokens = sequences["token_id"].to_numpy(np.int64)
    shows = sequences["show_number"].to_numpy()
    if not (np.diff(sequences["stream_index"].to_numpy()) == 1).all():
        raise ValueError("song_sequences must be in stream order with consecutive stream_index values")
    is_marker = np.isin(tokens, MARKER_IDS)
    segment = np.cumsum(is_marker)  # a marker opens a segment; its songs follow it
    songs_after = pd.Series(~is_marker).groupby(segment).cumsum().to_numpy()
    new_show = np.r_[True, shows[1:] != shows[:-1]]
    show_id = np.cumsum(new_show)
    sets_after = pd.Series(tokens == SET_START_ID).groupby(show_id).cumsum().to_numpy()
    encore_after = pd.Series(tokens == ENCORE_START_ID).groupby(show_id).cumsum().to_numpy() > 0
    phase_after = np.where(encore_after, PHASES - 1, np.minimum(sets_after, PHASES - 2))
    # the state before position i is the state after i - 1, reset where a show starts
    previous = np.r_[PAD_ID, tokens[:-1]]
    phase = np.where(new_show, 0, np.r_[0, phase_after[:-1]])
    songs_in_set = np.where(new_show, 0, np.r_[0, songs_after[:-1]])
    return ShowState(previous, phase, np.minimum(songs_in_set, SONG_BUCKETS - 1))


def played_in_show(sequences: pd.DataFrame, positions: np.ndarray, vocabulary_size: int) -> np.ndarray:
    """[targets, vocabulary] 1 where the song was played earlier in the target's show (specials never)."""
    tokens = sequences["token_id"].to_numpy(np.int64)
    shows = sequences["show_number"].to_numpy()
    played = np.zeros((len(positions), vocabulary_size), dtype=np.float32)
    order = np.argsort(positions, kind="stable")
    seen: set[int] = set()
    show, cursor = None, 0
    for row in order:
        position = positions[row]
        if shows[position] != show:
            show, seen = shows[position], set()
            cursor = position
            while cursor > 0 and shows[cursor - 1] == show:
                cursor -= 1
        while cursor < position:
            if tokens[cursor] >= len(SPECIAL_TOKENS):
                seen.add(int(tokens[cursor]))
            cursor += 1
        played[row, list(seen)] = 1.0
    return played


@dataclass(frozen=True)
class _Design:
    log_bigram: np.ndarray  # [targets, vocabulary]
    log_unigram: np.ndarray  # [vocabulary]
    rotation: np.ndarray  # [shows, vocabulary, features]
    rotation_rows: np.ndarray  # [targets] row of each target's show
    played: np.ndarray  # [targets, vocabulary]
    phase: np.ndarray  # [targets]
    songs_in_set: np.ndarray  # [targets]


def _design(
    sequences: pd.DataFrame,
    positions: np.ndarray,
    rotation: tuple[np.ndarray, np.ndarray],
    pair_counts: np.ndarray,
    unigram: np.ndarray,
) -> _Design:
    state = show_state(sequences)
    rows = pair_counts[state.previous[positions]] + unigram[None, :]
    rows[:, PAD_ID] = 1.0  # padding is masked out of the softmax; keep its log finite
    shows, array = rotation
    return _Design(  # float32: the [targets, vocabulary] arrays are the cost of every step of the fit
        log_bigram=np.log(rows / rows.sum(axis=1, keepdims=True)).astype(np.float32),
        log_unigram=np.log(np.where(unigram > 0, unigram, 1.0)).astype(np.float32),
        rotation=array.astype(np.float32),
        rotation_rows=rows_of_shows(shows, sequences["show_number"].to_numpy(np.int64)[positions]),
        played=played_in_show(sequences, positions, pair_counts.shape[0]),
        phase=state.phase[positions],
        songs_in_set=state.songs_in_set[positions],
    )


def _logits(weights: np.ndarray, design: _Design) -> np.ndarray:
    weights = weights.astype(np.float32)
    rotation_weights = weights[2 : 2 + ROTATION_FEATURES]
    logits = (
        weights[0] * design.log_bigram
        + weights[1] * design.log_unigram[None, :]
        + (design.rotation @ rotation_weights)[design.rotation_rows]
        + weights[2 + ROTATION_FEATURES] * design.played
    )
    logits[:, UNKNOWN_ID] += weights[3 + ROTATION_FEATURES]
    markers = weights[FIXED_WEIGHTS:].reshape(len(MARKER_IDS), PHASES + SONG_BUCKETS)
    for index, marker in enumerate(MARKER_IDS):
        logits[:, marker] += markers[index, design.phase] + markers[index, PHASES + design.songs_in_set]
    logits[:, PAD_ID] = -np.inf
    return logits


def _probabilities(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Softmax by rows, in place, and each row's log normaliser (padding's -inf logit gives it 0)."""
    largest = logits.max(axis=1, keepdims=True)
    logits -= largest
    np.exp(logits, out=logits)
    totals = logits.sum(axis=1, keepdims=True)
    logits /= totals
    return logits, (np.log(totals) + largest)[:, 0]


def _loss_and_gradient(weights: np.ndarray, design: _Design, targets: np.ndarray) -> tuple[float, np.ndarray]:
    count = len(targets)
    logits = _logits(weights, design)
    target_logits = logits[np.arange(count), targets]
    residual, log_normaliser = _probabilities(logits)
    loss = float((log_normaliser - target_logits).mean(dtype=np.float64)) + L2 * float(weights @ weights)
    residual[np.arange(count), targets] -= 1.0
    residual /= count
    # rows are in stream order, so each show's targets are one run of rows
    starts = np.flatnonzero(np.r_[True, design.rotation_rows[1:] != design.rotation_rows[:-1]])
    by_show = np.zeros(design.rotation.shape[:2])
    by_show[design.rotation_rows[starts]] = np.add.reduceat(residual, starts, axis=0)
    gradient = np.zeros_like(weights)
    by_token = residual.sum(axis=0, dtype=np.float64)
    gradient[0] = float(np.einsum("tv,tv->", residual, design.log_bigram, dtype=np.float64))
    gradient[1] = float(by_token @ design.log_unigram)
    gradient[2 : 2 + ROTATION_FEATURES] = np.einsum("sv,svf->f", by_show, design.rotation, dtype=np.float64)
    gradient[2 + ROTATION_FEATURES] = float(np.einsum("tv,tv->", residual, design.played, dtype=np.float64))
    gradient[3 + ROTATION_FEATURES] = by_token[UNKNOWN_ID]
    marker_gradient = np.zeros((len(MARKER_IDS), PHASES + SONG_BUCKETS))
    for index, marker in enumerate(MARKER_IDS):
        column = residual[:, marker].astype(np.float64)
        marker_gradient[index, :PHASES] = np.bincount(design.phase, column, PHASES)
        marker_gradient[index, PHASES:] = np.bincount(design.songs_in_set, column, SONG_BUCKETS)
    gradient[FIXED_WEIGHTS:] = marker_gradient.ravel()
    return float(loss), gradient + 2 * L2 * weights


def _targets_of(sequences: pd.DataFrame, split: str) -> np.ndarray:
    """Stream positions (rows) of the split's targets; the stream's first token has nothing before it."""
    positions = np.flatnonzero((sequences["split"].to_numpy() == split) & (np.arange(len(sequences)) > 0))
    if len(positions) == 0:
        raise ValueError(f"song_sequences has no {split} targets to fit the rotation baseline with")
    return positions


def fit_rotation_bigram(
    sequences: pd.DataFrame, rotation: tuple[np.ndarray, np.ndarray], vocabulary_size: int
) -> RotationBigram:
    """Counts from the training targets, weights from the validation targets (rows of `sequences` in stream
    order, as the song_sequences asset stores them)."""
    tokens = sequences["token_id"].to_numpy(np.int64)
    train = _targets_of(sequences, "train")
    pair_counts = np.zeros((vocabulary_size, vocabulary_size))
    np.add.at(pair_counts, (tokens[train - 1], tokens[train]), 1.0)
    unigram = np.bincount(tokens[train], minlength=vocabulary_size).astype(np.float64) + 1.0
    unigram[PAD_ID] = 0.0
    unigram /= unigram.sum()
    valid = _targets_of(sequences, "valid")
    design = _design(sequences, valid, rotation, pair_counts, unigram)
    start = np.zeros(FIXED_WEIGHTS + MARKER_WEIGHTS)
    start[0] = 1.0  # the interpolated bigram itself
    fitted = minimize(_loss_and_gradient, start, args=(design, tokens[valid]), jac=True, method="L-BFGS-B")
    return RotationBigram(fitted.x, pair_counts, unigram, len(valid), float(fitted.fun))


def rotation_bigram_probabilities(
    model: RotationBigram,
    sequences: pd.DataFrame,
    rotation: tuple[np.ndarray, np.ndarray],
    stream_index: np.ndarray,
) -> np.ndarray:
    """[targets, vocabulary] probabilities for the targets at these stream positions."""
    positions = np.searchsorted(sequences["stream_index"].to_numpy(), stream_index)
    design = _design(sequences, positions, rotation, model.pair_counts, model.unigram)
    return _probabilities(_logits(model.weights, design))[0]
