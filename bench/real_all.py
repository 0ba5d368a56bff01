"""The five real-data benchmarks in one go: their key figures beside the README's, with what no longer holds.

    nice -n 10 .venv/bin/python bench/real_all.py [--only setlists trends ...] [--summarize-only] [--scratch DIR]

Runs `bench/real_<name>.py` for each selected benchmark, one after the other (each alone keeps both
cores busy), with its output in `bench/results/real_all_<name>.log`, then reads its
`bench/results/real_<name>.json` and prints one markdown table: every key figure, the README's figure
and the bar it must meet, with a status of `ok`, `REGRESSED` (fails its bar, or is worse than the
README's figure by more than the seed noise) or `missing` (the benchmark failed or wrote no such field).
`--summarize-only` runs nothing and judges the results already there. The rows also go to
`bench/results/real_all.json`. Exit status 1 when any row is not `ok`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from assets.common.atomic import write_json_atomic  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results"
BENCHMARKS = ("setlists", "lyrics", "midi", "audio", "trends")

# How much worse than the README a figure may come out before it counts as a regression rather than seed noise.
# README "setlists", `next_song_champion`: "the seed spread on the real data is 0.003-0.006" (the README's table:
# seeds 42 and 1 differ by 0.0027 top-1, 0.0038 top-5, 0.0033 song top-1).
SETLISTS_ACCURACY_TOLERANCE = 0.006
# README "setlists" table: seeds 42 and 1 differ by 0.030 in log loss (3.668 against 3.638); twice that.
SETLISTS_LOG_LOSS_TOLERANCE = 0.06
# README "trends": `tianchi_f_ratio` 0.8065 ± 0.0010 over 3 seeds (`forecast_champion`: seed noise ±0.001); 3 std.
TRENDS_RATIO_TOLERANCE = 0.003

# bench/real_lyrics.py TOLERANCE: "at least as good" = the conditioned model no worse by more than this on any seed.
LYRICS_CONDITIONED_GAP_BAR = 0.02


@dataclass(frozen=True)
class Bar:
    """A threshold a figure must pass: a fixed number, or a value of the same result (a baseline's score)."""

    label: str
    threshold: Callable[[dict], float]
    strict: bool


@dataclass(frozen=True)
class Figure:
    """One figure of one benchmark, where to find it in the result, the README's value and its bars."""

    benchmark: str
    name: str
    value: Callable[[dict], float]
    higher_is_better: bool
    readme: float | None = None
    tolerance: float | None = None
    bars: tuple[Bar, ...] = ()


@dataclass(frozen=True)
class Row:
    """One line of the table (and of `real_all.json`): a figure measured, compared and judged."""

    benchmark: str
    figure: str
    measured: float | None
    readme: float | None
    bar: str
    status: str
    note: str


def field(*path: str) -> Callable[[dict], float]:
    """A reader of the number at `path` in a result; a missing key raises, which makes the row `missing`."""

    def read(result: dict) -> float:
        value = result
        for key in path:
            value = value[key]
        return float(value)

    return read


def fixed_bar(threshold: float, strict: bool = False) -> Bar:
    """A bar of the issue or the benchmark script, the same number on every run."""
    return Bar("", lambda _: threshold, strict)


def baseline_bar(label: str, *path: str) -> Bar:
    """A baseline the model must beat outright (the reports' `beats_baselines` is strict)."""
    return Bar(label, field(*path), strict=True)


def lyrics_last_round(result: dict) -> dict:
    """The per-seed scores of the last round: every model has then run the same number of epochs."""
    return result["rounds"][-1]["seeds"]


def lyrics_worst_test_bits(model: str) -> Callable[[dict], float]:
    """The model's test bits/char on its worse seed: the bar must hold on every seed."""
    return lambda result: max(scores["test"][model] for scores in lyrics_last_round(result).values())


def lyrics_conditioned_gaps(result: dict) -> list[float]:
    """artist_char_lm minus char_lm bits/char on the artists with 20+ songs, one per seed."""
    return [
        scores["frequent_artists"]["artist_char_lm"] - scores["frequent_artists"]["char_lm"]
        for scores in lyrics_last_round(result).values()
    ]


def lyrics_worst_conditioned_gap(result: dict) -> float:
    """The gap on the seed where conditioning helps least: the tolerance must hold on every seed."""
    return max(lyrics_conditioned_gaps(result))


def lyrics_mean_conditioned_gap(result: dict) -> float:
    """The gap averaged over seeds: the bar wants the conditioned model no worse on average."""
    gaps = lyrics_conditioned_gaps(result)
    return sum(gaps) / len(gaps)


def lyrics_bigram(result: dict) -> float:
    """The add-one bigram's test bits/char (the same on every seed; the lowest, to be safe)."""
    return min(scores["test"]["bigram"] for scores in lyrics_last_round(result).values())


def trends_median_bar(result: dict) -> float:
    """bench/real_trends.py's bar: within 2% of `median_last_10_days` or above it."""
    return 0.98 * result["baselines"]["median_last_10_days"]["tianchi_f_ratio"]


SETLISTS_METRICS = ("report", "metrics")
SETLISTS_BASELINES = ("report", "baselines")


def setlists_figure(metric: str, readme: float, tolerance: float, minimum: float | None = None) -> Figure:
    """A next-song test metric: the README's seed-42 row, the issue's bar where it sets one, both baselines."""
    baselines = (
        ()
        if metric == "log_loss"
        else tuple(baseline_bar(name, *SETLISTS_BASELINES, name, metric) for name in ("markov_bigram", "most_frequent"))
    )
    return Figure(
        "setlists",
        metric,
        field(*SETLISTS_METRICS, metric),
        higher_is_better=metric != "log_loss",
        readme=readme,
        tolerance=tolerance,
        bars=(*(() if minimum is None else (fixed_bar(minimum),)), *baselines),
    )


# The README's figures and the bars. README sections: "setlists" (the real-data table, seed 42 = the default run,
# and the random-split sentence below it) and "trends" (the paragraph on the real aggregates). The README quotes
# no figure for lyrics, midi or audio; their rows hold the bars of bench/real_lyrics.py (bar_verdict),
# bench/real_midi.py (BAR) and bench/real_audio.py (BAR_*), and the reports' `beats_baselines`.
FIGURES: tuple[Figure, ...] = (
    setlists_figure("top1_accuracy", 0.1964, SETLISTS_ACCURACY_TOLERANCE, minimum=0.19),
    setlists_figure("top5_accuracy", 0.3072, SETLISTS_ACCURACY_TOLERANCE),
    setlists_figure("top1_song_accuracy", 0.0540, SETLISTS_ACCURACY_TOLERANCE, minimum=0.05),
    setlists_figure("log_loss", 3.668, SETLISTS_LOG_LOSS_TOLERANCE),
    Figure(
        "setlists",
        "top1_accuracy_random_split",
        field(*SETLISTS_METRICS, "top1_accuracy_random_split"),
        higher_is_better=True,
        readme=0.257,
        tolerance=SETLISTS_ACCURACY_TOLERANCE,
    ),
    Figure(
        "lyrics",
        "char_lm test bits/char, worse seed",
        lyrics_worst_test_bits("char_lm"),
        higher_is_better=False,
        bars=(Bar("bigram", lyrics_bigram, strict=True),),
    ),
    Figure(
        "lyrics",
        "artist_char_lm test bits/char, worse seed",
        lyrics_worst_test_bits("artist_char_lm"),
        higher_is_better=False,
        bars=(Bar("bigram", lyrics_bigram, strict=True),),
    ),
    Figure(
        "lyrics",
        "conditioned - unconditional bits/char (20+ songs), worse seed",
        lyrics_worst_conditioned_gap,
        higher_is_better=False,
        bars=(fixed_bar(LYRICS_CONDITIONED_GAP_BAR),),
    ),
    Figure(
        "lyrics",
        "conditioned - unconditional bits/char (20+ songs), seed mean",
        lyrics_mean_conditioned_gap,
        higher_is_better=False,
        bars=(fixed_bar(0.0),),
    ),
    Figure(
        "midi",
        "pianoroll nll_per_step",
        field("pianoroll", "report", "metrics", "nll_per_step"),
        higher_is_better=False,
        bars=(
            fixed_bar(4.0, strict=True),
            baseline_bar("key_frequency", "pianoroll", "report", "baselines", "key_frequency", "nll_per_step"),
            baseline_bar("repeat_last_frame", "pianoroll", "report", "baselines", "repeat_last_frame", "nll_per_step"),
        ),
    ),
    Figure(
        "midi",
        "pianoroll frame_accuracy",
        field("pianoroll", "report", "metrics", "frame_accuracy"),
        higher_is_better=True,
        bars=(fixed_bar(0.60, strict=True),),
    ),
    Figure(
        "midi",
        "velocity_mae",
        field("velocity", "report", "metrics", "velocity_mae"),
        higher_is_better=False,
        bars=(baseline_bar("mean_velocity", "velocity", "report", "baselines", "mean_velocity", "velocity_mae"),),
    ),
    Figure(
        "audio",
        "gtzan best test accuracy",
        field("reports", "genre_gtzan", "metrics", "accuracy"),
        higher_is_better=True,
        bars=(
            fixed_bar(0.55),
            baseline_bar("majority_class", "reports", "genre_gtzan", "baselines", "majority_class", "accuracy"),
        ),
    ),
    Figure(
        "audio",
        "feature parity, max deviation (std)",
        field("run", "checks", "feature_parity", "max_deviation_std"),
        higher_is_better=False,
        bars=(fixed_bar(0.05),),
    ),
    Figure(
        "trends",
        "LSTM tianchi_f_ratio, seed mean",
        field("lstm", "tianchi_f_ratio_mean"),
        higher_is_better=True,
        readme=0.8065,
        tolerance=TRENDS_RATIO_TOLERANCE,
        bars=(
            baseline_bar("last_value", "baselines", "last_value", "tianchi_f_ratio"),
            Bar("(0.98 x median_last_10_days)", trends_median_bar, strict=False),
        ),
    ),
)


def result_path(benchmark: str) -> Path:
    """Where a benchmark writes its default run (the setlists default seed: no `_seedN` suffix)."""
    return RESULTS / f"real_{benchmark}.json"


def log_path(benchmark: str) -> Path:
    """Beside the results, so a failed run's traceback stays with the table that marks it `missing`."""
    return RESULTS / f"real_all_{benchmark}.log"


def benchmark_command(benchmark: str, lyrics_deadline: str) -> list[str]:
    """The benchmark with its defaults, except lyrics' deadline: its own default (10:27 UTC) would stop it early."""
    command = [sys.executable, "-u", str(REPOSITORY / "bench" / f"real_{benchmark}.py")]
    return [*command, "--deadline", lyrics_deadline] if benchmark == "lyrics" else command


def run_benchmark(benchmark: str, lyrics_deadline: str, scratch: Path | None) -> dict:
    """Run one benchmark into its log; its result counts only if it exited 0 and rewrote its JSON meanwhile
    (bench/real_midi.py keeps the parts of an earlier run, so an old file must not pass for a new one)."""
    environment = dict(os.environ) if scratch is None else {**os.environ, "TMPDIR": str(scratch)}
    command = benchmark_command(benchmark, lyrics_deadline)
    print(f"{benchmark}: {' '.join(command[1:])} > {log_path(benchmark)}", flush=True)
    output = result_path(benchmark)
    written_before = output.stat().st_mtime_ns if output.exists() else None
    started = time.time()
    with open(log_path(benchmark), "wb") as log:
        completed = subprocess.run(command, cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT)
    seconds = round(time.time() - started, 1)
    print(f"{benchmark}: exit {completed.returncode} after {seconds} s", flush=True)
    rewritten = output.exists() and output.stat().st_mtime_ns != written_before
    failure = None
    if completed.returncode != 0:
        failure = f"benchmark exited {completed.returncode} (see {log_path(benchmark).name})"
    elif not rewritten:
        failure = "benchmark wrote no new result"
    return {"exit_code": completed.returncode, "seconds": seconds, "log": str(log_path(benchmark)), "failure": failure}


def read_result(path: Path) -> dict | None:
    """The benchmark's JSON, or None when there is none or it cannot be parsed (a run cut short)."""
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def read_number(reader: Callable[[dict], float], result: dict) -> float | None:
    """A figure's or a bar's value, or None when the result lacks a field it needs."""
    try:
        return reader(result)
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return None


def passes(value: float, threshold: float, higher_is_better: bool, strict: bool) -> bool:
    """Strict for baselines (a tie does not beat one), inclusive for the issues' `>=`/`<=` bars."""
    if higher_is_better:
        return value > threshold if strict else value >= threshold
    return value < threshold if strict else value <= threshold


def describe_bar(bar: Bar, higher_is_better: bool, threshold: float | None) -> str:
    """A bar as `> 0.1064 markov_bigram`: its value in this result where there is one, and what it is."""
    operator = (">" if bar.strict else ">=") if higher_is_better else ("<" if bar.strict else "<=")
    number = "" if threshold is None else f" {threshold:.4f}"
    return f"{operator}{number} {bar.label}".rstrip()


def compare(figure: Figure, result: dict | None, failure: str | None) -> Row:
    """Judge one figure: `missing` without a value, `REGRESSED` below a bar or beyond the README's tolerance."""
    thresholds = [read_number(bar.threshold, result or {}) for bar in figure.bars]  # fixed bars show without one
    bar_texts = [
        describe_bar(bar, figure.higher_is_better, threshold)
        for bar, threshold in zip(figure.bars, thresholds, strict=True)
    ]

    def row(measured: float | None, status: str, note: str) -> Row:
        return Row(figure.benchmark, figure.name, measured, figure.readme, "; ".join(bar_texts), status, note)

    if failure is not None or result is None:
        return row(None, "missing", failure or "no result file")
    value = read_number(figure.value, result)
    if value is None:
        return row(None, "missing", "no such field in the result")
    for bar, threshold, text in zip(figure.bars, thresholds, bar_texts, strict=True):
        if threshold is None:
            return row(value, "missing", f"no value for the bar {bar.label}")
        if not passes(value, threshold, figure.higher_is_better, bar.strict):
            return row(value, "REGRESSED", f"fails the bar {text}")
    if figure.readme is not None and figure.tolerance is not None:
        worse_by = figure.readme - value if figure.higher_is_better else value - figure.readme
        if worse_by > figure.tolerance:
            return row(value, "REGRESSED", f"{worse_by:.4f} worse than the README (tolerance {figure.tolerance})")
    return row(value, "ok", "")


def format_number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def format_table(rows: list[Row]) -> str:
    """The rows as a markdown table, the form the README's tables take."""
    lines = [
        "| benchmark | figure | measured | README | bar | status | note |",
        "| --- | --- | ---: | ---: | --- | --- | --- |",
    ]
    for row in rows:
        cells = (
            row.benchmark,
            row.figure,
            format_number(row.measured),
            format_number(row.readme),
            row.bar or "—",
            row.status,
            row.note,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS), help="benchmarks to run")
    parser.add_argument("--summarize-only", action="store_true", help="run nothing; judge the results already there")
    parser.add_argument("--scratch", type=Path, default=None, help="TMPDIR of the benchmarks' scratch folders")
    parser.add_argument(
        "--lyrics-deadline", default="23:59", help="UTC HH:MM, today, after which no lyrics round may end"
    )
    arguments = parser.parse_args()
    selected = [name for name in BENCHMARKS if name in arguments.only]
    runs = {}
    if not arguments.summarize_only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        for benchmark in selected:
            runs[benchmark] = run_benchmark(benchmark, arguments.lyrics_deadline, arguments.scratch)
    rows = [
        compare(figure, read_result(result_path(figure.benchmark)), runs.get(figure.benchmark, {}).get("failure"))
        for figure in FIGURES
        if figure.benchmark in selected
    ]
    print(format_table(rows))
    write_json_atomic(
        RESULTS / "real_all.json",
        {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summarize_only": arguments.summarize_only,
            "runs": runs,
            "rows": [asdict(row) for row in rows],
        },
    )
    sys.exit(0 if all(row.status == "ok" for row in rows) else 1)


if __name__ == "__main__":
    main()
