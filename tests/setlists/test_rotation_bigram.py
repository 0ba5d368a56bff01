"""The strong next-song baseline: show state, songs played in the show, and a synthetic rotation it must learn."""

import numpy as np
import pandas as pd
import pytest

from assets.setlists.metrics import score
from assets.setlists.report import baseline_probabilities
from assets.setlists.rotation import compute_rotation, rotation_matrix
from assets.setlists.rotation_bigram import (
    fit_rotation_bigram,
    played_in_show,
    rotation_bigram_probabilities,
    show_state,
)
from assets.setlists.sequences import (
    ENCORE_START_ID,
    PAD_ID,
    SET_START_ID,
    SHOW_END_ID,
    build_stream,
    build_vocabulary,
    encode_stream,
    make_windows,
    split_shows,
)

GROUPS = [[f"song {group}{index}" for index in range(4)] for group in "abc"]


def rotating_shows(shows: int, seed: int = 0) -> pd.DataFrame:
    """A band that plays one group of four songs per show in a random order, cycling a -> b -> c, and
    encores with a song of the next group: what comes next is in the rotation and the show's structure, not in
    the previous song."""
    rng = np.random.default_rng(seed)
    rows = []
    for show in range(shows):
        group, next_group = GROUPS[show % 3], GROUPS[(show + 1) % 3]
        titles = [("1", title) for title in rng.permutation(group)] + [("e", str(rng.choice(next_group)))]
        for position, (set_label, title) in enumerate(titles, start=1):
            rows.append((show, f"show{show}", f"2000-01-{show + 1:02d}", position, set_label, title, ","))
    columns = ["show_number", "show_id", "showdate", "position", "set_label", "title", "trans_mark"]
    return pd.DataFrame(rows, columns=columns)


def encoded(shows: int = 90) -> tuple[pd.DataFrame, int, tuple[np.ndarray, np.ndarray]]:
    clean = rotating_shows(shows)
    stream = build_stream(clean, split_shows(clean["show_number"].to_numpy(), 0.1, 0.2))
    vocabulary = build_vocabulary(stream, 1)
    sequences = encode_stream(stream, vocabulary)
    rotation = rotation_matrix(compute_rotation(sequences, len(vocabulary), 5), len(vocabulary))
    return sequences, len(vocabulary), rotation


def test_show_state_counts_songs_in_the_set_and_the_phase_from_earlier_tokens() -> None:
    sequences, _, _ = encoded(3)
    state = show_state(sequences)
    first_show = sequences["show_number"].to_numpy() == 0
    # <set> s s s s <encore> s <end>: before each token
    assert sequences.loc[first_show, "token_id"].tolist()[0] == SET_START_ID
    assert state.songs_in_set[first_show].tolist() == [0, 0, 1, 2, 3, 4, 0, 1]
    assert state.phase[first_show].tolist() == [0, 1, 1, 1, 1, 1, 4, 4]
    assert state.previous[0] == PAD_ID and state.previous[8] == SHOW_END_ID  # a show starts after the last <end>
    assert state.phase[8] == 0 and state.songs_in_set[8] == 0


def test_played_in_show_marks_only_earlier_songs_of_the_same_show() -> None:
    sequences, vocabulary_size, _ = encoded(3)
    tokens = sequences["token_id"].to_numpy()
    played = played_in_show(sequences, np.array([3, 8, 9]), vocabulary_size)
    assert played[0].sum() == 2 and played[0, tokens[1]] == 1 and played[0, tokens[2]] == 1
    assert played[0, tokens[3]] == 0  # the target itself is not yet played
    assert played[1].sum() == 0 and played[2].sum() == 0  # a new show starts empty (markers never count)


def test_it_learns_the_rotation_and_the_set_structure_the_bigram_cannot_see() -> None:
    sequences, vocabulary_size, rotation = encoded()
    test = make_windows(sequences, 5, "test")
    is_song = sequences.set_index("stream_index").loc[test.stream_index, "kind"].to_numpy() == "song"
    fitted = fit_rotation_bigram(sequences, rotation, vocabulary_size)
    strong = score(rotation_bigram_probabilities(fitted, sequences, rotation, test.stream_index), test.target, is_song)
    weak = {
        name: score(probabilities, test.target, is_song)
        for name, probabilities in baseline_probabilities(sequences, test, vocabulary_size).items()
    }
    # Markers are certain from the structure, songs one of the due group not yet played: 0.67 top-1 against 0.30
    assert strong["top1_accuracy"] > weak["markov_bigram"]["top1_accuracy"] + 0.15
    assert strong["top1_accuracy"] > weak["most_frequent"]["top1_accuracy"] + 0.3
    assert strong["log_loss"] < weak["markov_bigram"]["log_loss"] - 0.5
    markers = np.isin(test.target, [SET_START_ID, ENCORE_START_ID, SHOW_END_ID])
    probabilities = rotation_bigram_probabilities(fitted, sequences, rotation, test.stream_index)
    assert (probabilities[markers].argmax(axis=1) == test.target[markers]).mean() > 0.95
    assert probabilities[:, PAD_ID].max() == 0.0
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_without_validation_shows_it_fails_naming_the_split() -> None:
    sequences, vocabulary_size, rotation = encoded(30)
    with pytest.raises(ValueError, match="no valid targets"):
        fit_rotation_bigram(sequences.assign(split="train"), rotation, vocabulary_size)
