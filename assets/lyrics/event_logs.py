"""TensorBoard event files without the `tensorboard` package.

Keras' TensorBoard callback needs the `tensorboard` package for `tf.summary.scalar`, which this
environment does not install; scalar summaries written as raw protos give event files TensorBoard reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def epoch_scalars_callback(log_dir: Path) -> Any:
    """A Keras callback that logs every epoch's metrics (``loss``, ``val_loss``, ...) as TensorBoard scalars."""
    import keras
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    class EpochScalars(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.writer = tf.summary.create_file_writer(str(log_dir))

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            values = [
                summary_pb2.Summary.Value(tag=name, simple_value=float(value)) for name, value in (logs or {}).items()
            ]
            with self.writer.as_default():
                tf.summary.experimental.write_raw_pb(
                    summary_pb2.Summary(value=values).SerializeToString(), step=epoch + 1
                )
            self.writer.flush()

        def on_train_end(self, logs: dict[str, float] | None = None) -> None:
            self.writer.close()

    return EpochScalars()
