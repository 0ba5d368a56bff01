"""Custom Keras objects of the midi models, registered on import (``load_champion`` imports this module).

Only the piano-roll loss is custom; the velocity model uses built-in layers and the MSE loss.
"""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package="encore_midi", name="summed_binary_crossentropy")
def summed_binary_crossentropy(y_true: Any, y_pred: Any) -> Any:
    """Binary cross-entropy summed over the 88 keys: the negative log-likelihood of a frame in nats."""
    return keras.ops.sum(keras.ops.binary_crossentropy(y_true, y_pred), axis=-1)
