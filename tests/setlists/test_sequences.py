"""The token stream, its vocabulary, windows and rotation features on a tiny hand-made history."""

import numpy as np
import pandas as pd
import pytest

from assets.setlists.rotation import compute_rotation
from assets.setlists.sequences import (
    MARK_IDS,
    build_stream,
    build_vocabulary,
    encode_stream,
    make_windows,
    random_split_shows,
    split_shows,
)


def _clean(shows: list[list[tuple[str, str, str]]]) -> pd.DataFrame:
    rows = []
    for number, show in enumerate(shows, start=1):
        for position, (set_label, title, mark) in enumerate(show, start=1):
            rows.append(
                {
                    "show_number": number, "show_id": f"s{number}", "showdate": f"2009-01-{number:02d}",
                    "position": position, "set_label": set_label, "title": title, "trans_mark": mark,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


SHOWS = [
    [("1", "Ghost", "->"), ("1", "Piper", ""), ("e", "Julius", "")],
    [("1", "Ghost", ","), ("1", "Reba", ""), ("2", "Tweezer", ""), ("e", "Julius", "")],
    [("1", "Ghost", ">"), ("1", "Piper", ""), ("e", "Tweezer", "")],
    [("1", "Fuego", ","), ("1", "Ghost", ""), ("e", "Julius", "")],
]
SPLITS = {1: "train", 2: "train", 3: "valid", 4: "test"}


def test_the_stream_has_exactly_three_markers_and_lagged_marks() -> None:
    stream = build_stream(_clean(SHOWS), SPLITS)
    first = stream[stream["show_number"] == 1]
    assert first["token"].tolist() == ["<set>", "Ghost", "Piper", "<encore>", "Julius", "<end>"]
    # The mark after Ghost ("->") belongs to Piper, the token it leads into; the empty end-of-set mark is
    # never carried onto the next token.
    assert first["mark_before"].tolist() == ["", "", "->", "", "", ""]
    assert set(stream.loc[stream["kind"] == "marker", "token"]) == {"<set>", "<encore>", "<end>"}


def test_vocabulary_comes_from_training_shows_only_and_applies_min_count() -> None:
    stream = build_stream(_clean(SHOWS), SPLITS)
    vocabulary = build_vocabulary(stream, min_count=2)
    assert vocabulary["token"].tolist() == ["<pad>", "<unk>", "<set>", "<encore>", "<end>", "Ghost", "Julius"]
    encoded = encode_stream(stream, vocabulary)
    fuego = encoded[encoded["show_number"] == 4].iloc[1]
    assert fuego["token_id"] == 1  # first played after training: unknown
    with pytest.raises(ValueError, match="min_count"):
        build_vocabulary(stream, min_count=0)


def test_windows_use_only_earlier_tokens_and_the_marks_between_context_songs() -> None:
    stream = build_stream(_clean(SHOWS), SPLITS)
    encoded = encode_stream(stream, build_vocabulary(stream, min_count=1))
    test = make_windows(encoded, seq_len=3, split="test")
    assert len(test) == int((encoded["split"] == "test").sum())
    last_index = test.stream_index.max()
    for context, target, index in zip(test.context, test.target, test.stream_index, strict=True):
        assert target == encoded["token_id"].iloc[index]
        assert context.tolist() == encoded["token_id"].iloc[index - 3 : index].tolist()
    assert last_index == len(encoded) - 1
    train = make_windows(encoded, seq_len=3, split="train")
    # No training window reaches a valid or test token.
    assert train.stream_index.max() < encoded.index[encoded["split"] == "valid"].min()
    piper = encoded.index[(encoded["token"] == "Piper") & (encoded["show_number"] == 1)][0]
    window = train.stream_index.tolist().index(piper)
    assert train.marks[window].tolist() == [0, 0, 0]  # the "->" after Ghost is the target's mark, not an input
    after = train.stream_index.tolist().index(piper + 1)
    assert train.marks[after][-1] == MARK_IDS["->"]


def test_the_first_windows_are_left_padded() -> None:
    stream = build_stream(_clean(SHOWS), SPLITS)
    encoded = encode_stream(stream, build_vocabulary(stream, min_count=1))
    train = make_windows(encoded, seq_len=4, split="train")
    assert train.context[0].tolist() == [0, 0, 0, encoded["token_id"].iloc[0]]


def test_splits_are_by_date_or_seeded_random() -> None:
    numbers = np.arange(1, 11)
    assert list(split_shows(numbers, 0.1, 0.2).values()) == ["train"] * 7 + ["valid"] + ["test"] * 2
    random = random_split_shows(numbers, 0.1, 0.2, seed=1)
    assert random == random_split_shows(numbers, 0.1, 0.2, seed=1)
    assert sorted(random.values()) == sorted(split_shows(numbers, 0.1, 0.2).values())


def test_rotation_counts_only_earlier_shows() -> None:
    stream = build_stream(_clean(SHOWS), SPLITS)
    vocabulary = build_vocabulary(stream, min_count=1)
    rotation = compute_rotation(encode_stream(stream, vocabulary), len(vocabulary), window=2)
    ghost = vocabulary.set_index("token").loc["Ghost", "token_id"]
    rows = rotation[rotation["token_id"] == ghost].set_index("show_number")
    assert rows["plays_last_n"].tolist() == [0, 1, 2, 2]
    assert rows["shows_since_last"].tolist() == [0, 1, 1, 1]
    tweezer = vocabulary.set_index("token").loc["Tweezer", "token_id"]
    rows = rotation[rotation["token_id"] == tweezer].set_index("show_number")
    assert rows["played_1_ago"].tolist() == [0, 0, 1, 1]
    assert rows["played_2_ago"].tolist() == [0, 0, 0, 1]
    assert rows["shows_since_last"].tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="window"):
        compute_rotation(encode_stream(stream, vocabulary), len(vocabulary), window=0)
