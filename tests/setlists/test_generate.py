"""Turning generated tokens into a readable setlist, and the rotation of the show to come."""

import numpy as np
import pandas as pd

from assets.setlists.generate import next_show_rotation, setlist_frame, setlist_text
from assets.setlists.rotation import FEATURE_NAMES

NAMES = {0: "<pad>", 1: "<unk>", 2: "<set>", 3: "<encore>", 4: "<end>", 5: "Ghost", 6: "Piper", 7: "Reba", 8: "Julius"}


def test_tokens_become_sets_encores_and_segues() -> None:
    tokens = [(2, 0), (5, 0), (6, 3), (7, 1), (2, 0), (8, 0), (3, 0), (5, 0), (4, 0)]
    frame = setlist_frame(tokens, NAMES)
    assert frame["set"].tolist() == ["1", "1", "1", "2", "e"]
    assert frame["mark_after"].tolist() == ["->", ",", "", "", ""]
    assert setlist_text(frame) == "Set 1: Ghost -> Piper, Reba\nSet 2: Julius\nEncore: Ghost"


def test_the_next_show_rotation_counts_every_show_so_far() -> None:
    sequences = pd.DataFrame(
        {
            "show_number": [1, 1, 2, 2, 3],
            "token_id": [5, 6, 5, 7, 2],
            "kind": ["song", "song", "song", "song", "marker"],
        }
    )
    rotation = next_show_rotation(sequences, vocabulary_size=9, window=2)
    assert rotation.shape == (9, len(FEATURE_NAMES))
    features = dict(zip(FEATURE_NAMES, rotation[5], strict=True))
    assert features["log_plays_last_n"] == np.float32(np.log1p(1))  # only show 2 is in the last two shows
    assert features["played_2_ago"] == 1.0 and features["played_1_ago"] == 0.0
    assert rotation[8, FEATURE_NAMES.index("never_played")] == 1.0
    assert not rotation[:5].any()
