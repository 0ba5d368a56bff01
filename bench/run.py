"""Encore benchmarks: one command, a printed table, numbers in ``bench/results/latest.json``.

    .venv/bin/python bench/run.py [--skip-materialize] [--skip-formats] [--skip-training] [--skip-celery]
                                  [--skip-tianchi] [--tianchi-rows N] [--output FILE]

Measures the import time of the code location, the sample-data generation of every source, the full
materialization of the sample graph with the default executor set-up (steps forked from a preloaded
forkserver) and the one before it (a fresh interpreter per step), side by side (wall time, mean step
start-up, ratio, peak memory of the child processes), TFRecord
against parquet write/read throughput (bench/formats.py), training examples/s from tf.data against
in-memory NumPy (bench/input_pipeline.py), and the sample graph's wall time with the local executor
against Celery with two workers (bench/executors.py; needs redis-server), and the Tianchi user actions at
the real season-1 scale parsed whole against streamed (bench/tianchi_parse.py: wall time and peak memory of a
child process each). bench/README.md has the figures of the development machine.
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


IMPORT_PROBE = "import time; started = time.perf_counter(); import pipelines; print(time.perf_counter() - started)"


def measure_import(repeats: int = 5) -> Row:
    """`import pipelines` in a fresh process, the median of ``repeats`` (the interpreter's own start-up apart)."""
    command = [sys.executable, "-c", IMPORT_PROBE]
    runs = [subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True, text=True) for _ in range(repeats)]
    seconds = sorted(float(run.stdout) for run in runs)
    return (f"import pipelines (fresh process, median of {repeats})", seconds[repeats // 2], "s")


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


EXECUTOR_SET_UPS = {
    # What the README's command runs: each step forked from a server that preloaded the code location.
    "forkserver (default)": {},
    # Before: a fresh interpreter per step, which imports Dagster, `pipelines` and TensorFlow again.
    "spawn (before)": {"execution": {"config": {"start_method": "spawn"}}},
}


def measure_materialization(scratch: Path) -> list[Row]:
    """The README's materialization (through the `encore` launcher, so with the shipped instance config)
    with each executor set-up, one after the other into fresh homes: wall time, mean step start-up."""
    import yaml

    sample_config = yaml.safe_load((REPOSITORY / "pipelines" / "sample_run_config.yaml").read_text())
    rows, walls = [], {}
    for label, overrides in EXECUTOR_SET_UPS.items():
        home = scratch / label.split()[0]
        config = home / "run_config.yaml"
        home.mkdir(parents=True)
        config.write_text(yaml.safe_dump({**sample_config, **overrides}))
        command = [sys.executable, "-m", "resources.instance", "dagster", "asset", "materialize", "--select", "*",
                   "-m", "pipelines", "-c", str(config)]  # fmt: skip
        environment = {key: value for key, value in _environment().items() if key != "DAGSTER_HOME"}
        started = time.perf_counter()
        subprocess.run(
            command,
            cwd=REPOSITORY,
            check=True,
            env={**environment, "ENCORE_HOME": str(home)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        walls[label] = time.perf_counter() - started
        steps, start_up = step_start_up(home / "dagster")
        rows += [
            (f"materialize every asset on the sample, {label}", walls[label], "s"),
            (f"  mean step start-up ({steps} steps), {label}", start_up, "s"),
        ]
    peak_megabytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    before, after = walls["spawn (before)"], walls["forkserver (default)"]
    return [*rows, ("  speed-up of the default set-up", before / after, "x"), ("peak memory of one child process",
            peak_megabytes, "MB")]  # fmt: skip


def step_start_up(dagster_home: Path) -> tuple[int, float]:
    """Steps of the instance's one run and the mean time from 'launching the step's process' to 'step
    started': what each step pays before its own code runs."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs(limit=1)
        starting, started = {}, {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_WORKER_STARTING:
                starting.setdefault(event.step_key, entry.timestamp)
            elif event.event_type == dg.DagsterEventType.STEP_START:
                started.setdefault(event.step_key, entry.timestamp)
    waits = [started[step] - starting[step] for step in started if step in starting]
    return len(waits), sum(waits) / max(len(waits), 1)


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "ENCORE_RAW_ROOT"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-materialize", action="store_true", help="skip the full materialization")
    parser.add_argument("--skip-formats", action="store_true", help="skip TFRecord against parquet")
    parser.add_argument("--skip-training", action="store_true", help="skip tf.data against NumPy training")
    parser.add_argument("--skip-celery", action="store_true", help="skip local against Celery executor")
    parser.add_argument("--skip-tianchi", action="store_true", help="skip the Tianchi parse, whole against streamed")
    parser.add_argument("--tianchi-rows", type=int, help="user actions for the Tianchi parse (default: season 1's)")
    parser.add_argument("--examples", type=int, default=20000, help="examples for the format benchmark")
    parser.add_argument("--training-examples", type=int, default=8000, help="examples for the training benchmark")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "bench" / "results" / "latest.json", help="results")
    arguments = parser.parse_args()
    rows: list[Row] = [("load average (1 min) at start", os.getloadavg()[0], "runnable"), measure_import()]
    with tempfile.TemporaryDirectory() as scratch:
        rows += measure_sample_generation(Path(scratch) / "raw")
        if not arguments.skip_materialize:
            rows += measure_materialization(Path(scratch) / "materialize")
        if not arguments.skip_formats:
            from bench import formats

            rows += formats.measure(arguments.examples, Path(scratch) / "formats")
        if not arguments.skip_training:
            from bench import input_pipeline

            rows += input_pipeline.measure(arguments.training_examples, Path(scratch) / "training")
        if not arguments.skip_celery:
            from bench import executors

            rows += executors.measure(Path(scratch) / "executors")
        if not arguments.skip_tianchi:
            from bench import tianchi_parse

            tianchi_rows = arguments.tianchi_rows or tianchi_parse.SEASON_ONE_ACTIONS
            rows += tianchi_parse.measure(Path(scratch) / "tianchi", tianchi_rows)
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
