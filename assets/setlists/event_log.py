"""TensorBoard scalars without the `tensorboard` package (absent from the environment).

Keras' TensorBoard callback calls `tf.summary.scalar`, which lives in `tensorboard`; the raw
`tf.summary.write` op with the scalar plugin's metadata writes the same event files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def scalar_event_callback(log_dir: Path) -> Any:
    """A Keras callback that writes every epoch's logs as scalars under `log_dir/train` and `log_dir/validation`."""
    import keras
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))

    class ScalarEvents(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.writers = {
                "train": tf.summary.create_file_writer(str(Path(log_dir) / "train")),
                "validation": tf.summary.create_file_writer(str(Path(log_dir) / "validation")),
            }

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            for name, value in (logs or {}).items():
                part, tag = ("validation", name[4:]) if name.startswith("val_") else ("train", name)
                with self.writers[part].as_default():
                    tf.summary.write(f"epoch_{tag}", tf.constant(float(value)), step=epoch, metadata=metadata)
            for writer in self.writers.values():
                writer.flush()

    return ScalarEvents()
