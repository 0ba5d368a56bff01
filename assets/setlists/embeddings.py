"""Song embeddings: gensim Word2Vec CBOW over the training shows, nearest songs and a PCA picture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
from pydantic import Field

from assets.setlists.sequences import UNKNOWN


class Word2VecSettings(dg.Config):
    """The Word2Vec CBOW of song_embeddings (its config) and of the random-split comparison."""

    dim: int = Field(default=64, description="Vector size; the model's embedding_dim must match it.")
    window: int = Field(default=5, description="CBOW context window (tokens on each side).")
    epochs: int = Field(default=20, description="Passes over the training shows.")


def training_sentences(sequences: pd.DataFrame, vocabulary: pd.DataFrame) -> list[list[str]]:
    """Each training show as its vocabulary tokens (rare songs as `<unk>`), so Word2Vec and the model agree."""
    names = dict(zip(vocabulary["token_id"], vocabulary["token"], strict=True))
    part = sequences[sequences["split"] == "train"]
    return [[names[token] for token in show["token_id"]] for _, show in part.groupby("show_number", sort=True)]


def train_word2vec(sentences: Sequence[Sequence[str]], dim: int, window: int, epochs: int, seed: int) -> Any:
    """CBOW (sg=0) with one worker, so the vectors are the same for the same seed."""
    from gensim.models import Word2Vec

    if not sentences:
        raise ValueError("Word2Vec needs at least one training show")
    return Word2Vec(
        sentences=[list(sentence) for sentence in sentences],
        vector_size=dim,
        window=window,
        min_count=1,
        sg=0,
        epochs=epochs,
        seed=seed,
        workers=1,
    )


def vectors_frame(word2vec: Any, vocabulary: pd.DataFrame) -> pd.DataFrame:
    """One row per vocabulary token that Word2Vec saw: token, token_id and its vector."""
    known = vocabulary[vocabulary["token"].isin(word2vec.wv.key_to_index)]
    return pd.DataFrame(
        {
            "token": known["token"].to_numpy(),
            "token_id": known["token_id"].to_numpy(),
            "vector": [word2vec.wv[token].astype(np.float32).tolist() for token in known["token"]],
        }
    )


def nearest_songs(word2vec: Any, songs: Sequence[str], topn: int = 10) -> dict[str, list[str]]:
    """The `topn` most similar songs (markers and `<unk>` left out) of each song Word2Vec knows."""
    nearest = {}
    for song in songs:
        if song not in word2vec.wv.key_to_index:
            continue
        similar = word2vec.wv.most_similar(song, topn=topn + 5)
        nearest[song] = [name for name, _ in similar if not name.startswith("<")][:topn]
    return nearest


def embedding_matrix(vectors: pd.DataFrame, vocabulary_size: int, dim: int, seed: int) -> np.ndarray:
    """[vocabulary, dim] initial weights: Word2Vec vectors where known, small random values elsewhere."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.05, size=(vocabulary_size, dim)).astype(np.float32)
    if len(vectors):
        stacked = np.asarray(vectors["vector"].tolist(), dtype=np.float32)
        if stacked.shape[1] != dim:
            raise ValueError(f"song_embeddings have {stacked.shape[1]} dimensions but the model wants {dim}")
        matrix[vectors["token_id"].to_numpy()] = stacked
    return matrix


def pca_plot(vectors: pd.DataFrame, vocabulary: pd.DataFrame, labelled: int = 30) -> bytes:
    """The songs' vectors on their first two principal components; the most played songs are named."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    from assets.common.reports import figure_png

    songs = vectors[~vectors["token"].str.startswith("<") | (vectors["token"] == UNKNOWN)]
    points = PCA(n_components=2, random_state=0).fit_transform(np.asarray(songs["vector"].tolist()))
    counts = vocabulary.set_index("token")["train_count"]
    figure, axes = plt.subplots(figsize=(9, 7))
    axes.scatter(points[:, 0], points[:, 1], s=8, alpha=0.5)
    top = set(counts.loc[songs["token"]].sort_values(ascending=False).index[:labelled])
    for (x_value, y_value), token in zip(points, songs["token"], strict=True):
        if token in top:
            axes.annotate(token, (x_value, y_value), fontsize=7)
    axes.set_title("Song embeddings (Word2Vec CBOW), first two principal components")
    axes.set_xlabel("PC 1")
    axes.set_ylabel("PC 2")
    return figure_png(figure)
