"""Feature-extraction throughput: seconds of audio per wall second, shared-STFT vs the naive recipe.

    /work/venv/bin/python bench/audio_features.py [--clips FOLDER] [--repeat N]

The naive baseline calls each librosa feature function on the waveform (each computes its own STFT
or mel spectrogram, and HPSS runs scipy's median filter), as the published GTZAN table was made.
Ours computes the STFT and the mel spectrogram once and runs HPSS on a running median filter.
Both run on the same clips with 1 worker, ours also with 2 (a spawn pool, start-up included; each
clip is processed ``--copies`` times so the start-up is spread over more work).
Parity between the two is reported as the largest relative difference over all 57 features.
Writes bench/results/audio_features.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from assets.audio.features import (  # noqa: E402
    FEATURE_COLUMNS,
    SAMPLE_RATE,
    extract_features,
    extract_features_naive,
    extract_many,
    load_clip,
)

DEFAULT_CLIPS = Path("/work/shared/data/real/gtzan")


def find_clips(folder: Path) -> list[Path]:
    clips = sorted(path for suffix in ("*.wav", "*.au", "*.mp3") for path in folder.rglob(suffix))
    if not clips:
        raise SystemExit(f"no audio clips under {folder}")
    return clips


def warm_up(path: Path) -> None:
    """Compile librosa's and our numba kernels once so no timed run pays for it."""
    signal = load_clip(path)[: SAMPLE_RATE * 2]
    extract_features(signal)
    extract_features_naive(signal)


def timed(clips: list[Path], workers: int, naive: bool, repeat: int) -> tuple[float, list]:
    best, results = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        keyed = [(f"{index}:{path}", str(path)) for index, path in enumerate(clips)]
        results = extract_many(keyed, workers=workers, naive=naive)
        best = min(best, time.perf_counter() - started)
    failures = [result.error for result in results if result.error]
    if failures:
        raise SystemExit(f"extraction failed: {failures[:3]}")
    return best, results


def max_relative_difference(ours: list, naive: list) -> float:
    worst = 0.0
    for mine, reference in zip(ours, naive, strict=True):
        for column in FEATURE_COLUMNS:
            scale = max(abs(reference.features[column]), 1e-9)
            worst = max(worst, abs(mine.features[column] - reference.features[column]) / scale)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=DEFAULT_CLIPS if DEFAULT_CLIPS.exists() else None)
    parser.add_argument("--repeat", type=int, default=1, help="Runs per mode; the fastest counts.")
    parser.add_argument(
        "--copies", type=int, default=2, help="Process every clip this many times, so pool start-up is amortised."
    )
    arguments = parser.parse_args()
    if arguments.clips is None:
        raise SystemExit("pass --clips FOLDER (the shared real GTZAN clips are not on this machine)")
    clips = find_clips(arguments.clips) * arguments.copies
    audio_seconds = sum(len(load_clip(path)) for path in clips) / SAMPLE_RATE
    warm_up(clips[0])
    runs = {}
    for label, workers, naive in (("naive", 1, True), ("shared_stft", 1, False), ("shared_stft", 2, False)):
        seconds, results = timed(clips, workers, naive, arguments.repeat)
        runs[f"{label}_{workers}w"] = {"workers": workers, "wall_seconds": seconds, "results": results}
    baseline = runs["naive_1w"]["wall_seconds"]
    rows = []
    for name, run in runs.items():
        rows.append(
            {
                "mode": name,
                "workers": run["workers"],
                "wall_seconds": round(run["wall_seconds"], 3),
                "audio_seconds_per_wall_second": round(audio_seconds / run["wall_seconds"], 2),
                "speedup_vs_naive_1_worker": round(baseline / run["wall_seconds"], 2),
            }
        )
    parity = max_relative_difference(runs["shared_stft_1w"]["results"], runs["naive_1w"]["results"])
    print(f"{len(clips)} clips, {audio_seconds:.1f} s of audio from {arguments.clips}\n")
    print(f"{'mode':<16} {'workers':>7} {'wall s':>8} {'audio s / wall s':>17} {'x naive':>8}")
    for row in rows:
        print(
            f"{row['mode']:<16} {row['workers']:>7} {row['wall_seconds']:>8.2f} "
            f"{row['audio_seconds_per_wall_second']:>17.2f} {row['speedup_vs_naive_1_worker']:>8.2f}"
        )
    print(f"\nlargest relative difference shared vs naive over {len(FEATURE_COLUMNS)} features: {parity:.2e}")
    output = {
        "clips": len(clips),
        "clips_folder": str(arguments.clips),
        "audio_seconds": round(audio_seconds, 2),
        "runs": rows,
        "max_relative_difference_vs_naive": parity,
        "machine": {"cpus_available": len(__import__("os").sched_getaffinity(0)), "platform": platform.platform()},
        "note": "shared machine: other processes compete for the CPUs; the 2-worker run includes pool start-up",
    }
    results_dir = REPOSITORY / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "audio_features.json").write_text(json.dumps(output, indent=2) + "\n")


if __name__ == "__main__":
    main()
