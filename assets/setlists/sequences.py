"""The song stream: shows in time order as tokens, with set/encore/end markers, a vocabulary and windows.

Stream of one show: `<set>` song song ... `<set>` song ... `<encore>` song `<end>`.
Segue marks are not tokens. Each token carries `mark_before`, the mark between the previous song and
this one (0 when this token opens a set or is a marker). A window ending at token k uses the marks of
tokens up to k only; the mark after token k is `mark_before` of the target and is never an input, since
an empty mark there means the set ended and would give the next marker away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.common.splits import split_by_order

PAD, UNKNOWN, SET_START, ENCORE_START, SHOW_END = "<pad>", "<unk>", "<set>", "<encore>", "<end>"
SPECIAL_TOKENS = (PAD, UNKNOWN, SET_START, ENCORE_START, SHOW_END)
MARKERS = (SET_START, ENCORE_START, SHOW_END)
PAD_ID, UNKNOWN_ID, SET_START_ID, ENCORE_START_ID, SHOW_END_ID = range(len(SPECIAL_TOKENS))
MARK_IDS = {"": 0, ",": 1, ">": 2, "->": 3}
MARK_VOCABULARY = 4
VALID_FRACTION, TEST_FRACTION = 0.1, 0.2  # by show date: the last 20% of shows test, the 10% before valid
SEQUENCE_COLUMNS = [
    "stream_index", "show_number", "show_id", "showdate", "split", "token", "token_id", "kind", "set_label",
    "mark_before",
]  # fmt: skip


def split_shows(show_numbers: np.ndarray, valid_fraction: float, test_fraction: float) -> dict[int, str]:
    """Shows in time order: the last `test_fraction` are test, the `valid_fraction` before them valid."""
    ordered = np.sort(np.unique(show_numbers))
    return dict(zip(ordered.tolist(), split_by_order(len(ordered), valid_fraction, test_fraction), strict=True))


def random_split_shows(show_numbers: np.ndarray, valid_fraction: float, test_fraction: float, seed: int) -> dict:
    """A seeded random split of shows (what published numbers used; it leaks later eras into training)."""
    ordered = np.sort(np.unique(show_numbers))
    labels = np.array(split_by_order(len(ordered), valid_fraction, test_fraction), dtype=object)
    np.random.default_rng(seed).shuffle(labels)
    return dict(zip(ordered.tolist(), labels.tolist(), strict=True))


def build_stream(clean: pd.DataFrame, splits: dict[int, str]) -> pd.DataFrame:
    """Every show as tokens in time order, with the split of its show and the lagged segue mark."""
    clean = clean.sort_values(["show_number", "position"], kind="stable")
    rows: list[tuple] = []
    for (show_number, show_id, showdate), show in clean.groupby(["show_number", "show_id", "showdate"], sort=True):
        previous_set, previous_mark = None, ""
        base = (show_number, show_id, showdate, splits[show_number])
        for set_label, title, mark in show[["set_label", "title", "trans_mark"]].itertuples(index=False):
            if set_label != previous_set:
                marker = ENCORE_START if set_label.startswith("e") else SET_START
                rows.append((*base, marker, "marker", set_label, ""))
                previous_set, previous_mark = set_label, ""
            rows.append((*base, title, "song", set_label, previous_mark))
            previous_mark = mark
        rows.append((*base, SHOW_END, "marker", "", ""))
    stream = pd.DataFrame(
        rows, columns=["show_number", "show_id", "showdate", "split", "token", "kind", "set_label", "mark_before"]
    )
    stream.insert(0, "stream_index", np.arange(len(stream), dtype=np.int64))
    return stream


def build_vocabulary(stream: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Special tokens, then songs played at least `min_count` times in training shows, most played first."""
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    train_songs = stream.loc[(stream["split"] == "train") & (stream["kind"] == "song"), "token"]
    counts = train_songs.value_counts()
    counts = counts[counts >= min_count]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    marker_counts = stream.loc[stream["split"] == "train", "token"].value_counts()
    rows = [(token, int(marker_counts.get(token, 0)), "special") for token in SPECIAL_TOKENS]
    rows += [(song, int(count), "song") for song, count in ordered]
    vocabulary = pd.DataFrame(rows, columns=["token", "train_count", "kind"])
    vocabulary.insert(0, "token_id", np.arange(len(vocabulary), dtype=np.int64))
    vocabulary["min_count"] = min_count  # kept with the table so a re-split can rebuild it the same way
    return vocabulary


def encode_stream(stream: pd.DataFrame, vocabulary: pd.DataFrame) -> pd.DataFrame:
    """Token ids (unknown songs map to `<unk>`) and mark ids, in the stream's column order."""
    ids = dict(zip(vocabulary["token"], vocabulary["token_id"], strict=True))
    stream = stream.copy()
    stream["token_id"] = stream["token"].map(ids).fillna(UNKNOWN_ID).astype("int64")
    stream["mark_before"] = stream["mark_before"].map(MARK_IDS).astype("int64")
    return stream[SEQUENCE_COLUMNS]


@dataclass
class Windows:
    """(previous `seq_len` tokens and their marks -> next token) examples of one split."""

    context: np.ndarray  # [examples, seq_len] token ids, left-padded with 0
    marks: np.ndarray  # [examples, seq_len] mark ids of the context tokens
    target: np.ndarray  # [examples]
    show_number: np.ndarray  # [examples] show of the target (the rotation row to use)
    stream_index: np.ndarray  # [examples] position of the target in the stream

    def __len__(self) -> int:
        return len(self.target)


def make_windows(sequences: pd.DataFrame, seq_len: int, split: str, split_column: str = "split") -> Windows:
    """Examples whose target is in `split`; the context is the `seq_len` tokens before it in time order."""
    if seq_len < 1:
        raise ValueError(f"seq_len must be at least 1, got {seq_len}")
    tokens = np.concatenate([np.zeros(seq_len, np.int64), sequences["token_id"].to_numpy(np.int64)])
    marks = np.concatenate([np.zeros(seq_len, np.int64), sequences["mark_before"].to_numpy(np.int64)])
    # The first token of the stream has no history to predict it from.
    targets = np.flatnonzero((sequences[split_column].to_numpy() == split) & (np.arange(len(sequences)) > 0))
    offsets = targets[:, None] + np.arange(seq_len)[None, :]
    return Windows(
        context=tokens[offsets],
        marks=marks[offsets],
        target=sequences["token_id"].to_numpy(np.int64)[targets],
        show_number=sequences["show_number"].to_numpy(np.int64)[targets],
        stream_index=sequences["stream_index"].to_numpy(np.int64)[targets],
    )


def show_token_lists(sequences: pd.DataFrame, split: str) -> list[list[str]]:
    """The token strings of each show of a split (the sentences Word2Vec learns from)."""
    part = sequences[sequences["split"] == split]
    return [group["token"].tolist() for _, group in part.groupby("show_number", sort=True)]


def resplit(sequences: pd.DataFrame, splits: dict[int, str], min_count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same stream under another split of shows, with a vocabulary rebuilt from its training shows."""
    stream = sequences.assign(split=sequences["show_number"].map(splits))
    vocabulary = build_vocabulary(stream, min_count)
    ids = dict(zip(vocabulary["token"], vocabulary["token_id"], strict=True))
    stream["token_id"] = stream["token"].map(ids).fillna(UNKNOWN_ID).astype("int64")
    return stream, vocabulary
