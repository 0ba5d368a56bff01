"""The next-song LSTM: token and segue-mark embeddings -> LSTM -> song logits, plus rotation logits.

The chosen rotation features of the current show ([songs, features]) are turned into one logit per song
by a learned weight per feature (shared by all songs) and added to the LSTM's logits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
from pydantic import Field

from assets.common.training import FittedModel, timed_fit
from assets.setlists.rotation import FEATURE_NAMES
from assets.setlists.sequences import MARK_VOCABULARY


class NextSongSettings(dg.Config):
    """Every hyperparameter of one next-song model: next_song_model's config, and what the sweep varies."""

    seq_len: int = Field(default=50, description="Tokens of context the LSTM reads (at most the TFRecords').")
    embedding_dim: int = Field(default=64, description="Song embedding size (must match song_embeddings.dim).")
    lstm_layers: int = Field(default=1, description="1 or 2 stacked LSTM layers.")
    units: int = Field(default=128, description="Units per LSTM layer.")
    dropout_before: float = Field(default=0.3, description="Dropout on the embeddings, before the LSTM.")
    dropout_after: float = Field(default=0.5, description="Dropout after the LSTM, before the output layer.")
    embedding_init: str = Field(default="word2vec", description="'word2vec' (from song_embeddings) or 'random'.")
    trainable_embeddings: bool = Field(default=True, description="Fine-tune the embeddings (False: frozen).")
    use_rotation: bool = Field(default=True, description="Add rotation features to the logits (learned weights).")
    use_marks: bool = Field(default=True, description="Read the segue marks between context songs.")
    learning_rate: float = Field(default=2e-3, description="Adam learning rate (gradient norm clipped at 1).")
    batch_size: int = Field(default=128, description="Examples per batch.")
    max_epochs: int = Field(default=15, description="Upper bound; early stopping on validation loss ends sooner.")
    patience: int = Field(default=3, description="Epochs without a better validation loss before stopping.")
    # Valid (1999-2009) is the era closest to the test shows; on the real split the refit lifts test top-1 by
    # about 0.01.
    refit_on_train_and_valid: bool = Field(
        default=True,
        description="After early stopping, fit a fresh model on train+valid for the best epoch count (the final "
        "model); False keeps the early-stopped model trained on train only.",
    )
    # MODELLING.md: plays in the last 40 shows and played 1 or 2 shows ago are what lifted song accuracy.
    rotation_features: list[str] = Field(
        default=["log_plays_last_n", "played_1_ago", "played_2_ago"],
        description=f"Rotation features the model reads, from {FEATURE_NAMES}.",
    )

    def validate(self, stored_seq_len: int) -> None:
        if self.lstm_layers not in (1, 2):
            raise ValueError(f"lstm_layers must be 1 or 2, got {self.lstm_layers}")
        if not 1 <= self.seq_len <= stored_seq_len:
            raise ValueError(f"seq_len must be between 1 and the TFRecords' {stored_seq_len}, got {self.seq_len}")
        for name in ("dropout_before", "dropout_after"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        unknown = [name for name in self.rotation_features if name not in FEATURE_NAMES]
        if unknown or (self.use_rotation and not self.rotation_features):
            raise ValueError(f"rotation_features must be a non-empty subset of {FEATURE_NAMES}, got {unknown}")
        if self.embedding_init not in ("word2vec", "random"):
            raise ValueError(f"embedding_init must be 'word2vec' or 'random', got {self.embedding_init!r}")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> NextSongSettings:
        """The settings a model was trained with, from its summary row or version config (unknown keys ignored)."""
        return cls(**{name: value for name, value in config.items() if name in cls.model_fields})

    @property
    def rotation_columns(self) -> list[int]:
        """Positions of the chosen features in the rotation array's last axis."""
        return [FEATURE_NAMES.index(name) for name in self.rotation_features]


def build_model(
    vocabulary_size: int,
    settings: NextSongSettings,
    embedding_weights: np.ndarray | None = None,
) -> Any:
    """A Keras functional model from (context, marks[, rotation]) to next-token logits."""
    import keras
    from keras import layers

    if vocabulary_size < 6:
        raise ValueError(f"vocabulary_size must include the 5 special tokens and a song, got {vocabulary_size}")
    context = keras.Input(shape=(settings.seq_len,), dtype="int32", name="context")
    inputs = {"context": context}
    initializer: Any = "uniform"
    if embedding_weights is not None:
        if embedding_weights.shape != (vocabulary_size, settings.embedding_dim):
            raise ValueError(
                f"embedding weights are {embedding_weights.shape}, expected ({vocabulary_size}, "
                f"{settings.embedding_dim})"
            )
        initializer = keras.initializers.Constant(embedding_weights)
    embedded = layers.Embedding(
        vocabulary_size,
        settings.embedding_dim,
        embeddings_initializer=initializer,
        trainable=settings.trainable_embeddings,
        name="song_embedding",
    )(context)
    if settings.use_marks:
        marks = keras.Input(shape=(settings.seq_len,), dtype="int32", name="marks")
        inputs["marks"] = marks
        embedded = layers.Concatenate(name="song_and_mark")(
            [embedded, layers.Embedding(MARK_VOCABULARY, 4, name="mark_embedding")(marks)]
        )
    hidden = layers.Dropout(settings.dropout_before, name="dropout_before")(embedded)
    for layer in range(settings.lstm_layers):
        last = layer == settings.lstm_layers - 1
        hidden = layers.LSTM(settings.units, return_sequences=not last, name=f"lstm_{layer + 1}")(hidden)
    hidden = layers.Dropout(settings.dropout_after, name="dropout_after")(hidden)
    logits = layers.Dense(vocabulary_size, name="song_logits")(hidden)
    if settings.use_rotation:
        rotation = keras.Input(
            shape=(vocabulary_size, len(settings.rotation_features)), dtype="float32", name="rotation"
        )
        inputs["rotation"] = rotation
        rotation_logits = layers.Dense(1, use_bias=False, kernel_initializer="zeros", name="rotation_weights")(rotation)
        logits = layers.Add(name="logits")([logits, layers.Reshape((vocabulary_size,))(rotation_logits)])
    model = keras.Model(inputs=inputs, outputs=logits, name="next_song_lstm")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=settings.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def model_inputs(dataset: Any, settings: NextSongSettings) -> Any:
    """Keep the inputs this model takes, and the last `seq_len` tokens of the stored context."""

    import tensorflow as tf

    def select(features: dict[str, Any], target: Any) -> Any:
        chosen = {"context": features["context"][:, -settings.seq_len :]}
        if settings.use_marks:
            chosen["marks"] = features["marks"][:, -settings.seq_len :]
        if settings.use_rotation:
            chosen["rotation"] = tf.gather(features["rotation"], settings.rotation_columns, axis=-1)
        return chosen, target

    return dataset.map(select)


def train_model(
    model: Any,
    train_data: Any,
    valid_data: Any,
    settings: NextSongSettings,
    *,
    checkpoint_dir: Path,
    fingerprint: str,
    tensorboard_dir: Path | None,
) -> FittedModel:
    """Fit with per-epoch checkpoints and early stopping on validation loss; best weights are kept."""
    return timed_fit(
        model,
        model_inputs(train_data, settings),
        model_inputs(valid_data, settings),
        epochs=settings.max_epochs,
        checkpoint_dir=checkpoint_dir,
        fingerprint=fingerprint,
        patience=settings.patience,
        tensorboard_dir=tensorboard_dir,
    )


def refit_model(
    model: Any,
    train_and_valid_data: Any,
    settings: NextSongSettings,
    epochs: int,
    *,
    checkpoint_dir: Path,
    fingerprint: str,
    tensorboard_dir: Path | None,
) -> FittedModel:
    """Fit a fresh model on train+valid for exactly `epochs` epochs (checkpointed, resumable); last weights kept."""
    if epochs < 1:
        raise ValueError(f"a refit needs at least one epoch, got {epochs}")
    return timed_fit(
        model,
        model_inputs(train_and_valid_data, settings),
        None,
        epochs=epochs,
        checkpoint_dir=checkpoint_dir,
        fingerprint=fingerprint,
        monitor=None,
        tensorboard_dir=tensorboard_dir,
    )


def predict_probabilities(model: Any, dataset: Any, settings: NextSongSettings) -> np.ndarray:
    """[examples, vocabulary] next-token probabilities (float64) in dataset order."""
    import keras

    logits = model.predict(model_inputs(dataset, settings), verbose=0)
    return keras.ops.convert_to_numpy(keras.ops.softmax(logits.astype(np.float32), axis=-1)).astype(np.float64)


def save_model(model: Any, path: Path) -> Path:
    """Save as `.keras` under a temporary name first (Keras wants the suffix), then rename into place."""
    import os
    import uuid

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{uuid.uuid4().hex[:8]}.{path.name}")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
