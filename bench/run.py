"""Encore benchmarks: one command, a printed table, numbers in ``bench/results/latest.json``.

    .venv/bin/python bench/run.py [--skip-materialize] [--skip-formats] [--skip-training] [--skip-celery]
                                  [--output FILE]

Measures the import time of the code location, the sample-data generation of every source, the full
materialization of the sample graph (wall time and peak memory of the child process), TFRecord
against parquet write/read throughput (bench/formats.py), training examples/s from tf.data against
in-memory NumPy (bench/input_pipeline.py), and the sample graph's wall time with the local executor
against Celery with two workers (bench/executors.py; needs redis-server). bench/README.md has the
figures of the development machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from assets.common.sources import RAW_SOURCES  # noqa: E402

Row = tuple[str, float, str]


def measure_import() -> Row:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pipelines"], cwd=REPOSITORY, check=True)
    return ("import pipelines (fresh process)", time.perf_counter() - started, "s")


def measure_sample_generation(root: Path) -> list[Row]:
    rows = []
    for source in RAW_SOURCES:
        writer = source.load_sample_writer()
        started = time.perf_counter()
        paths = writer(root / source.folder, 7)
        elapsed = time.perf_counter() - started
        megabytes = sum(path.stat().st_size for path in paths) / 1e6
        rows.append((f"sample {source.folder} ({len(paths)} files, {megabytes:.1f} MB)", elapsed, "s"))
    return rows


def measure_materialization(home: Path) -> list[Row]:
    command = [str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "--select", "*", "-m", "pipelines",
               "-c", "pipelines/sample_run_config.yaml"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=REPOSITORY,
        check=True,
        env={**_environment(), "ENCORE_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    peak_megabytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return [
        ("materialize every asset on the sample", elapsed, "s"),
        ("peak memory of one child process", peak_megabytes, "MB"),
    ]


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "ENCORE_RAW_ROOT"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-materialize", action="store_true", help="skip the full materialization")
    parser.add_argument("--skip-formats", action="store_true", help="skip TFRecord against parquet")
    parser.add_argument("--skip-training", action="store_true", help="skip tf.data against NumPy training")
    parser.add_argument("--skip-celery", action="store_true", help="skip local against Celery executor")
    parser.add_argument("--examples", type=int, default=20000, help="examples for the format benchmark")
    parser.add_argument("--training-examples", type=int, default=8000, help="examples for the training benchmark")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "bench" / "results" / "latest.json", help="results")
    arguments = parser.parse_args()
    rows: list[Row] = [("load average (1 min) at start", os.getloadavg()[0], "runnable"), measure_import()]
    with tempfile.TemporaryDirectory() as scratch:
        rows += measure_sample_generation(Path(scratch) / "raw")
        if not arguments.skip_materialize:
            rows += measure_materialization(Path(scratch) / "home")
        if not arguments.skip_formats:
            from bench import formats

            rows += formats.measure(arguments.examples, Path(scratch) / "formats")
        if not arguments.skip_training:
            from bench import input_pipeline

            rows += input_pipeline.measure(arguments.training_examples, Path(scratch) / "training")
        if not arguments.skip_celery:
            from bench import executors

            rows += executors.measure(Path(scratch) / "executors")
    rows.append(("load average (1 min) at end", os.getloadavg()[0], "runnable"))
    width = max(len(name) for name, _, _ in rows)
    print(f"{'benchmark':<{width}}  {'value':>10}  unit")
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:>10.2f}  {unit}")
    results = {
        "machine": f"{platform.machine()} {platform.processor() or ''} cores={os.cpu_count()}",
        "rows": [{"benchmark": name, "value": round(value, 4), "unit": unit} for name, value, unit in rows],
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
