"""Setlists features: Word2Vec song embeddings and the per-show rotation of every song."""

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.atomic import atomic_path, write_bytes_atomic
from assets.common.dagster_metadata import TRAINED_MODEL_TAGS, table_metadata
from assets.common.reports import png_markdown
from assets.setlists import paths
from assets.setlists.data_assets import DOMAIN
from assets.setlists.embeddings import (
    Word2VecSettings,
    nearest_songs,
    pca_plot,
    train_word2vec,
    training_sentences,
    vectors_frame,
)
from assets.setlists.rotation import compute_rotation
from resources import LakeResource, TrainingResource

WELL_KNOWN_SONGS = ("Ghost", "Mike's Song", "Tweezer", "You Enjoy Myself", "Harry Hood")


@dg.asset(group_name=DOMAIN, kinds={"gensim", "pandas"}, tags=TRAINED_MODEL_TAGS)
def song_embeddings(
    song_sequences: pd.DataFrame,
    song_vocabulary: pd.DataFrame,
    lake: LakeResource,
    training: TrainingResource,
    config: Word2VecSettings,
) -> dg.Output[pd.DataFrame]:
    """Word2Vec CBOW vectors of every vocabulary token, learned from the training shows only (each show
    a sentence, markers included). The gensim model is saved beside; the metadata shows the 10 nearest
    songs of a few well-known songs and a PCA plot."""
    word2vec = train_word2vec(
        training_sentences(song_sequences, song_vocabulary), config.dim, config.window, config.epochs, training.seed
    )
    model_path = paths.word2vec_path(lake)
    with atomic_path(model_path) as temporary:
        word2vec.save(str(temporary))
    vectors = vectors_frame(word2vec, song_vocabulary).assign(w2v_window=config.window, w2v_epochs=config.epochs)
    plot = pca_plot(vectors, song_vocabulary)
    plot_path = write_bytes_atomic(lake.reports_dir(DOMAIN) / "song_embeddings_pca.png", plot)
    nearest = nearest_songs(word2vec, WELL_KNOWN_SONGS)
    return dg.Output(
        vectors,
        metadata={
            "dagster/row_count": len(vectors),
            "model_path": dg.MetadataValue.path(str(model_path)),
            "nearest_songs": dg.MetadataValue.json(nearest),
            "pca_plot": dg.MetadataValue.md(png_markdown(plot, "PCA of song embeddings")),
            "pca_plot_path": dg.MetadataValue.path(str(plot_path)),
            **config.model_dump(),
        },
    )


class SongRotationConfig(dg.Config):
    window: int = Field(default=40, description="N: plays are counted over the last N shows.")


@dg.asset(group_name=DOMAIN, kinds={"pandas"})
def song_rotation(
    song_sequences: pd.DataFrame, song_vocabulary: pd.DataFrame, config: SongRotationConfig
) -> dg.Output[pd.DataFrame]:
    """For every show and every vocabulary song, from earlier shows only: plays in the last N shows,
    shows since it was last played (fans' "gap"; 0 = never), and whether each of the previous three
    shows played it. The model reads these to learn how the band rotates its catalogue."""
    rotation = compute_rotation(song_sequences, len(song_vocabulary), config.window)
    return dg.Output(rotation, metadata={**table_metadata(rotation), "window": config.window})
