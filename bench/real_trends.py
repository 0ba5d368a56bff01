"""Trends on the real Tianchi aggregates: the LSTM forecaster vs the baselines on the last 30 visible days.

    nice -n 10 .venv/bin/python bench/real_trends.py [--raw-root /work/shared/data/real] [--seeds 42,43,44]

Runs the pipeline's pure functions on `<raw-root>/tianchi/*.txt` (read in place, never copied): parse,
plays matrix, fit on the days before the last 30 (early stopping on the last 30 of those, then a refit on
all windows), forecast the last 30 days, score `tianchi_f_ratio`. Prints a table and writes
`bench/results/real_trends.json`. Bar: beat `last_value`; within 2% of or above `median_last_10_days`. The
strong baseline `exponential_smoothing` (tuned on the last 30 training days) is recorded beside them; whether
the LSTM beats it sets `forecast_report`'s `strong_baseline_blocks` default.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from assets.common.atomic import write_json_atomic  # noqa: E402
from assets.trends.evaluation import STRONG_BASELINE, backtest  # noqa: E402
from assets.trends.features import plays_matrix  # noqa: E402
from assets.trends.forecast import ForecasterSettings, train_forecaster  # noqa: E402
from assets.trends.parse import parse_tianchi_files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-root", default=os.environ.get("ENCORE_RAW_ROOT", "/work/shared/data/real"))
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--settings", default="{}", help="JSON overrides of ForecasterSettings")
    arguments = parser.parse_args()

    import keras

    tables = parse_tianchi_files(sorted((Path(arguments.raw_root) / "tianchi").glob("*.txt")))
    if tables.bad_records:
        raise SystemExit(f"real aggregates have bad records: {tables.bad_records[:3]}")
    matrix = plays_matrix(tables.artist_daily_aggregates)
    settings = ForecasterSettings(**json.loads(arguments.settings))
    backtest_days = settings.backtest_days
    runs = []
    for seed in (int(value) for value in arguments.seeds.split(",")):
        keras.utils.set_random_seed(seed)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as checkpoints:
            trained = train_forecaster(
                matrix.plays[:, :-backtest_days], settings, Path(checkpoints), f"bench-{seed}", seed
            )
        result = backtest(trained.model, settings, matrix, backtest_days)
        runs.append(
            {
                "seed": seed,
                **result["metrics"],
                "best_epoch": trained.early_stopping.outcome.best_epoch,
                "epochs_run": trained.early_stopping.outcome.epochs_run,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        print(f"seed {seed}: tianchi_f_ratio {runs[-1]['tianchi_f_ratio']:.4f} ({runs[-1]['seconds']} s)", flush=True)
    baselines = result["baselines"]
    ratios = np.array([run["tianchi_f_ratio"] for run in runs])
    median_ratio = baselines["median_last_10_days"]["tianchi_f_ratio"]
    summary = {
        "data": {
            "artists": len(matrix.artist_ids),
            "days": len(matrix.days),
            "train_days": len(matrix.days) - 30,
            "backtest_days": backtest_days,
            "first_day": str(matrix.days[0]),
            "last_day": str(matrix.days[-1]),
        },
        "settings": settings.model_dump(),
        "runs": runs,
        "lstm": {"tianchi_f_ratio_mean": float(ratios.mean()), "tianchi_f_ratio_std": float(ratios.std())},
        "baselines": baselines,
        "bar": {
            "beats_last_value": bool(ratios.mean() > baselines["last_value"]["tianchi_f_ratio"]),
            "within_2_percent_of_median_or_above": bool(ratios.mean() >= 0.98 * median_ratio),
            "beats_strong_baseline": bool(ratios.mean() > baselines[STRONG_BASELINE]["tianchi_f_ratio"]),
        },
        "machine": platform.platform(),
    }
    print("\n| forecaster | tianchi_f_ratio |\n|---|---|")
    print(f"| LSTM ({len(runs)} seeds) | {ratios.mean():.4f} ± {ratios.std():.4f} |")
    for name, scores in baselines.items():
        strong = " (strong baseline)" if name == STRONG_BASELINE else ""
        print(f"| {name}{strong} | {scores['tianchi_f_ratio']:.4f} |")
    print(f"\nbar: {summary['bar']}")
    write_json_atomic(REPOSITORY / "bench" / "results" / "real_trends.json", summary)


if __name__ == "__main__":
    main()
