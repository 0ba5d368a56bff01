"""The character vocabulary (with start, end and unknown tokens) and the artist list.

Token ids: 0 start, 1 end, 2 unknown, then the characters seen in training text in code-point order.
A song is encoded as ``start, characters..., end``; a character never seen in training maps to unknown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from assets.common.atomic import write_json_atomic

START, END, UNKNOWN = "<start>", "<end>", "<unk>"
SPECIAL_TOKENS = (START, END, UNKNOWN)
START_ID, END_ID, UNKNOWN_ID = 0, 1, 2
VOCABULARY_COLUMNS = ["kind", "id", "value"]


@dataclass(frozen=True)
class Vocabulary:
    """Characters (after the special tokens) and artists, each in id order."""

    characters: tuple[str, ...]
    artists: tuple[str, ...]

    @property
    def tokens(self) -> tuple[str, ...]:
        return (*SPECIAL_TOKENS, *self.characters)

    @property
    def size(self) -> int:
        return len(SPECIAL_TOKENS) + len(self.characters)

    @property
    def artist_count(self) -> int:
        return len(self.artists)

    def _char_ids(self) -> dict[str, int]:
        return {character: index + len(SPECIAL_TOKENS) for index, character in enumerate(self.characters)}

    def encode(self, text: str) -> np.ndarray:
        """``start, characters..., end`` as int32 ids."""
        lookup = self._char_ids()
        body = [lookup.get(character, UNKNOWN_ID) for character in text]
        return np.asarray([START_ID, *body, END_ID], dtype=np.int32)

    def decode(self, ids: Iterable[int]) -> str:
        """Characters for ids; the special tokens are dropped except unknown, shown as U+FFFD."""
        tokens = self.tokens
        return "".join(
            tokens[index] if index >= len(SPECIAL_TOKENS) else ("\ufffd" if index == UNKNOWN_ID else "")
            for index in ids
        )

    def artist_id(self, artist: str) -> int:
        try:
            return self.artists.index(artist)
        except ValueError:
            raise ValueError(f"artist {artist!r} is not in the vocabulary ({len(self.artists)} artists)") from None

    def to_frame(self) -> pd.DataFrame:
        rows = [("token", index, token) for index, token in enumerate(self.tokens)]
        rows += [("artist", index, artist) for index, artist in enumerate(self.artists)]
        return pd.DataFrame(rows, columns=VOCABULARY_COLUMNS)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Vocabulary:
        missing = [column for column in VOCABULARY_COLUMNS if column not in frame.columns]
        if missing:
            raise ValueError(f"vocabulary frame lacks columns {missing}; expected {VOCABULARY_COLUMNS}")
        tokens = frame[frame["kind"] == "token"].sort_values("id")["value"].tolist()
        if tuple(tokens[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"vocabulary must start with {SPECIAL_TOKENS}, found {tokens[:3]}")
        artists = frame[frame["kind"] == "artist"].sort_values("id")["value"].tolist()
        return cls(tuple(tokens[len(SPECIAL_TOKENS) :]), tuple(artists))

    def save(self, path: Path) -> Path:
        return write_json_atomic(Path(path), {"characters": list(self.characters), "artists": list(self.artists)})

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        payload = json.loads(Path(path).read_text())
        return cls(tuple(payload["characters"]), tuple(payload["artists"]))


def build_vocabulary(train_texts: Iterable[str], artists: Iterable[str]) -> Vocabulary:
    """Every character of the training texts, and every artist (sorted), including test-only ones."""
    characters: set[str] = set()
    for text in train_texts:
        characters.update(text)
    if not characters:
        raise ValueError("no training text: cannot build a character vocabulary")
    return Vocabulary(tuple(sorted(characters)), tuple(sorted(set(artists))))
