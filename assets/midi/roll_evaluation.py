"""Evaluation of the piano-roll model on whole tunes, and the sampled tunes written as MIDI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assets.common.atomic import atomic_directory, write_bytes_atomic
from assets.common.reports import Report
from assets.midi import roll_metrics
from assets.midi.rolls import roll_to_midi, table_to_rolls


def evaluation_split(piano_rolls: pd.DataFrame) -> str:
    """test when the table has a test split, else valid."""
    splits = set(piano_rolls["split"])
    if "train" not in splits:
        raise ValueError(f"piano_rolls has no train split (splits: {sorted(splits)})")
    for split in ("test", "valid"):
        if split in splits:
            return split
    raise ValueError(f"piano_rolls has neither a test nor a valid split (splits: {sorted(splits)})")


def score_roll_model(model_path: Path, piano_rolls: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Metrics of the model saved at ``model_path`` on the evaluation split (a champion's re-evaluation)."""
    from assets.midi.roll_model import load_model, predict_next_frames

    rolls = table_to_rolls(piano_rolls, evaluation_split(piano_rolls))
    return roll_metrics.score(predict_next_frames(load_model(Path(model_path)), rolls), rolls, threshold)


def pianoroll_baselines(piano_rolls: pd.DataFrame, threshold: float) -> tuple[dict, dict[str, Any]]:
    """Every baseline's scores on the evaluation split, and how the strong one was tuned: its L2 penalty
    is chosen on valid, or on a 10% hold-out of the training tunes when valid is the evaluation split."""
    split = evaluation_split(piano_rolls)
    train_rolls = table_to_rolls(piano_rolls, "train")
    fit_rolls, tuning_rolls = roll_metrics.tuning_split(
        train_rolls, table_to_rolls(piano_rolls, "valid") if split == "test" else None
    )
    tuning_nll = roll_metrics.choose_logistic_penalty(fit_rolls, tuning_rolls)
    penalty = min(tuning_nll, key=tuning_nll.__getitem__)
    baselines = roll_metrics.baseline_scores(train_rolls, table_to_rolls(piano_rolls, split), threshold, penalty)
    tuning = {
        "l2_penalty": penalty,
        "tuned_on": "valid" if split == "test" else "a 10% hold-out of the training tunes",
        "tuning_nll_per_step": {str(key): value for key, value in tuning_nll.items()},
    }
    return baselines, tuning


def evaluate_pianoroll(
    piano_rolls: pd.DataFrame,
    model_summary: dict[str, Any],
    threshold: float,
    frame_seconds: float = 0.25,
    strong_baseline_blocks: bool = True,
) -> tuple[Report, dict[str, bytes]]:
    """Score the saved model and the baselines on the evaluation split; returns the report and plots."""
    from assets.midi.roll_model import load_model, predict_next_frames

    split = evaluation_split(piano_rolls)
    rolls = table_to_rolls(piano_rolls, split)
    predictions = predict_next_frames(load_model(Path(model_summary["model_path"])), rolls)
    metrics = roll_metrics.score(predictions, rolls, threshold)
    baselines, tuning = pianoroll_baselines(piano_rolls, threshold)
    counts = piano_rolls.groupby("split")["tune_id"].nunique().to_dict()
    report = Report(
        task="Nottingham next-frame piano-roll prediction",
        primary_metric="nll_per_step",
        higher_is_better=False,
        data={
            **{name: int(counts.get(name, 0)) for name in ("train", "valid", "test")},
            "frames": {name: int(count) for name, count in piano_rolls.groupby("split").size().items()},
            "split": "the official Boulanger-Lewandowski folders; evaluated on " + split,
            "evaluation_split": split,
        },
        model={
            "hyperparameters": json.loads(model_summary["hyperparameters"]),
            "epochs_run": int(model_summary["epochs_run"]),
            "best_epoch": int(model_summary["best_epoch"]),
            "train_seconds": float(model_summary["train_seconds"]),
            "early_stopping_on": model_summary["early_stopping_on"],
        },
        metrics=metrics,
        baselines=baselines,
        extra={
            "scored_frames": int(sum(len(roll) - 1 for roll in rolls.values())),
            "threshold": threshold,
            "frame_seconds": frame_seconds,
            "notes": "frames 1..T-1 of whole tunes from a fresh state; frame_accuracy pooled over frames (Bay "
            "et al. 2009); repeat_last_frame NLL from a per-key 2-state chain fitted on train (a hard copy has "
            "infinite NLL); per_key_markov_chain is that chain on its own; the strong baseline "
            "logistic_previous_frame is 88 logistic regressions on the whole previous frame, fitted on train "
            "with the L2 penalty chosen on the tuning tunes. Published LSTM test NLL: about 3.3 nats per step.",
            "logistic_previous_frame": tuning,
        },
        strong_baseline="logistic_previous_frame",
        strong_baseline_blocks=strong_baseline_blocks,
    )
    return report, {"per_tune_nll": _per_tune_plot(predictions, rolls)}


def _per_tune_plot(predictions: dict[str, np.ndarray], rolls: dict[str, np.ndarray]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    values = [roll_metrics.nll_per_step(rolls[tune][1:].astype(float), predictions[tune]) for tune in sorted(rolls)]
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.hist(values, bins=30, color="tab:blue")
    axis.set_xlabel("NLL per step (nats) of one tune")
    axis.set_ylabel("tunes")
    axis.set_title("Next-frame NLL per tune on the evaluation split")
    return figure_png(figure)


def write_sampled_tunes(
    piano_rolls: pd.DataFrame,
    model_path: str,
    directory: Path,
    *,
    num_tunes: int,
    primer_frames: int,
    new_frames: int,
    temperature: float,
    threshold: float,
    seed: int,
    frame_seconds: float = 0.25,
) -> tuple[list[Path], bytes]:
    """Generate ``num_tunes`` tunes primed by the first frames of evaluation tunes; write .mid files + PNG."""
    from assets.midi.roll_model import load_model
    from assets.midi.sampling import comparison_png, generate

    if num_tunes < 1 or primer_frames < 1 or new_frames < 1:
        raise ValueError(
            f"num_tunes, primer_frames, new_frames must be positive: {num_tunes}, {primer_frames}, {new_frames}"
        )
    rolls = table_to_rolls(piano_rolls, evaluation_split(piano_rolls))
    sources = [name for name in sorted(rolls) if len(rolls[name]) >= primer_frames][:num_tunes]
    if not sources:
        raise ValueError(f"no evaluation tune has the {primer_frames} frames a primer needs")
    primers = np.stack([rolls[name][:primer_frames] for name in sources])
    samples = generate(
        load_model(Path(model_path)), primers, new_frames, temperature=temperature, threshold=threshold, seed=seed
    )
    written: list[Path] = []
    with atomic_directory(Path(directory)) as staging:
        for index, (source, sample) in enumerate(zip(sources, samples, strict=True)):
            name = f"sample_{index:02d}_{source.replace('/', '_')}.mid"
            roll_to_midi(sample, staging / name, frame_seconds)
            written.append(Path(directory) / name)
        real = rolls[sources[0]][: primer_frames + new_frames]
        png = comparison_png(real, samples[0], sources[0], primer_frames)
        write_bytes_atomic(staging / "sample_vs_real.png", png)
    return written, png
