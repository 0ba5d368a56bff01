"""The next show, generated token by token from the last songs of the stream, written as a setlist."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assets.setlists.model import NextSongSettings
from assets.setlists.rotation import played_matrix, rotation_matrix
from assets.setlists.sequences import (
    ENCORE_START_ID,
    MARK_IDS,
    PAD_ID,
    SET_START_ID,
    SHOW_END_ID,
    SPECIAL_TOKENS,
    UNKNOWN_ID,
)

MARK_NAMES = {value: key for key, value in MARK_IDS.items()}


def next_show_rotation(sequences: pd.DataFrame, vocabulary_size: int, window: int) -> np.ndarray:
    """[vocabulary, features] rotation of a show played after every show in `sequences`."""
    _, played = played_matrix(sequences, vocabulary_size)
    shows = len(played)
    ever = played.any(axis=0)
    last = np.where(ever, shows - 1 - np.argmax(played[::-1], axis=0), -1)
    lags = [played[-lag] if shows >= lag else np.zeros(vocabulary_size) for lag in (1, 2, 3)]
    frame = pd.DataFrame(
        {
            "show_number": 0,
            "token_id": np.arange(vocabulary_size),
            "plays_last_n": played[-window:].sum(axis=0).astype(np.int32),
            "shows_since_last": np.where(ever, shows - last, 0).astype(np.int32),
            "played_1_ago": lags[0].astype(np.int8),
            "played_2_ago": lags[1].astype(np.int8),
            "played_3_ago": lags[2].astype(np.int8),
        }
    )
    array = rotation_matrix(frame[frame["token_id"] >= len(SPECIAL_TOKENS)], vocabulary_size)[1][0]
    return array


def segue_table(sequences: pd.DataFrame) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """Most common mark between two songs, and after each song, in the training shows."""
    train = sequences[sequences["split"] == "train"].reset_index(drop=True)
    previous = train["token_id"].shift().fillna(PAD_ID).astype(int)
    pairs = train.assign(previous=previous)[(train["kind"] == "song") & (train["mark_before"] > 0)]
    by_pair = pairs.groupby(["previous", "token_id"])["mark_before"].agg(lambda marks: marks.mode().iloc[0])
    by_song = pairs.groupby("previous")["mark_before"].agg(lambda marks: marks.mode().iloc[0])
    return {key: int(value) for key, value in by_pair.items()}, {int(k): int(v) for k, v in by_song.items()}


def generate_tokens(
    model: Any,
    settings: NextSongSettings,
    sequences: pd.DataFrame,
    rotation: np.ndarray,
    *,
    temperature: float,
    seed: int,
    min_songs: int = 10,
    max_tokens: int = 45,
) -> list[tuple[int, int]]:
    """(token, mark before it) pairs of one show: `<set>` first, no repeats, `<end>` last, after at least
    `min_songs` songs (the stream also holds short TV and radio sets that would otherwise end it early)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    rng = np.random.default_rng(seed)
    by_pair, by_song = segue_table(sequences)
    context = sequences["token_id"].to_list()[-settings.seq_len :]
    marks = sequences["mark_before"].to_list()[-settings.seq_len :]
    first_song = len(SPECIAL_TOKENS)
    generated: list[tuple[int, int]] = [(SET_START_ID, 0)]  # every show opens with a set
    while len(generated) < max_tokens:
        context = ([*context, generated[-1][0]])[-settings.seq_len :]
        marks = ([*marks, generated[-1][1]])[-settings.seq_len :]
        probabilities = next_probabilities(model, settings, context, marks, rotation, temperature)
        banned = [PAD_ID, UNKNOWN_ID, *(token for token, _ in generated if token >= first_song)]
        if generated[-1][0] < first_song:
            banned += [SET_START_ID, ENCORE_START_ID, SHOW_END_ID]  # a marker is followed by a song
        if sum(token >= first_song for token, _ in generated) < min_songs:
            banned.append(SHOW_END_ID)
        probabilities[banned] = 0.0
        token = int(rng.choice(len(probabilities), p=probabilities / probabilities.sum()))
        previous = generated[-1][0]
        if token < first_song or previous < first_song:
            mark = 0
        else:
            mark = by_pair.get((previous, token), by_song.get(previous, MARK_IDS[","]))
        generated.append((token, mark))
        if token == SHOW_END_ID:
            break
    if generated[-1][0] != SHOW_END_ID:
        generated.append((SHOW_END_ID, 0))
    return generated


def next_probabilities(
    model: Any,
    settings: NextSongSettings,
    context: list[int],
    marks: list[int],
    rotation: np.ndarray,
    temperature: float,
) -> np.ndarray:
    """Next-token probabilities (float64, at `temperature`) after `context`, its marks and the show's rotation."""
    padded = np.zeros((1, settings.seq_len), dtype=np.int32)
    padded[0, -len(context) :] = context
    inputs = {"context": padded}
    if settings.use_marks:
        mark_array = np.zeros((1, settings.seq_len), dtype=np.int32)
        mark_array[0, -len(marks) :] = marks
        inputs["marks"] = mark_array
    if settings.use_rotation:
        inputs["rotation"] = rotation[None][..., settings.rotation_columns].astype(np.float32)
    logits = np.asarray(model(inputs, training=False))[0].astype(np.float64) / temperature
    exponentiated = np.exp(logits - logits.max())
    return exponentiated / exponentiated.sum()


def setlist_frame(tokens: list[tuple[int, int]], names: dict[int, str]) -> pd.DataFrame:
    """One row per generated song: set label, position, title and the segue mark after it."""
    rows: list[dict[str, Any]] = []
    sets = encores = 0
    label = ""
    for index, (token, _) in enumerate(tokens):
        if token == SET_START_ID:
            sets += 1
            label = str(sets)
        elif token == ENCORE_START_ID:
            encores += 1
            label = "e" if encores == 1 else f"e{encores}"
        elif token != SHOW_END_ID:
            following = tokens[index + 1] if index + 1 < len(tokens) else (SHOW_END_ID, 0)
            mark_after = MARK_NAMES[following[1]] if following[0] >= len(SPECIAL_TOKENS) else ""
            rows.append({"set": label, "position": len(rows) + 1, "song": names[token], "mark_after": mark_after})
    return pd.DataFrame(rows, columns=["set", "position", "song", "mark_after"])


def setlist_text(frame: pd.DataFrame) -> str:
    """`Set 1: Ghost -> Piper, Reba` lines, encores as `Encore:`."""
    lines = []
    for label, songs in frame.groupby("set", sort=False):
        heading = f"Set {label}" if not label.startswith("e") else ("Encore" if label == "e" else f"Encore {label[1:]}")
        parts = [
            song + ("," if mark == "," else f" {mark}" if mark else "")
            for song, mark in songs[["song", "mark_after"]].itertuples(index=False)
        ]
        lines.append(f"{heading}: " + " ".join(parts))
    return "\n".join(lines)
