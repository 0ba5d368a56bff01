"""The next-song hyperparameter sweep: an asset outside the `setlists` group, run by `setlists_sweep_job`."""

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.dagster_metadata import TRAINING_ASSET_ARGS, report_metadata, table_metadata
from assets.common.reports import write_report
from assets.setlists import paths
from assets.setlists.model import NextSongSettings
from resources import LakeResource, TrainingResource

SWEEP_GROUP = "setlists_sweep"


class NextSongSweepConfig(dg.Config):
    lstm_layers: list[int] = Field(default=[1], description="LSTM layer counts to try.")
    seq_len: list[int] = Field(default=[20, 50], description="Context lengths to try.")
    units: list[int] = Field(default=[64], description="LSTM sizes to try.")
    dropout: list[float] = Field(default=[0.5], description="Dropout rates (after the LSTM) to try.")
    embeddings: list[str] = Field(
        default=["word2vec", "word2vec_frozen", "random"],
        description="Embedding initialisation: word2vec (fine-tuned), word2vec_frozen or random.",
    )
    use_rotation: list[bool] = Field(default=[True], description="With and/or without the rotation features.")
    max_epochs: int = Field(default=5, description="Epoch cap per configuration (early stopping may end sooner).")


@dg.asset(group_name=SWEEP_GROUP, kinds={"tensorflow", "pandas"}, **TRAINING_ASSET_ARGS)
def next_song_sweep(
    song_sequences: pd.DataFrame,
    song_vocabulary: pd.DataFrame,
    song_rotation: pd.DataFrame,
    song_embeddings: pd.DataFrame,
    lake: LakeResource,
    training: TrainingResource,
    config: NextSongSweepConfig,
) -> dg.Output[pd.DataFrame]:
    """A grid over LSTM layers, context length, units, dropout and embedding initialisation (frozen,
    fine-tuned or random Word2Vec), each configuration trained on the date split and scored on test;
    one row per configuration, and a report naming the configuration best on validation."""
    from assets.setlists.embeddings import embedding_matrix
    from assets.setlists.rotation import rotation_matrix
    from assets.setlists.sweep import grid_settings, run_sweep, sweep_report

    base = NextSongSettings(max_epochs=config.max_epochs)
    settings_list = grid_settings(
        base, config.lstm_layers, config.seq_len, config.units, config.dropout, config.embeddings, config.use_rotation
    )
    rotation = rotation_matrix(song_rotation, len(song_vocabulary))
    weights = embedding_matrix(song_embeddings, len(song_vocabulary), base.embedding_dim, training.seed)
    results = run_sweep(
        settings_list, song_sequences, song_vocabulary, rotation, weights,
        work_dir=paths.checkpoint_dir(lake, "next_song_sweep"), seed=training.seed,
    )  # fmt: skip
    report = sweep_report(results, song_sequences, song_vocabulary, rotation)
    report_paths = write_report(lake.reports_dir(paths.DOMAIN), "next_song_sweep", report)
    return dg.Output(results, metadata={**table_metadata(results, preview_rows=len(results)),
                                        **report_metadata(report, report_paths)})  # fmt: skip


setlists_sweep_job = dg.define_asset_job(
    name="setlists_sweep_job",
    selection=dg.AssetSelection.assets(next_song_sweep),
    description="Train the small next-song hyperparameter grid; results in next_song_sweep.parquet and a report.",
)
