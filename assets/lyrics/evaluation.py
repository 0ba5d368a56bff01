"""Test-split evaluation of both language models against the unigram and bigram baselines and the strong
one, an interpolated Kneser-Ney character n-gram (order and discount chosen on the valid songs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assets.lyrics.kneser_ney import fit_tuned_kneser_ney
from assets.lyrics.metrics import NgramBaseline, SongScores, score_songs_with_model
from assets.lyrics.vocabulary import Vocabulary

FREQUENT_ARTIST_SONGS = 20  # the bar compares the models on artists with this many training songs


@dataclass
class Evaluation:
    """Bits per character of every scorer on the test songs, pooled and per artist."""

    pooled: dict[str, float]
    frequent: dict[str, float]
    per_artist: pd.DataFrame
    test_songs: int
    test_tokens: int
    frequent_artists: list[str]
    kneser_ney: dict[str, Any]


def evaluate_char_lms(
    clean: pd.DataFrame, splits: pd.DataFrame, vocabulary: Vocabulary, char_lm: Any, artist_char_lm: Any
) -> Evaluation:
    """Score test songs with both stateless models, the add-one unigram / bigram fitted on train songs and
    the Kneser-Ney n-gram fitted on train songs with its order and discount chosen on the valid songs."""
    split = splits["split"].to_numpy()
    train_songs = [vocabulary.encode(text) for text in clean["text"][split == "train"]]
    valid_songs = [vocabulary.encode(text) for text in clean["text"][split == "valid"]]
    if not valid_songs:
        raise ValueError(
            "the valid split holds no songs: the Kneser-Ney baseline is tuned on them; raise valid_fraction"
        )
    kneser_ney, tried = fit_tuned_kneser_ney(train_songs, valid_songs, vocabulary.size)
    test_frame = clean[split == "test"]
    if test_frame.empty:
        raise ValueError("the test split holds no songs: raise test_fraction or add data")
    test_songs = [vocabulary.encode(text) for text in test_frame["text"]]
    test_artists = test_frame["artist"].to_numpy()
    artist_ids = [vocabulary.artist_id(artist) for artist in test_artists]
    scores: dict[str, SongScores] = {
        "char_lm": score_songs_with_model(char_lm, test_songs),
        "artist_char_lm": score_songs_with_model(artist_char_lm, test_songs, artist_ids),
        "unigram": NgramBaseline(1, vocabulary.size).fit(train_songs).score(test_songs),
        "bigram": NgramBaseline(2, vocabulary.size).fit(train_songs).score(test_songs),
        "kneser_ney": kneser_ney.score(test_songs),
    }
    train_counts = clean["artist"][split == "train"].value_counts()
    frequent_artists = sorted(train_counts[train_counts >= FREQUENT_ARTIST_SONGS].index)
    frequent_mask = np.isin(test_artists, frequent_artists)
    rows = []
    for artist in sorted(set(test_artists)):
        mask = test_artists == artist
        row = {"artist": artist, "train_songs": int(train_counts.get(artist, 0)), "test_songs": int(mask.sum())}
        row["test_characters"] = int(scores["char_lm"].tokens[mask].sum())
        row.update({name: score.bits_per_char(mask) for name, score in scores.items()})
        rows.append(row)
    return Evaluation(
        pooled={name: score.bits_per_char() for name, score in scores.items()},
        frequent={name: score.bits_per_char(frequent_mask) for name, score in scores.items()}
        if frequent_mask.any()
        else {},
        per_artist=pd.DataFrame(rows),
        test_songs=len(test_songs),
        test_tokens=int(scores["char_lm"].tokens.sum()),
        frequent_artists=frequent_artists,
        kneser_ney={
            "order": kneser_ney.order,
            "discount": kneser_ney.discount,
            "how": "interpolated Kneser-Ney character n-gram fitted on the train songs; order and discount "
            "chosen by the valid songs' bits per character",
            "valid_bits_per_char": tried,
        },
    )


def bits_per_char_on_test(
    model: Any, vocabulary: Vocabulary, clean: pd.DataFrame, splits: pd.DataFrame
) -> float | None:
    """Pooled test bits per character of one stateless model, the test songs encoded with the model's own
    vocabulary (a champion trained on an older vocabulary scores the same characters and end tokens).

    None when the model is conditioned and a test artist is not in its vocabulary: it cannot score them.
    """
    test = clean[splits["split"].to_numpy() == "test"]
    if test.empty:
        raise ValueError("the test split holds no songs: raise test_fraction or add data")
    songs = [vocabulary.encode(text) for text in test["text"]]
    artist_ids = None
    if "artist_embedding" in {layer.name for layer in model.layers}:
        if not set(test["artist"]) <= set(vocabulary.artists):
            return None
        artist_ids = [vocabulary.artist_id(artist) for artist in test["artist"]]
    return score_songs_with_model(model, songs, artist_ids).bits_per_char()


def per_artist_plot(per_artist: pd.DataFrame) -> bytes:
    """Bars of bits per character per artist for both models and the bigram baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    figure, axis = plt.subplots(figsize=(max(6, 0.5 * len(per_artist) + 2), 4))
    positions = np.arange(len(per_artist))
    for offset, name in zip((-0.27, 0.0, 0.27), ("bigram", "char_lm", "artist_char_lm"), strict=True):
        axis.bar(positions + offset, per_artist[name], width=0.27, label=name)
    axis.set_xticks(positions, per_artist["artist"], rotation=60, ha="right")
    axis.set_ylabel("test bits per character")
    axis.legend()
    return figure_png(figure)
