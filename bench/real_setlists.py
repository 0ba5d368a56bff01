"""The setlists pipeline on the real phish.net data: test metrics vs baselines and the issue's bar.

    nice -n 10 /work/venv/bin/python bench/real_setlists.py [--raw-root DIR] [--max-epochs N] [--seed N]

Materializes the whole `setlists` group in process with the default configuration (only `max_epochs`
can be capped, for a slow shared CPU), reading the real files in place (ENCORE_RAW_ROOT, nothing
copied) into a scratch Encore home, prints a metrics table (the model, `most_frequent`, `markov_bigram` and the
strong baseline `rotation_bigram`) and writes `bench/results/real_setlists.json`
(`real_setlists_seed<N>.json` with `--seed N`; the default is the training resource's seed).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

BAR = {"top1_accuracy": 0.19, "top1_song_accuracy": 0.05}
BEAT_BASELINES_ON = ("top1_accuracy", "top5_accuracy", "top1_song_accuracy")


def run(raw_root: Path, home: Path, max_epochs: int | None, random_split: bool, seed: int | None) -> dict:
    import dagster as dg

    from assets.setlists.definitions import SETLISTS_ASSETS, SETLISTS_CHECKS
    from resources import LakeResource, MlflowResource, ParquetIOManager, RawDataResource, TrainingResource

    ops: dict = {"next_song_report": {"config": {"random_split": random_split}}}
    if max_epochs is not None:
        ops["next_song_model"] = {"config": {"max_epochs": max_epochs}}
    training = TrainingResource(home=str(home), device="cpu", **({} if seed is None else {"seed": seed}))
    started = time.perf_counter()
    result = dg.materialize(
        [*SETLISTS_ASSETS, *SETLISTS_CHECKS],
        resources={
            "io_manager": ParquetIOManager(home=str(home)),
            "lake": LakeResource(home=str(home)),
            "raw_data": RawDataResource(root=str(raw_root), home=str(home)),
            "training": training,
            "mlflow": MlflowResource(home=str(home)),
        },
        run_config={"ops": ops},
    )
    if not result.success:
        raise RuntimeError("materialization failed")
    report = json.loads((home / "lake" / "setlists" / "reports" / "next_song.json").read_text())
    setlist = (home / "lake" / "setlists" / "reports" / "next_setlist.md").read_text()
    clean = result.asset_materializations_for_node("clean_setlists")[0].metadata
    embeddings = result.asset_materializations_for_node("song_embeddings")[0].metadata
    return {
        "wall_seconds": round(time.perf_counter() - started, 1),
        "max_epochs_cap": max_epochs,
        "seed": training.seed,
        "clean": {name: clean[name].value for name in ("shows", "duplicates_removed", "quarantined_records")},
        "nearest_songs": embeddings["nearest_songs"].value,
        "report": report,
        "next_setlist": setlist,
    }


def print_table(outcome: dict) -> None:
    report = outcome["report"]
    rows = {"model": report["metrics"], **report["baselines"]}
    names = list(report["baselines"]["most_frequent"])
    print(f"{'':16}" + "".join(f"{name:>26}" for name in names))
    for row_name, values in rows.items():
        print(f"{row_name:16}" + "".join(f"{values.get(name, float('nan')):>26.4f}" for name in names))
    print("top1_accuracy_random_split:", report["metrics"].get("top1_accuracy_random_split"))
    print("bar:", outcome["bar"])
    print("data:", report["data"])
    print("model:", {key: report["model"][key] for key in ("epochs_run", "best_epoch", "train_seconds")})
    print("accuracy by context:", report["accuracy_by_context"]["model"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw-root", type=Path, default=Path("/work/shared/data/real"))
    parser.add_argument("--max-epochs", type=int, default=None, help="cap on epochs (default: the config's)")
    parser.add_argument(
        "--seed", type=int, default=None, help="training seed (default: the resource's; N -> _seedN.json)"
    )
    parser.add_argument("--no-random-split", action="store_true", help="skip the random-split comparison")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="setlists_real_") as scratch:
        outcome = run(
            arguments.raw_root, Path(scratch), arguments.max_epochs, not arguments.no_random_split, arguments.seed
        )
    report = outcome["report"]
    outcome["bar"] = {
        **{f"{name}>={threshold}": report["metrics"][name] >= threshold for name, threshold in BAR.items()},
        **{
            f"{name} beats every baseline": all(
                report["metrics"][name] > baseline[name] for baseline in report["baselines"].values()
            )
            for name in BEAT_BASELINES_ON
        },
        "strong_baseline": report["strong_baseline"],
    }
    print_table(outcome)
    suffix = "" if arguments.seed is None else f"_seed{arguments.seed}"
    output = REPOSITORY / "bench" / "results" / f"real_setlists{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(outcome, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
