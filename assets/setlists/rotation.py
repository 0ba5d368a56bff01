"""Rotation features: what fans call the gap, computed for every show from earlier shows only.

For show s and song v: plays of v in the last N shows, shows since v was last played (0 when never),
and whether v was played 1, 2 and 3 shows ago. The model reads them as a [songs, features] matrix per
show, scaled by :func:`rotation_matrix`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.setlists.sequences import SPECIAL_TOKENS

ROTATION_COLUMNS = ["show_number", "token_id", "plays_last_n", "shows_since_last", "played_1_ago", "played_2_ago",
                    "played_3_ago"]  # fmt: skip
FEATURE_NAMES = ["log_plays_last_n", "log_shows_since_last", "never_played", "played_1_ago", "played_2_ago",
                 "played_3_ago"]  # fmt: skip
NUM_FEATURES = len(FEATURE_NAMES)


def played_matrix(sequences: pd.DataFrame, vocabulary_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Show numbers in order and a [shows, vocabulary] 0/1 matrix of which known songs each show played."""
    shows = np.sort(sequences["show_number"].unique())
    row_of = {show: row for row, show in enumerate(shows)}
    played = np.zeros((len(shows), vocabulary_size), dtype=np.float32)
    songs = sequences[sequences["kind"] == "song"]
    played[songs["show_number"].map(row_of).to_numpy(), songs["token_id"].to_numpy()] = 1.0
    played[:, : len(SPECIAL_TOKENS)] = 0.0  # specials, and <unk>, carry no rotation
    return shows, played


def compute_rotation(sequences: pd.DataFrame, vocabulary_size: int, window: int) -> pd.DataFrame:
    """Long table (show, song) of rotation counts, each from shows strictly before that show."""
    if window < 1:
        raise ValueError(f"rotation window must be at least 1, got {window}")
    shows, played = played_matrix(sequences, vocabulary_size)
    before = np.vstack([np.zeros((1, vocabulary_size), np.float32), np.cumsum(played, axis=0)[:-1]])
    lagged = np.vstack([np.zeros((window, vocabulary_size), np.float32), before])[: len(shows)]
    plays_last_n = before - lagged
    since = np.zeros_like(played)
    last_seen = np.full(vocabulary_size, -1)
    for row in range(len(shows)):
        since[row] = np.where(last_seen >= 0, row - last_seen, 0)
        last_seen = np.where(played[row] > 0, row, last_seen)
    previous = [np.vstack([np.zeros((lag, vocabulary_size), np.float32), played[:-lag]]) for lag in (1, 2, 3)]
    show_grid, token_grid = np.meshgrid(shows, np.arange(vocabulary_size), indexing="ij")
    frame = pd.DataFrame(
        {
            "show_number": show_grid.ravel(),
            "token_id": token_grid.ravel(),
            "plays_last_n": plays_last_n.ravel().astype(np.int32),
            "shows_since_last": since.ravel().astype(np.int32),
            "played_1_ago": previous[0].ravel().astype(np.int8),
            "played_2_ago": previous[1].ravel().astype(np.int8),
            "played_3_ago": previous[2].ravel().astype(np.int8),
        }
    )
    frame["window"] = np.int16(window)  # kept with the table so a re-split can rebuild it the same way
    return frame[frame["token_id"] >= len(SPECIAL_TOKENS)].reset_index(drop=True)


def rotation_matrix(rotation: pd.DataFrame, vocabulary_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Show numbers and a [shows, vocabulary, features] float array of scaled features (zeros for specials)."""
    shows = np.sort(rotation["show_number"].unique())
    row_of = pd.Series(np.arange(len(shows)), index=shows)
    array = np.zeros((len(shows), vocabulary_size, NUM_FEATURES), dtype=np.float32)
    rows = row_of[rotation["show_number"].to_numpy()].to_numpy()
    tokens = rotation["token_id"].to_numpy()
    since = rotation["shows_since_last"].to_numpy(np.float32)
    features = np.stack(
        [
            np.log1p(rotation["plays_last_n"].to_numpy(np.float32)),
            np.log1p(since) / 3.0,
            (since == 0).astype(np.float32),
            rotation["played_1_ago"].to_numpy(np.float32),
            rotation["played_2_ago"].to_numpy(np.float32),
            rotation["played_3_ago"].to_numpy(np.float32),
        ],
        axis=1,
    )
    array[rows, tokens] = features
    return shows, array


def rows_of_shows(shows: np.ndarray, show_numbers: np.ndarray) -> np.ndarray:
    """The row of each show number in a rotation array whose rows are `shows`."""
    lookup = np.zeros(int(shows.max()) + 1, dtype=np.int64)
    lookup[shows] = np.arange(len(shows))
    return lookup[show_numbers]


def recent_plays(rotation_array: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """[examples, vocabulary] count of the previous three shows that played each song."""
    return rotation_array[rows][:, :, 3:6].sum(axis=2)
