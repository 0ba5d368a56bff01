"""Real-data benchmark of the lyrics pipeline: both char LSTMs over two seeds at equal epochs.

Runs the pipeline's pure functions on ``$ENCORE_RAW_ROOT/lyrics`` (default /work/shared/data/real, read
in place) with the default configs (split, windows, model). The four models (unconditional and
artist-conditioned, seeds 0 and 1) train round-robin one epoch at a time, resuming from their
checkpoints, and are scored on the test songs after every round, so at any stopping point all four
have run the same number of epochs. Rounds stop at ``--max-epochs`` or when the next one would pass
``--deadline`` (UTC HH:MM). Prints a table and writes bench/results/real_lyrics.json after each round.

    nice -n 10 /work/venv/bin/python bench/real_lyrics.py --max-epochs 12 --deadline 10:27

Every round also scores the strong baseline, the Kneser-Ney character n-gram (``kneser_ney``: order and
discount chosen on the valid songs); ``--strong-baseline-only`` scores it alone on the same split, trains
nothing, and records it under ``kneser_ney`` of the results.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.common.atomic import write_json_atomic
from assets.common.tfrecords import write_shards
from assets.lyrics.data_assets import SplitConfig, WindowConfig
from assets.lyrics.evaluation import evaluate_char_lms
from assets.lyrics.kneser_ney import fit_tuned_kneser_ney
from assets.lyrics.model import ModelSettings, load_char_lm, save_char_lm, train_char_lm
from assets.lyrics.parse import parse_songdata
from assets.lyrics.vocabulary import build_vocabulary
from assets.lyrics.windows import assign_splits, build_streams, fit_streams, window_examples
from resources.training import TrainingResource

RESULTS = Path(__file__).resolve().parent / "results" / "real_lyrics.json"
SEEDS = (0, 1)
TOLERANCE = 0.02  # MODELLING.md: "at least as good" = no worse by more than 0.02 bits/char on any seed
TASKS = (("char_lm", False), ("artist_char_lm", True))
SPLITS = ("train", "valid", "test")


def _deadline(text: str) -> float:
    hours, minutes = (int(part) for part in text.split(":"))
    now = datetime.now(UTC)
    return now.replace(hour=hours, minute=minutes, second=0, microsecond=0).timestamp()


def read_split(raw_root: Path):
    """The parsed songs, their split and the training vocabulary, as the pipeline's defaults make them."""
    parsed = parse_songdata(raw_root / "lyrics" / "songdata.csv")
    clean = parsed.frame()
    split_config = SplitConfig()
    splits = assign_splits(clean, split_config.valid_fraction, split_config.test_fraction, split_config.seed)
    train_mask = splits["split"].to_numpy() == "train"
    return parsed, clean, splits, build_vocabulary(clean["text"][train_mask], clean["artist"])


def kneser_ney_only(raw_root: Path) -> dict:
    """The strong baseline's test bits per character on the benchmark's split, fitted on train, tuned on valid."""
    started = time.perf_counter()
    _, clean, splits, vocabulary = read_split(raw_root)
    split = splits["split"].to_numpy()
    songs = {name: [vocabulary.encode(text) for text in clean["text"][split == name]] for name in SPLITS}
    model, tried = fit_tuned_kneser_ney(songs["train"], songs["valid"], vocabulary.size)
    return {
        "test_bits_per_char": model.score(songs["test"]).bits_per_char(),
        "order": model.order,
        "discount": model.discount,
        "valid_bits_per_char": tried,
        "seconds": round(time.perf_counter() - started, 1),
    }


def prepare_data(raw_root: Path, work: Path) -> dict:
    started = time.perf_counter()
    parsed, clean, splits, vocabulary = read_split(raw_root)
    window_config = WindowConfig()
    train_mask = splits["split"].to_numpy() == "train"
    train_tokens = int((clean["characters"][train_mask] + 2).sum())
    streams = fit_streams(train_tokens, window_config.streams, window_config.window, window_config.min_batches)
    shard_dirs, windows = {}, {}
    for split in SPLITS:
        members = (splits["split"] == split).to_numpy()
        layout = build_streams(
            clean["text"][members].tolist(), clean["artist"][members].tolist(), vocabulary,
            streams, window_config.window, window_config.seed,
        )  # fmt: skip
        shard_dirs[split] = work / "tfrecords" / split
        write_shards(window_examples(layout), shard_dirs[split], window_config.shards)
        windows[split] = layout.windows
    counts = splits["split"].value_counts().to_dict()
    return {
        "clean": clean, "splits": splits, "vocabulary": vocabulary, "shard_dirs": shard_dirs,
        "summary": {
            "songs": len(clean), "records_read": parsed.records_read, "duplicates_removed": len(parsed.duplicates),
            "quarantined": parsed.bad_records.total, "artists": int(clean["artist"].nunique()),
            "characters": int(clean["characters"].sum()), "vocabulary_size": vocabulary.size,
            "split_songs": counts, "windows_per_stream": windows, "window": window_config.window,
            "streams": streams, "data_seconds": round(time.perf_counter() - started, 1),
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=12)
    parser.add_argument("--deadline", default="10:27", help="UTC HH:MM after which no round may end")
    parser.add_argument("--summarize-only", action="store_true", help="re-read the results, add the verdict, print")
    parser.add_argument("--strong-baseline-only", action="store_true", help="score the Kneser-Ney n-gram only")
    arguments = parser.parse_args()
    if arguments.strong_baseline_only:
        results = json.loads(RESULTS.read_text())
        raw_root = Path(os.environ.get("ENCORE_RAW_ROOT", "/work/shared/data/real"))
        results["kneser_ney"] = {**kneser_ney_only(raw_root), "command": " ".join(sys.argv)}
        write_json_atomic(RESULTS, results)
        print_table(results)
        return
    if arguments.summarize_only:
        results = json.loads(RESULTS.read_text())
        results["bar"] = bar_verdict(results["rounds"][-1])
        write_json_atomic(RESULTS, results)
        print_table(results)
        return
    deadline = _deadline(arguments.deadline)
    raw_root = Path(os.environ.get("ENCORE_RAW_ROOT", "/work/shared/data/real"))
    work = Path(tempfile.mkdtemp(prefix="real_lyrics_"))
    data = prepare_data(raw_root, work)
    config = ModelSettings()
    results = {"data": data["summary"], "config": config.model_dump(), "raw_root": str(raw_root), "rounds": []}
    print(json.dumps(data["summary"]), flush=True)
    round_seconds = 0.0
    for epoch in range(1, arguments.max_epochs + 1):
        if round_seconds and time.time() + round_seconds > deadline:
            print(f"stopping before epoch {epoch}: the next round (~{round_seconds:.0f}s) would pass the deadline")
            break
        started = time.time()
        row = {"epochs": epoch, "seeds": {}}
        for seed in SEEDS:
            models, train_seconds = {}, {}
            for task, conditioned in TASKS:
                TrainingResource(seed=seed).prepare()
                output_dir = work / "models" / f"{task}_seed{seed}"
                settings = config.model_copy(update={"max_epochs": epoch, "patience": arguments.max_epochs})
                trained = train_char_lm(
                    data["shard_dirs"], data["vocabulary"], settings, conditioned=conditioned,
                    streams=data["summary"]["streams"], window=data["summary"]["window"],
                    checkpoint_dir=output_dir / "checkpoints", seed=seed,
                    fingerprint=f"real-{task}-seed{seed}", tensorboard_dir=work / "tensorboard" / f"{task}_seed{seed}",
                )  # fmt: skip
                save_char_lm(trained.model, data["vocabulary"], output_dir)
                models[task] = load_char_lm(output_dir)[0]
                train_seconds[task] = round(trained.train_seconds, 1)
            evaluation = evaluate_char_lms(
                data["clean"], data["splits"], data["vocabulary"], models["char_lm"], models["artist_char_lm"]
            )
            row["seeds"][seed] = {
                "test": evaluation.pooled, "frequent_artists": evaluation.frequent,
                "per_artist": evaluation.per_artist.round(4).to_dict(orient="records"),
                "train_seconds_this_round": train_seconds,
            }  # fmt: skip
        results["frequent_artists"] = evaluation.frequent_artists
        round_seconds = time.time() - started
        row["round_seconds"] = round(round_seconds, 1)
        results["rounds"].append(row)
        results["bar"] = bar_verdict(row)
        results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_json_atomic(RESULTS, results)
        print_table(results)


def bar_verdict(row: dict) -> dict:
    """The issue's bar on one round: both models under the bigram on test; conditioned no worse on 20+ artists."""
    seeds = row["seeds"]
    gaps = {seed: scores["frequent_artists"]["artist_char_lm"] - scores["frequent_artists"]["char_lm"]
            for seed, scores in seeds.items()}  # fmt: skip
    below_bigram = all(
        scores["test"][model] < scores["test"]["bigram"]
        for scores in seeds.values()
        for model in ("char_lm", "artist_char_lm")
    )
    mean_gap = sum(gaps.values()) / len(gaps)
    return {
        "epochs": row["epochs"],
        "both_models_below_bigram_on_every_seed": below_bigram,
        "conditioned_minus_unconditional_frequent_artists": {str(seed): round(gap, 4) for seed, gap in gaps.items()},
        "mean_gap": round(mean_gap, 4),
        "conditioned_at_least_as_good": all(gap <= TOLERANCE for gap in gaps.values()) and mean_gap <= 0,
    }


def print_table(results: dict) -> None:
    last = results["rounds"][-1]
    print(f"\nepochs per model: {last['epochs']} (round took {last['round_seconds']}s)")
    print(
        f"{'seed':>4} | {'scope':<16} | {'char_lm':>8} | {'artist':>8} | {'bigram':>8} | {'unigram':>8} | "
        f"{'kneser_ney (strong)':>19}"
    )
    alone = results.get("kneser_ney", {}).get("test_bits_per_char")
    for seed, scores in last["seeds"].items():
        for scope in ("test", "frequent_artists"):
            values = scores[scope]
            kneser_ney = values.get("kneser_ney", alone if scope == "test" else None)
            print(
                f"{seed:>4} | {scope:<16} | {values['char_lm']:8.3f} | {values['artist_char_lm']:8.3f} | "
                f"{values['bigram']:8.3f} | {values['unigram']:8.3f} | "
                + (f"{kneser_ney:19.3f}" if kneser_ney is not None else f"{'-':>19}")
            )
    print(json.dumps(results["bar"]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
