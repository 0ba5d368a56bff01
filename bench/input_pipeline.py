"""Training examples/s of one small LSTM fed by the ``tf.data`` pipeline over TFRecord shards, against
the same model fed from in-memory NumPy arrays, and the pipeline alone (no model) for reference.

If the tf.data figure is close to the NumPy one, the input pipeline is not the bottleneck.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.formats import SEQUENCE_LENGTH, VOCABULARY, make_examples, parse, per_record_dataset, write_tfrecords

Row = tuple[str, float, str]
BATCH_SIZE = 128
EPOCHS = 2
REPEATS = 2


def build_model() -> Any:
    import keras
    from keras import layers

    tokens = keras.Input(shape=(SEQUENCE_LENGTH,), dtype="int64", name="tokens")
    embedded = layers.Embedding(VOCABULARY, 32)(tokens)
    encoded = layers.LSTM(64)(embedded)
    probability = layers.Dense(1, activation="sigmoid")(encoded)
    model = keras.Model(tokens, probability)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def _epoch_timer() -> Any:
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self.started)

    return EpochTimer()


def _pipeline_alone(make_dataset: Any, label: str) -> list[Row]:
    """Examples/s of a first pass (read and parse) and of a second pass over the same dataset (from its cache)."""
    dataset = make_dataset()
    rows: list[Row] = []
    for name in ("first pass, no model", "cached pass"):
        started = time.perf_counter()
        seen = sum(int(tokens.shape[0]) for tokens, _ in dataset)
        rows.append((f"tf.data pipeline alone ({label}; {name})", seen / (time.perf_counter() - started), "examples/s"))
    return rows


def _best_of_alternated(measure_once: Any, repeats: int = 3) -> list[Row]:
    """Each row's best value over ``repeats`` runs of ``measure_once`` (its pipelines alternate within a run)."""
    runs = [measure_once() for _ in range(repeats)]
    return [(name, max(run[index][1] for run in runs), unit) for index, (name, _, unit) in enumerate(runs[0])]


def measure(count: int, scratch: Path) -> list[Row]:
    """Examples/s of the pipelines alone (best of 3), and of the last epoch of the fits (the first one also
    traces the graph)."""
    import keras

    from assets.common.tfrecords import read_dataset

    examples = make_examples(count)
    write_tfrecords(examples, scratch / "shards")

    def dataset() -> Any:
        return read_dataset(scratch / "shards", parse, BATCH_SIZE, shuffle_buffer=2048, seed=7)

    def old_dataset() -> Any:
        return per_record_dataset(scratch / "shards", BATCH_SIZE, shuffle_buffer=2048, seed=7)

    rows = _best_of_alternated(
        lambda: _pipeline_alone(dataset, "parse per batch") + _pipeline_alone(old_dataset, "old: parse per record")
    )
    # Alternated and repeated, best of each kept: the machine is shared, and load comes and goes.
    speeds: dict[str, list[float]] = {"numpy": [], "tf.data": []}
    for _ in range(REPEATS):
        for source in speeds:
            keras.utils.set_random_seed(7)
            timer = _epoch_timer()
            if source == "numpy":
                inputs = {"x": examples["tokens"], "y": examples["labels"], "batch_size": BATCH_SIZE}
            else:
                inputs = {"x": dataset()}
            build_model().fit(**inputs, epochs=EPOCHS, verbose=0, callbacks=[timer])
            speeds[source].append(count / timer.seconds[-1])
    rows.append((f"LSTM fit from NumPy arrays (best of {REPEATS})", max(speeds["numpy"]), "examples/s"))
    rows.append((f"LSTM fit from tf.data over TFRecords (best of {REPEATS})", max(speeds["tf.data"]), "examples/s"))
    rows.append(("tf.data / NumPy training speed", rows[-1][1] / rows[-2][1], "ratio"))
    keras.backend.clear_session()
    return rows
