"""The `audio` group on the real data: GTZAN (8 clips + the 1,000-row published table) and FMA metadata.

    nice -n 10 /work/venv/bin/python bench/real_audio.py [--real-root /work/shared/data/real]

Materializes every asset of the group with the raw root pointing at the real data (read in place,
nothing copied) into a temporary Encore home, then prints the genre report of each collection
(every model's test accuracy and macro F1 against the majority-class baseline and the strong baseline
`gradient_boosting`, random 5-fold CV, feature parity) next to the bar of issue 10, and writes
bench/results/real_audio.json.
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

BAR_BEST_TEST_ACCURACY = 0.55
BAR_PARITY_STD = 0.05


def materialize(real_root: Path, home: Path) -> dict:
    import dagster as dg

    from assets.audio.definitions import defs as audio_defs
    from resources import LakeResource, MlflowResource, ParquetIOManager, RawDataResource, TrainingResource

    os.environ["ENCORE_HOME"] = str(home)
    started = time.perf_counter()
    result = dg.materialize(
        [*audio_defs.assets, *audio_defs.asset_checks],
        resources={
            "io_manager": ParquetIOManager(home=str(home)),
            "lake": LakeResource(home=str(home)),
            "raw_data": RawDataResource(home=str(home), root=str(real_root)),
            "training": TrainingResource(home=str(home), device="cpu"),
            "mlflow": MlflowResource(home=str(home)),
        },
    )
    checks = {
        evaluation.check_name: {"passed": evaluation.passed, **{k: v.value for k, v in evaluation.metadata.items()}}
        for evaluation in result.get_asset_check_evaluations()
    }
    return {"success": result.success, "wall_seconds": round(time.perf_counter() - started, 1), "checks": checks}


def fma_summary(lake: Path) -> dict:
    import pandas as pd

    tracks = pd.read_parquet(lake / "clean_tracks.parquet")
    quarantine = pd.read_parquet(lake / "quarantine" / "clean_tracks.parquet")
    fma_bad = quarantine[quarantine["file"].str.contains("fma", na=False)]
    return {
        "tracks_kept": int((tracks["collection"] == "fma").sum()),
        "quarantined_by_reason": fma_bad["reason"].str.split(":").str[0].value_counts().to_dict(),
    }


def print_report(report: dict) -> None:
    print(f"\n{report['task']}: {report['data']}")
    print(f"{'model':<22} {'valid acc':>9} {'test acc':>9} {'macro F1':>9}")
    for name, scores in report["models"].items():
        print(f"{name:<22} {scores['valid_accuracy']:>9.3f} {scores['accuracy']:>9.3f} {scores['macro_f1']:>9.3f}")
    for name, scores in report["baselines"].items():
        valid = report.get(name, {}).get("valid_accuracy")  # the strong baseline records its valid accuracy
        valid_text = f"{valid:>9.3f}" if valid is not None else f"{'':>9}"
        print(f"{name:<22} {valid_text} {scores['accuracy']:>9.3f} {scores['macro_f1']:>9.3f}")
    print(f"best (chosen on valid): {report['best_model']} test accuracy {report['metrics']['accuracy']:.3f}")
    if "cv_accuracy_random" in report:
        print(
            f"cv_accuracy_random ({report['cv_model']}, 5-fold stratified random): {report['cv_accuracy_random']:.3f}"
        )
        print(f"feature_parity: {report['feature_parity']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-root", type=Path, default=Path("/work/shared/data/real"))
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="encore-real-audio-") as directory:
        home = Path(directory)
        run = materialize(arguments.real_root.resolve(), home)
        lake = home / "lake" / "audio"
        report_paths = sorted((lake / "reports").glob("genre_*.json"))
        reports = {path.stem: json.loads(path.read_text()) for path in report_paths if path.stem.count(".") == 0}
        fma = fma_summary(lake)
    print(f"materialized group audio on {arguments.real_root}: success={run['success']} in {run['wall_seconds']} s")
    print(f"checks: { {name: check['passed'] for name, check in run['checks'].items()} }")
    print(f"FMA metadata: {fma}")
    for report in reports.values():
        print_report(report)
    gtzan = reports.get("genre_gtzan")
    verdict = {}
    if gtzan:
        parity = run["checks"].get("feature_parity", {})
        verdict = {
            "parity_passes": bool(parity.get("passed")) and parity.get("max_deviation_std", 1.0) <= BAR_PARITY_STD,
            "parity_tracks": parity.get("tracks"),
            "parity_max_deviation_std": parity.get("max_deviation_std"),
            "best_test_accuracy": gtzan["metrics"]["accuracy"],
            "best_test_accuracy_bar": BAR_BEST_TEST_ACCURACY,
            "best_meets_bar": gtzan["metrics"]["accuracy"] >= BAR_BEST_TEST_ACCURACY,
            "cv_accuracy_random": gtzan["cv_accuracy_random"],
            "strong_baseline_accuracy": gtzan["baselines"][gtzan["strong_baseline"]]["accuracy"],
            "beats_strong_baseline": gtzan["metrics"]["accuracy"]
            > gtzan["baselines"][gtzan["strong_baseline"]]["accuracy"],
        }
        print(f"\nbar of issue 10: {verdict}")
    output = {"run": run, "fma": fma, "reports": reports, "bar": verdict}
    results = REPOSITORY / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "real_audio.json").write_text(json.dumps(output, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
