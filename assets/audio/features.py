"""Clip features with the definitions of Kaggle's GTZAN `features_30_sec.csv` (librosa defaults).

The published table was made by calling each librosa feature function on the waveform, and each of
those calls computes its own STFT (chroma, centroid, bandwidth, rolloff, HPSS) or mel spectrogram
(MFCC, onset strength for the tempo). :func:`extract_features` computes the STFT once and the mel
spectrogram once from it, hands the shared arrays to every function, and runs HPSS on a running
median filter (assets/audio/median.py) that gives scipy's exact result several times faster: the
same numbers for a fraction of the work. :func:`extract_features_naive` is the one-call-per-feature reference the
benchmark and the tests compare against.
"""

from __future__ import annotations

import os
import site
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import current_process, get_context
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from assets.common.quarantine import LimitExceededError, failure_reason

SAMPLE_RATE = 22_050
N_MFCC = 20
SPECTRAL_COLUMNS = (
    "chroma_stft",
    "rms",
    "spectral_centroid",
    "spectral_bandwidth",
    "rolloff",
    "zero_crossing_rate",
    "harmony",
    "perceptr",
)
# The 57 feature columns of features_30_sec.csv, in the file's order.
FEATURE_COLUMNS: tuple[str, ...] = (
    *(f"{name}_{stat}" for name in SPECTRAL_COLUMNS for stat in ("mean", "var")),
    "tempo",
    *(f"mfcc{index}_{stat}" for index in range(1, N_MFCC + 1) for stat in ("mean", "var")),
)
VARIANCE_COLUMNS: tuple[str, ...] = tuple(column for column in FEATURE_COLUMNS if column.endswith("_var"))

# Real clips are 30 s (GTZAN, FMA's clip subsets); 10 minutes also covers 96% of FMA's full-length tracks
# (`track/duration`). Features take about 2.8 MB per second of clip, so 10 minutes is about 1.7 GB per worker.
MAX_CLIP_SECONDS = 600.0
DECODE_MARGIN_SECONDS = 1.0

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def clip_seconds(path: str | Path) -> float:
    """The clip's duration in seconds read from its header (soundfile, else audioread): nothing is decoded."""
    import librosa

    return float(librosa.get_duration(path=str(path)))


def check_clip_seconds(seconds: float, max_seconds: float) -> None:
    """Refuse a clip longer than ``max_seconds`` (the assets' ``max_clip_seconds``) with the quarantine reason."""
    if seconds > max_seconds:
        raise LimitExceededError(
            f"clip is {seconds:.1f} s, longer than the limit of {max_seconds:g} s (config max_clip_seconds)"
        )


def load_clip(path: str | Path, max_seconds: float = MAX_CLIP_SECONDS) -> np.ndarray:
    """Decode a clip to 22,050 Hz mono float32 (librosa's defaults, as the published table used).

    The header's duration is checked first, so a clip over ``max_seconds`` is refused before anything is
    decoded; the decoding itself stops a second past the limit in case the header understates the length.
    """
    import librosa

    header_seconds = clip_seconds(path)
    check_clip_seconds(header_seconds, max_seconds)
    signal, _ = librosa.load(path, sr=SAMPLE_RATE, mono=True, duration=max_seconds + DECODE_MARGIN_SECONDS)
    if len(signal) > (max_seconds + DECODE_MARGIN_SECONDS / 2) * SAMPLE_RATE:
        raise LimitExceededError(
            f"clip decodes to more than the limit of {max_seconds:g} s (config max_clip_seconds), "
            f"though its header says {header_seconds:.1f} s"
        )
    if signal.size == 0:
        raise ValueError(f"{path}: decoded to zero samples")
    if not np.all(np.isfinite(signal)):
        raise ValueError(f"{path}: decoded samples are not finite")
    return signal


def _summarise(values: dict[str, np.ndarray]) -> dict[str, float]:
    summary: dict[str, float] = {}
    for name, array in values.items():
        summary[f"{name}_mean"] = float(np.mean(array))
        summary[f"{name}_var"] = float(np.var(array))
    return summary


def _mfcc_summary(mfcc: np.ndarray) -> dict[str, float]:
    summary: dict[str, float] = {}
    for index, row in enumerate(mfcc, start=1):
        summary[f"mfcc{index}_mean"] = float(np.mean(row))
        summary[f"mfcc{index}_var"] = float(np.var(row))
    return summary


def extract_features(signal: np.ndarray, sr: int = SAMPLE_RATE) -> dict[str, float]:
    """The 57 published features (plus `length`) from one STFT and one mel spectrogram."""
    import librosa

    from assets.audio.median import hpss  # numba: compiled for the feature workers, not at code load

    stft = librosa.stft(signal)
    magnitude = np.abs(stft)
    power = magnitude**2
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr))
    harmonic_stft, percussive_stft = hpss(stft)
    onset_envelope = librosa.onset.onset_strength(S=mel_db, sr=sr, aggregate=np.median)
    values = {
        "chroma_stft": librosa.feature.chroma_stft(S=power, sr=sr),
        "rms": librosa.feature.rms(y=signal),
        "spectral_centroid": librosa.feature.spectral_centroid(S=magnitude, sr=sr),
        "spectral_bandwidth": librosa.feature.spectral_bandwidth(S=magnitude, sr=sr),
        "rolloff": librosa.feature.spectral_rolloff(S=magnitude, sr=sr),
        "zero_crossing_rate": librosa.feature.zero_crossing_rate(signal),
        "harmony": librosa.istft(harmonic_stft, length=len(signal)),
        "perceptr": librosa.istft(percussive_stft, length=len(signal)),
    }
    tempo = librosa.feature.tempo(onset_envelope=onset_envelope, sr=sr)
    return {
        "length": float(len(signal)),
        **_summarise(values),
        "tempo": float(np.atleast_1d(tempo)[0]),
        **_mfcc_summary(librosa.feature.mfcc(S=mel_db, sr=sr, n_mfcc=N_MFCC)),
    }


def extract_features_naive(signal: np.ndarray, sr: int = SAMPLE_RATE) -> dict[str, float]:
    """The published recipe: every librosa function called on the waveform (each recomputes its STFT)."""
    import librosa

    harmonic, percussive = librosa.effects.hpss(signal)
    values = {
        "chroma_stft": librosa.feature.chroma_stft(y=signal, sr=sr),
        "rms": librosa.feature.rms(y=signal),
        "spectral_centroid": librosa.feature.spectral_centroid(y=signal, sr=sr),
        "spectral_bandwidth": librosa.feature.spectral_bandwidth(y=signal, sr=sr),
        "rolloff": librosa.feature.spectral_rolloff(y=signal, sr=sr),
        "zero_crossing_rate": librosa.feature.zero_crossing_rate(signal),
        "harmony": harmonic,
        "perceptr": percussive,
    }
    tempo, _ = librosa.beat.beat_track(y=signal, sr=sr)
    return {
        "length": float(len(signal)),
        **_summarise(values),
        "tempo": float(np.atleast_1d(tempo)[0]),
        **_mfcc_summary(librosa.feature.mfcc(y=signal, sr=sr, n_mfcc=N_MFCC)),
    }


@dataclass(frozen=True)
class ClipResult:
    """Features of one clip, or the reason it could not be used (its quarantine reason)."""

    key: str
    path: str
    features: dict[str, float] | None
    error: str = ""


def features_for_clip(key: str, path: str, naive: bool = False, max_seconds: float = MAX_CLIP_SECONDS) -> ClipResult:
    """Decode and featurize one clip; a clip that fails or is too long is reported, never raised (it gets
    quarantined)."""
    try:
        signal = load_clip(path, max_seconds)
        features = (extract_features_naive if naive else extract_features)(signal)
    except Exception as error:
        return ClipResult(key, path, None, failure_reason("feature extraction failed", error))
    return ClipResult(key, path, features)


def available_workers() -> int:
    """CPU cores this process may use (the affinity mask, not the machine's total); 1 in a daemonic
    process, which may not start worker processes (a Celery prefork worker runs each step in one)."""
    if current_process().daemon:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def map_clips(
    worker: Callable[..., T],
    clips: Iterable[tuple[str, str]],
    workers: int = 0,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> list[T]:
    """``worker(key, path, **options)`` for every (key, path) in a process pool (0 = every available core).

    Results come back in input order. In a daemonic process (which may not have children) every clip is
    done in this process instead. The pool uses ``spawn`` so it is safe even when the parent has
    TensorFlow threads running. Dagster puts the code location on ``sys.path`` only while it loads it,
    so each worker adds the repository root itself (``site.addsitedir`` is importable without it)
    before unpickling its first task.
    """
    clips = list(clips)
    workers = 1 if current_process().daemon else workers or available_workers()
    if workers == 1 or len(clips) <= 1:
        results = []
        for done, (key, path) in enumerate(clips, start=1):
            results.append(worker(key, path, **options))
            if progress:
                progress(done, len(clips))
        return results
    with ProcessPoolExecutor(
        max_workers=min(workers, len(clips)),
        mp_context=get_context("spawn"),
        initializer=site.addsitedir,
        initargs=(str(REPOSITORY_ROOT),),
    ) as pool:
        futures = {pool.submit(worker, key, path, **options): index for index, (key, path) in enumerate(clips)}
        ordered: list[Any] = [None] * len(clips)
        for done, future in enumerate(as_completed(futures), start=1):
            ordered[futures[future]] = future.result()
            if progress:
                progress(done, len(clips))
    return ordered


def extract_many(
    clips: Iterable[tuple[str, str]],
    workers: int = 0,
    naive: bool = False,
    progress: Callable[[int, int], None] | None = None,
    max_seconds: float = MAX_CLIP_SECONDS,
) -> list[ClipResult]:
    """Featurize (key, path) pairs in a process pool; corrupt or too long clips come back with their reason."""
    return map_clips(features_for_clip, clips, workers, progress, naive=naive, max_seconds=max_seconds)


def results_frame(results: list[ClipResult]) -> pd.DataFrame:
    """One row per successfully featurized clip: `key` then `length` and the 57 feature columns."""
    rows = [{"key": result.key, **result.features} for result in results if result.features is not None]
    return pd.DataFrame(rows, columns=["key", "length", *FEATURE_COLUMNS])
