"""A small 2-D CNN on log-mel windows: conv blocks, global pooling, softmax over the collection's genres."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
from pydantic import Field

from assets.audio.spectrograms import parse_function, read_labels
from assets.common.tfrecords import read_dataset
from assets.common.training import FittedModel, timed_fit

MIN_TRAIN_CLIPS_PER_GENRE = 5


class CnnSettings(dg.Config):
    """Every hyperparameter of the genre CNN: the `genre_cnn_model` asset's config."""

    filters: list[int] = Field(
        default=[16, 32, 64], description="Filters of each conv block (3x3, batch norm, 2x2 max pool)."
    )
    dropout: float = Field(default=0.3, description="Dropout before the softmax layer.")
    learning_rate: float = Field(default=1e-2, description="Adam learning rate (batch norm keeps 1e-2 stable).")
    batch_size: int = Field(default=16, description="Clips per batch.")
    max_epochs: int = Field(
        default=20,
        description="Upper bound on epochs; early stopping on valid loss ends sooner. The sample needs about 20; "
        "raise it (e.g. 60) for thousands of full-length clips.",
    )
    patience: int = Field(
        default=4, description="Epochs without a better valid loss before stopping (raise it for thousands of clips)."
    )


def build_model(frames: int, n_mels: int, n_classes: int, settings: CnnSettings, normalizer: Any) -> Any:
    """(frames, mels, 1) log-mel -> adapted normalization -> conv blocks -> global average -> softmax."""
    import keras
    from keras import layers

    if n_classes < 2:
        raise ValueError(f"a genre classifier needs at least 2 genres, got {n_classes}")
    inputs = keras.Input(shape=(frames, n_mels, 1), name="log_mel")
    hidden = normalizer(inputs)
    for index, filters in enumerate(settings.filters):
        hidden = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv_{index}")(hidden)
        hidden = layers.BatchNormalization(momentum=0.8, name=f"batch_norm_{index}")(hidden)
        hidden = layers.Activation("relu", name=f"relu_{index}")(hidden)
        hidden = layers.MaxPooling2D(2, name=f"pool_{index}")(hidden)
    hidden = layers.GlobalAveragePooling2D(name="global_pool")(hidden)
    hidden = layers.Dropout(settings.dropout, name="dropout")(hidden)
    outputs = layers.Dense(n_classes, activation="softmax", dtype="float32", name="genre")(hidden)
    model = keras.Model(inputs, outputs, name="genre_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def enough_training_clips(mels: pd.DataFrame) -> tuple[bool, str]:
    """Whether every genre has at least MIN_TRAIN_CLIPS_PER_GENRE training clips (and valid is not empty)."""
    train_counts = mels[mels["split"] == "train"].groupby("genre").size()
    genres = sorted(mels["genre"].unique())
    short = [genre for genre in genres if train_counts.get(genre, 0) < MIN_TRAIN_CLIPS_PER_GENRE]
    if short:
        return False, f"genres with fewer than {MIN_TRAIN_CLIPS_PER_GENRE} training clips: {short}"
    if not (mels["split"] == "valid").any():
        return False, "no validation clips"
    return True, ""


def split_dataset(shards: Path, split: str, batch_size: int, seed: int, shuffle: bool = False) -> Any:
    labels = read_labels(shards)
    parse = parse_function(labels["frames"], labels["n_mels"])
    return read_dataset(shards / split, parse, batch_size, shuffle_buffer=1024 if shuffle else 0, seed=seed)


def train_cnn(
    shards: Path, settings: CnnSettings, seed: int, checkpoint_dir: Path, fingerprint: str, tensorboard_dir: Path | None
) -> FittedModel:
    """Fit the CNN on the train shards with early stopping on valid loss; resumes from checkpoints."""
    import keras

    labels = read_labels(shards)
    train = split_dataset(shards, "train", settings.batch_size, seed, shuffle=True)
    valid = split_dataset(shards, "valid", settings.batch_size, seed)
    normalizer = keras.layers.Normalization(axis=None, name="normalize")
    normalizer.adapt(train.map(lambda image, label: image))
    return timed_fit(
        build_model(labels["frames"], labels["n_mels"], len(labels["genres"]), settings, normalizer),
        train,
        valid,
        epochs=settings.max_epochs,
        checkpoint_dir=checkpoint_dir,
        fingerprint=fingerprint,
        patience=settings.patience,
        tensorboard_dir=tensorboard_dir,
    )


def predict_split(model: Any, shards: Path, split: str, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(true label indices, predicted label indices) over one split's shards (empty arrays for an empty split)."""
    dataset = split_dataset(shards, split, batch_size, seed=0)
    truth, predicted = [], []
    for images, labels in dataset:
        truth.append(labels.numpy())
        predicted.append(np.argmax(model.predict_on_batch(images), axis=1))
    if not truth:
        return np.array([], dtype=int), np.array([], dtype=int)
    return np.concatenate(truth).astype(int), np.concatenate(predicted).astype(int)
