"""Real-data run of the midi pipeline: Nottingham piano-roll LSTM and the note-velocity model.

    nice -n 10 /work/venv/bin/python bench/real_midi.py [--parts pianoroll velocity] [--roll-minutes 30]
        [--seeds 42] [--baselines-only]

Uses the pipeline's own functions with the assets' default configs on ``$ENCORE_REAL_DATA`` (default
``/work/shared/data/real``), read in place. Nottingham has no test folder there, so the valid split is
the evaluation split and early stopping uses a 10% tune hold-out of train. Writes
``bench/results/real_midi.json`` (parts already there are kept) and prints a table.

The velocity model trains once per ``--seeds`` value (about a minute each); the report kept is the first
seed's, with every seed's MAE beside it. ``--baselines-only`` trains nothing: it scores the baselines (the
strong one included) on the same split and records them under ``baselines_only`` of each part.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from assets.common.fingerprint import manifest  # noqa: E402
from assets.common.model_files import record_sha256  # noqa: E402
from assets.common.sources import SOURCES_BY_FOLDER  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results" / "real_midi.json"
BAR = {"nll_per_step": ("<", 4.0), "frame_accuracy": (">", 0.60)}


def read_rolls(real_root: Path):
    from assets.midi.roll_assets import PianoRollConfig
    from assets.midi.rolls import parse_tunes, rolls_to_table

    roll_config = PianoRollConfig()
    files = manifest(real_root / "nottingham", SOURCES_BY_FOLDER["nottingham"].suffixes)
    tunes, bad = parse_tunes(files, roll_config.frame_seconds, roll_config.transpose_to_c)
    return rolls_to_table(tunes), bad


def pianoroll_baselines_only(real_root: Path) -> dict:
    from assets.midi.roll_evaluation import pianoroll_baselines

    table, _ = read_rolls(real_root)
    baselines, tuning = pianoroll_baselines(table, threshold=0.5)
    return {"baselines": baselines, "strong_baseline": "logistic_previous_frame", "logistic_previous_frame": tuning}


def run_pianoroll(real_root: Path, work: Path, minutes: float, seed: int) -> dict:
    import keras

    from assets.common.tfrecords import write_shards
    from assets.midi.roll_assets import PianoRollRecordsConfig
    from assets.midi.roll_evaluation import evaluate_pianoroll
    from assets.midi.roll_model import RollModelSettings, RollTrainingPlan, save_roll_model, train_roll_model
    from assets.midi.roll_records import encode_chunks
    from assets.midi.rolls import table_to_rolls

    record_config, settings = PianoRollRecordsConfig(), RollModelSettings()
    table, bad = read_rolls(real_root)
    for split in sorted(set(table["split"])):
        examples = encode_chunks(table_to_rolls(table, split), record_config.chunk_frames)
        write_shards(examples, work / "tfrecords" / split, record_config.shards_per_split, record_config.compression)
    has_test = "test" in set(table["split"])
    plan = RollTrainingPlan(
        train_dir=work / "tfrecords" / "train",
        monitor_dir=work / "tfrecords" / ("valid" if has_test else "train"),
        monitor_is_train_holdout=not has_test,
        window=settings.window_frames,
        batch_size=settings.batch_size,
        max_epochs=settings.max_epochs,
        patience=settings.patience,
        max_train_seconds=60.0 * minutes,
    )
    keras.utils.set_random_seed(seed)
    fitted = train_roll_model(
        settings, plan, seed=seed, checkpoint_dir=work / "checkpoints", fingerprint="bench", tensorboard_dir=None
    )
    outcome = fitted.outcome
    model_path = record_sha256(work / save_roll_model(fitted.model, work))
    summary = {
        "model_path": str(model_path),
        "epochs_run": outcome.epochs_run,
        "best_epoch": outcome.best_epoch,
        "train_seconds": fitted.train_seconds,
        "early_stopping_on": "train hold-out (10% of tunes)" if not has_test else "valid",
        "hyperparameters": json.dumps({**settings.model_dump(), "max_train_minutes": minutes}),
    }
    report, _ = evaluate_pianoroll(table, summary, threshold=0.5)
    return {
        "quarantined": bad.total,
        "report": report.to_dict(),
        "val_loss_history": outcome.history.get("val_loss", []),
        "stopped_early": outcome.stopped_early,
    }


def read_notes(real_root: Path):
    from assets.midi.velocity_notes import parse_performances

    files = manifest(real_root / "piano_velocity", SOURCES_BY_FOLDER["piano_velocity"].suffixes)
    return parse_performances(files)


def velocity_baselines_only(real_root: Path) -> dict:
    from assets.midi.velocity_evaluation import velocity_baselines
    from assets.midi.velocity_training import VelocitySettings, performances

    notes, _ = read_notes(real_root)
    baselines, ridge = velocity_baselines(performances(notes, VelocitySettings()))
    return {"baselines": baselines, "strong_baseline": "ridge_on_note_context", "ridge_on_note_context": ridge}


def run_velocity(real_root: Path, work: Path, seeds: list[int]) -> dict:
    import keras

    from assets.midi.velocity_evaluation import evaluate_velocity
    from assets.midi.velocity_training import VelocitySettings, save_velocity_model, train_velocity_model

    notes, bad = read_notes(real_root)
    reports = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        folder = work / f"velocity_seed{seed}"
        model, stats, summary = train_velocity_model(
            notes, VelocitySettings(), seed=seed, checkpoint_dir=folder / "checkpoints", tensorboard_dir=None
        )
        model_path = record_sha256(folder / save_velocity_model(model, stats, folder))
        reports.append(evaluate_velocity(notes, {**summary, "model_path": str(model_path)})[0].to_dict())
    return {
        "quarantined": bad.total,
        "report": reports[0],
        "velocity_mae_by_seed": {
            seed: report["metrics"]["velocity_mae"] for seed, report in zip(seeds, reports, strict=True)
        },
    }


def print_table(results: dict) -> None:
    """One row per part, metric and scorer: the model, then each baseline (the strong one marked)."""
    print(f"{'part':<10} {'metric':<16} {'scorer':<34} {'value':>8}")
    for part, result in results.items():
        if not isinstance(result, dict) or "report" not in result:
            continue
        report = result["report"]
        recomputed = result.get("baselines_only", {})
        baselines = {**report["baselines"], **recomputed.get("baselines", {})}
        strong = recomputed.get("strong_baseline") or report.get("strong_baseline")
        for metric, value in report["metrics"].items():
            bar = BAR.get(metric)
            verdict = f"  bar {bar[0]} {bar[1]}" if bar and part == "pianoroll" else ""
            print(f"{part:<10} {metric:<16} {'model':<34} {value:8.3f}{verdict}")
            for name, values in baselines.items():
                label = f"{name} (strong)" if name == strong else name
                print(f"{part:<10} {metric:<16} {label:<34} {values[metric]:8.3f}")
        for seed, value in result.get("velocity_mae_by_seed", {}).items():
            print(f"{part:<10} {'velocity_mae':<16} {f'model, seed {seed}':<34} {value:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["pianoroll", "velocity"], choices=["pianoroll", "velocity"])
    parser.add_argument("--roll-minutes", type=float, default=30.0, help="training-time cap of the piano-roll LSTM")
    parser.add_argument("--seed", type=int, default=42, help="seed of the piano-roll LSTM")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42], help="seeds of the velocity model")
    parser.add_argument("--baselines-only", action="store_true", help="score the baselines only, train nothing")
    arguments = parser.parse_args()
    real_root = Path(os.environ.get("ENCORE_REAL_DATA", "/work/shared/data/real"))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    with tempfile.TemporaryDirectory(prefix="real_midi_") as scratch:
        for part in arguments.parts:
            started = time.perf_counter()
            if arguments.baselines_only:
                only = pianoroll_baselines_only if part == "pianoroll" else velocity_baselines_only
                results.setdefault(part, {})["baselines_only"] = {
                    **only(real_root),
                    "wall_seconds": time.perf_counter() - started,
                    "command": " ".join(sys.argv),
                }
                RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
                continue
            if part == "pianoroll":
                results[part] = run_pianoroll(real_root, Path(scratch) / part, arguments.roll_minutes, arguments.seed)
            else:
                results[part] = run_velocity(real_root, Path(scratch) / part, arguments.seeds)
            results[part]["wall_seconds"] = time.perf_counter() - started
            results[part]["command"] = " ".join(sys.argv)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)


if __name__ == "__main__":
    main()
