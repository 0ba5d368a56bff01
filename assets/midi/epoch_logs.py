"""TensorBoard logs of the epoch metrics, also where the ``tensorboard`` package is not installed.

Keras' TensorBoard callback needs the ``tensorboard`` package for ``tf.summary.scalar``; the shared
environment has TensorFlow without it. ``tf.summary.write`` is part of TensorFlow itself, and with the
``scalars`` plugin metadata TensorBoard reads the events exactly like the ones its callback writes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any


def tensorboard_installed() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


def epoch_scalar_logger(log_dir: Path) -> Any:
    """A Keras callback writing every epoch log value as a TensorBoard scalar under ``log_dir/epochs``."""
    import keras
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"

    class EpochScalars(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.writer = tf.summary.create_file_writer(str(Path(log_dir) / "epochs"))

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            with self.writer.as_default():
                for name, value in (logs or {}).items():
                    tf.summary.write(f"epoch_{name}", tf.constant(float(value)), step=epoch, metadata=metadata)
            self.writer.flush()

        def on_train_end(self, logs: dict | None = None) -> None:
            self.writer.close()

    return EpochScalars()


def tensorboard_arguments(log_dir: Path | None) -> tuple[Path | None, list[Any]]:
    """``(tensorboard_dir, extra_callbacks)`` for ``fit_resumable``: its own callback when possible."""
    if log_dir is None:
        return None, []
    if tensorboard_installed():
        return log_dir, []
    return None, [epoch_scalar_logger(log_dir)]
