"""Log-mel spectrograms of a fixed size, and the TFRecord spec the writer and the reader share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assets.audio.feature_table import track_key
from assets.audio.features import MAX_CLIP_SECONDS, load_clip
from assets.common.quarantine import failure_reason

HOP_LENGTH = 512
SILENCE_DB = -80.0  # what padding beyond the end of a short clip looks like in dB


@dataclass(frozen=True)
class MelResult:
    """One clip's log-mel window (frames x mels, float32) or the reason it could not be used (its quarantine
    reason)."""

    key: str
    path: str
    mel: np.ndarray | None
    error: str = ""


def log_mel_window(signal: np.ndarray, n_mels: int, frames: int) -> np.ndarray:
    """Centre ``frames`` frames of the clip's log-mel spectrogram (dB re 1.0), padded with silence if short."""
    import librosa

    if n_mels < 1 or frames < 1:
        raise ValueError(f"n_mels and frames must be positive, got {n_mels} and {frames}")
    mel = librosa.feature.melspectrogram(y=signal, sr=22_050, n_mels=n_mels, hop_length=HOP_LENGTH)
    log_mel = np.maximum(librosa.power_to_db(mel, ref=1.0), SILENCE_DB).T  # (time, mels)
    if len(log_mel) >= frames:
        start = (len(log_mel) - frames) // 2
        return log_mel[start : start + frames].astype(np.float32)
    padding = np.full((frames - len(log_mel), n_mels), SILENCE_DB, dtype=np.float32)
    return np.concatenate([log_mel.astype(np.float32), padding])


def mel_for_clip(key: str, path: str, n_mels: int, frames: int, max_seconds: float = MAX_CLIP_SECONDS) -> MelResult:
    """Decode one clip and take its log-mel window; a failure or a too long clip is reported, not raised."""
    try:
        return MelResult(key, path, log_mel_window(load_clip(path, max_seconds), n_mels, frames))
    except Exception as error:
        return MelResult(key, path, None, failure_reason("log-mel failed", error))


# ---------------------------------------------------------------------------------------------------------
# TFRecord spec: one Example per clip, `mel` flattened row-major (frames x mels), `label` an index into
# the collection's sorted genre list (stored beside the shards as labels.json).

LABELS_FILE = "labels.json"


def tfrecords_dir(domain_dir: Path, collection: str) -> Path:
    """Where one collection's shards live: ``<lake>/audio/tfrecords/<collection>/<split>/``."""
    return Path(domain_dir) / "tfrecords" / collection


def encode_example(mel: np.ndarray, label: int, track_id: str) -> Any:
    from assets.common.tfrecords import bytes_feature, float_feature, int64_feature, make_example

    return make_example(
        {
            "mel": float_feature(mel.reshape(-1).tolist()),
            "label": int64_feature([label]),
            "track_id": bytes_feature([track_id.encode("utf-8")]),
        }
    )


def feature_spec(frames: int, n_mels: int) -> dict[str, Any]:
    import tensorflow as tf

    return {
        "mel": tf.io.FixedLenFeature([frames * n_mels], tf.float32),
        "label": tf.io.FixedLenFeature([1], tf.int64),
        "track_id": tf.io.FixedLenFeature([1], tf.string),
    }


def parse_function(frames: int, n_mels: int) -> Any:
    """A tf.data map function over a batch: serialized Examples -> ((batch, frames, mels, 1) float32 images,
    (batch,) labels)."""
    import tensorflow as tf

    spec = feature_spec(frames, n_mels)

    def parse(serialized: Any) -> tuple[Any, Any]:
        examples = tf.io.parse_example(serialized, spec)
        return tf.reshape(examples["mel"], (-1, frames, n_mels, 1)), examples["label"][:, 0]

    return parse


def write_labels(directory: Path, genres: list[str], frames: int, n_mels: int) -> Path:
    path = Path(directory) / LABELS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"genres": genres, "frames": frames, "n_mels": n_mels}))
    return path


def read_labels(directory: Path) -> dict[str, Any]:
    path = Path(directory) / LABELS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: materialize audio_tfrecords first")
    return json.loads(path.read_text())


def mel_table(results: list[MelResult], tracks: pd.DataFrame, frames: int, n_mels: int) -> pd.DataFrame:
    """One row per clip with its log-mel window flattened into a list column."""
    by_key = {result.key: result for result in results if result.mel is not None}
    rows = [
        {
            "collection": record.collection,
            "track_id": record.track_id,
            "genre": record.genre,
            "split": record.split,
            "frames": frames,
            "n_mels": n_mels,
            "mel": by_key[track_key(record.collection, record.track_id)].mel.reshape(-1),
        }
        for record in tracks.itertuples(index=False)
        if track_key(record.collection, record.track_id) in by_key
    ]
    return pd.DataFrame(rows, columns=["collection", "track_id", "genre", "split", "frames", "n_mels", "mel"])


def shard_manifests(shards: Path) -> list[str]:
    """The label file and every split's shard manifest: what a collection's TFRecords hold."""
    return [
        path.read_text()
        for path in [Path(shards) / "labels.json", *sorted(Path(shards).glob("*/_manifest.json"))]
        if path.exists()
    ]
