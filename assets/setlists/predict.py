"""Using a stored next-song model outside Dagster: the most likely next songs after a list of titles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assets.setlists.generate import next_probabilities, next_show_rotation
from assets.setlists.model import NextSongSettings
from assets.setlists.rotation import NUM_FEATURES
from assets.setlists.sequences import MARK_IDS, PAD_ID, SPECIAL_TOKENS, UNKNOWN_ID

VOCABULARY_FILE = "vocabulary.json"  # the version's tokens in id order, written beside model.keras


def version_tokens(version_path: str | Path) -> list[str]:
    return json.loads((Path(version_path) / VOCABULARY_FILE).read_text())


def next_song_candidates(
    model: Any,
    version: Any,
    titles: Sequence[str],
    k: int = 5,
    sequences: pd.DataFrame | None = None,
    rotation_window: int = 40,
) -> list[tuple[str, float]]:
    """The ``k`` most likely next tokens (songs or `<set>` / `<encore>` / `<end>`) after ``titles``, oldest first,
    with their probabilities. Titles the model does not know read as `<unk>`; consecutive songs are taken as
    separated by ``,`` (no segue). With ``sequences`` (the lake's `song_sequences`), the rotation features
    are those of a show played after the last one in it; without, they are all zero (no show history)."""
    if not titles:
        raise ValueError("titles must name at least one song or marker")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    tokens = version_tokens(version.path)
    ids = {token: index for index, token in enumerate(tokens)}
    settings = NextSongSettings.from_config(version.config)
    context = [ids.get(title, UNKNOWN_ID) for title in titles][-settings.seq_len :]
    first_song = len(SPECIAL_TOKENS)
    marks = [
        MARK_IDS[","] if index and token >= first_song and context[index - 1] >= first_song else 0
        for index, token in enumerate(context)
    ]
    if sequences is not None:
        rotation = next_show_rotation(sequences, len(tokens), rotation_window)
    else:
        rotation = np.zeros((len(tokens), NUM_FEATURES))
    probabilities = next_probabilities(model, settings, context, marks, rotation, 1.0)
    probabilities[[PAD_ID, UNKNOWN_ID]] = 0.0
    best = np.argsort(-probabilities, kind="stable")[:k]
    return [(tokens[index], float(probabilities[index])) for index in best]
