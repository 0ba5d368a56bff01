"""Setlists model assets: the next-song LSTM, its report on the test split, and a generated next show."""

import json
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.common.atomic import write_text_atomic
from assets.common.champions import challenger_fields
from assets.common.dagster_metadata import MODEL_ASSET_ARGS, TRAINING_ASSET_ARGS, report_metadata
from assets.common.lifecycle import content_hash, train_version
from assets.common.model_registry import champion_version, read_version
from assets.common.reports import strong_baseline_blocks_field, write_report
from assets.setlists.data_assets import DOMAIN
from assets.setlists.model import NextSongSettings
from assets.setlists.paths import model_dir
from resources import LakeResource, MlflowResource, TrainingResource


@dg.asset(group_name=DOMAIN, kinds={"tensorflow", "keras"}, **MODEL_ASSET_ARGS)
def next_song_model(
    context: dg.AssetExecutionContext,
    setlist_tfrecords: pd.DataFrame,
    song_embeddings: pd.DataFrame,
    song_rotation: pd.DataFrame,
    song_vocabulary: pd.DataFrame,
    song_sequences: pd.DataFrame,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
    config: NextSongSettings,
) -> dg.Output[pd.DataFrame]:
    """An LSTM that reads the last `seq_len` tokens (and the segue marks between them) and predicts the
    next song or marker; the current show's rotation features are added to its logits through learned
    weights. Embeddings start from song_embeddings. Early stopping on validation loss picks the epoch
    count and the recent-song penalty is tuned on valid; then a fresh model is refitted on train+valid
    for that many epochs and is the model saved (set `refit_on_train_and_valid: false` to keep the
    early-stopped one)."""
    from assets.setlists.training_run import TASK, train_next_song

    version, row, metadata = train_version(
        context,
        task=TASK,
        task_dir=model_dir(lake, TASK),
        config=config,
        data_version=content_hash(setlist_tfrecords, song_vocabulary, song_embeddings, song_rotation),
        package_dir=Path(__file__).parent,
        training=training,
        mlflow=mlflow,
        train=lambda run: train_next_song(
            setlist_tfrecords, song_embeddings, song_rotation, song_vocabulary, song_sequences, lake,
            config, run,
        ),
    )  # fmt: skip
    run = row.iloc[0]
    context.log.info(
        f"early stopping: {run['epochs_run']} epochs, best {run['best_epoch']}; refit on train+valid: "
        f"{run['refit_epochs']} epochs; recent-song penalty {run['recent_song_penalty']} ({run['train_seconds']:.0f} s)"
    )
    return dg.Output(
        row,
        metadata={
            **metadata,
            "model_path": dg.MetadataValue.path(str(version.model_path)),
            "epochs_run": int(run["epochs_run"]),
            "best_epoch": int(run["best_epoch"]),
            "refit_epochs": int(run["refit_epochs"]),
            "recent_song_penalty": float(run["recent_song_penalty"]),
            "train_seconds": float(run["train_seconds"]),
            "tensorboard": dg.MetadataValue.path(str(run["tensorboard_dir"])),
            "hyperparameters": dg.MetadataValue.json(json.loads(run["hyperparameters"])),
        },
    )


class NextSongReportConfig(dg.Config):
    random_split: bool = Field(
        default=True, description="Also train and test the same configuration on a seeded random split of shows."
    )
    random_split_seed: int = Field(default=0, description="Seed of the random split of shows.")
    strong_baseline_blocks: bool = strong_baseline_blocks_field(
        True,
        "On the real phish.net split the LSTM beats it: top-1 0.1964 against 0.1713 for rotation_bigram "
        "(counts from train, weights fitted on valid), 0.1064 for markov_bigram.",
    )


@dg.asset(group_name=DOMAIN, kinds={"tensorflow"}, **TRAINING_ASSET_ARGS)
def next_song_report(
    next_song_model: pd.DataFrame,
    song_sequences: pd.DataFrame,
    song_vocabulary: pd.DataFrame,
    song_rotation: pd.DataFrame,
    song_embeddings: pd.DataFrame,
    lake: LakeResource,
    training: TrainingResource,
    config: NextSongReportConfig,
) -> dg.MaterializeResult:
    """The model against `most_frequent`, `markov_bigram` and the strong baseline `rotation_bigram` (a logit over
    the bigram, each song's rotation and gap, whether it was played earlier in the show, and the set/encore
    structure; counts from train, weights fitted on valid) on the test split (every target counts,
    markers too; an `<unk>` target is always a miss): top-1/top-5 accuracy, log loss, song-only and
    known-only top-1, per-song F1, accuracy on openers / encores / after a segue, and the same
    configuration's top-1 on a random split of shows for comparison with published figures. The current
    champion is scored on the same test windows, with the recent-song penalty stored in its version (for
    the blocking check `next_song_report_blessing`)."""
    from assets.setlists.training_run import TASK, evaluate_next_song, score_version

    model_row = next_song_model.iloc[0].to_dict()
    evaluation = evaluate_next_song(
        model_row, song_sequences, song_vocabulary, song_rotation, song_embeddings, lake, training,
        random_split_seed=config.random_split_seed if config.random_split else None,
        strong_baseline_blocks=config.strong_baseline_blocks,
    )  # fmt: skip
    task_dir = model_dir(lake, TASK)
    evaluation.report.extra.update(
        challenger_fields(
            task_dir,
            TASK,
            read_version(task_dir / model_row["version"]),
            evaluation.report.metrics,
            lambda champion: score_version(
                champion, song_sequences, song_vocabulary, song_rotation, lake, int(model_row["stored_seq_len"])
            ),
        )
    )
    report_paths = write_report(
        lake.reports_dir(DOMAIN), "next_song", evaluation.report, evaluation.plots, evaluation.notes_markdown
    )
    return dg.MaterializeResult(metadata=report_metadata(evaluation.report, report_paths, evaluation.plots))


class NextSetlistConfig(dg.Config):
    temperature: float = Field(default=0.8, description="Sampling temperature (lower: safer, more repetitive).")
    seed: int = Field(default=0, description="Seed of the sampling.")


@dg.asset(group_name=DOMAIN, kinds={"tensorflow", "pandas"}, deps=["next_song_champion"])
def next_setlist(
    song_sequences: pd.DataFrame,
    song_vocabulary: pd.DataFrame,
    song_rotation: pd.DataFrame,
    lake: LakeResource,
    config: NextSetlistConfig,
) -> dg.Output[pd.DataFrame]:
    """The next show as the champion model (`models/next_song/champion.json`) imagines it: sampled token by
    token from the last 50 songs until the end-of-show marker, with sets, encore and the usual segue marks
    between songs. Runs after a promotion."""
    from assets.setlists.training_run import TASK, generate_next_setlist

    champion = champion_version(model_dir(lake, TASK), TASK)
    setlist, text = generate_next_setlist(
        champion, song_sequences, song_vocabulary, song_rotation, config.temperature,
        config.seed,
    )  # fmt: skip
    text_path = write_text_atomic(lake.reports_dir(DOMAIN) / "next_setlist.md", f"# Next setlist\n\n{text}\n")
    return dg.Output(
        setlist,
        metadata={
            "setlist": dg.MetadataValue.md(text.replace("\n", "\n\n")),
            "songs": len(setlist),
            "path": dg.MetadataValue.path(str(text_path)),
            "model_version": champion.version,
            **config.model_dump(),
        },
    )
