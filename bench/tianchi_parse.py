"""Tianchi user actions at the real season-1 scale: the whole-file parser against the streamed one.

    .venv/bin/python bench/tianchi_parse.py [--scratch DIR] [--rows 5650000] [--chunk-bytes 8388608]

Writes a header-less `mars_tianchi_user_actions.csv` (and a songs file) with the competition's layout into
`--scratch` (default: a temporary folder, removed afterwards; never the repository): 32-hex user and song ids,
`gmt_create` in unix seconds at hour precision, action types in the shares of the competition's data (85.1 %
plays, 14.0 % downloads, 1.0 % collects), `Ds` the Beijing date of `gmt_create` over 2015-03-01 .. 2015-08-30,
rows sorted by time. Season 1 had about 5.65 M actions (PROVENANCE.md of the real data); the distinct users
(350,000) and songs (10,000) are estimates, as the raw tables are not here.

Each parser runs in a fresh child process (`--child`), alone: wall time of the parse, peak resident memory
of that process (`VmHWM` of /proc/self/status, taken before anything else is computed; `ru_maxrss` where there
is no /proc, but on Linux it also counts the parent's memory at the fork), the output's own size in memory, and
a digest of the output values, which must be equal for the two. A child that only imports the parsers gives
the interpreter's share of the peak. Prints a table; `--output` keeps the numbers as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

SEASON_ONE_ACTIONS = 5_650_000
USERS = 350_000
SONGS = 10_000
ARTISTS = 50
ACTION_SHARES = (0.851, 0.140, 0.009)  # plays, downloads, collects: 13.52 M / 2.22 M / 0.15 M in p2
DAY_ZERO_EPOCH = 1_425_139_200  # 2015-03-01 00:00 in Beijing time (UTC+8)
DAYS = 183
BLOCK_ROWS = 1_000_000
MODES = ("imports only", "whole file (before)", "streamed (now)")

Row = tuple[str, float, str]


def _hex_ids(kind: str, count: int) -> np.ndarray:
    """`count` 32-hex ids as a (count, 32) array of ASCII bytes."""
    digests = b"".join(hashlib.md5(f"bench-{kind}-{number}".encode()).hexdigest().encode() for number in range(count))
    return np.frombuffer(digests, dtype=np.uint8).reshape(count, 32)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def write_actions(folder: Path, rows: int, seed: int = 7) -> list[Path]:
    """The actions file (88 bytes a row, fixed width) and a songs file, written a block of rows at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    users, songs = _hex_ids("user", USERS), _hex_ids("song", SONGS)
    day_text = np.array(
        [
            list(np.datetime_as_string(np.datetime64("2015-03-01") + day).replace("-", "").encode())
            for day in range(DAYS)
        ],
        dtype=np.uint8,
    )
    hours = np.sort(rng.integers(0, DAYS * 24, size=rows))
    actions_path = folder / "mars_tianchi_user_actions.csv"
    with actions_path.open("wb") as file:
        for start in range(0, rows, BLOCK_ROWS):
            block = hours[start : start + BLOCK_ROWS]
            count = len(block)
            line = np.full((count, 88), ord(","), dtype=np.uint8)
            line[:, 0:32] = users[(rng.random(count) ** 3 * USERS).astype(np.int64)]  # a few heavy listeners
            line[:, 33:65] = songs[(rng.random(count) ** 2 * SONGS).astype(np.int64)]
            line[:, 66:76] = _digits(DAY_ZERO_EPOCH + block * 3600, 10)
            line[:, 77] = ord("1") + rng.choice(3, size=count, p=ACTION_SHARES)
            line[:, 79:87] = day_text[block // 24]
            line[:, 87] = ord("\n")
            file.write(line.tobytes())
    song_lines = [
        f"{songs[number].tobytes().decode()},{hashlib.md5(f'bench-artist-{number % ARTISTS}'.encode()).hexdigest()},"
        f"2014{1 + number % 12:02d}{1 + number % 28:02d},{number % 1000},{(1, 2, 3, 4)[number % 4]},{1 + number % 3}\n"
        for number in range(SONGS)
    ]
    songs_path = folder / "mars_tianchi_songs.csv"
    songs_path.write_text("".join(song_lines))
    return [actions_path, songs_path]


def _digest(frame: pd.DataFrame) -> str:
    """A digest of the values, the same for both parsers' types (categories and str, date32 and dates)."""
    digest = hashlib.sha256()
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind in "iu":
            digest.update(np.asarray(values, dtype=np.int64).tobytes())
        else:
            digest.update(pd.util.hash_array(np.asarray(values.astype(str), dtype=object)).tobytes())
    return digest.hexdigest()


def peak_megabytes() -> float:
    """This process's peak resident memory: VmHWM (this program only, reset by exec) or else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, paths: list[Path], chunk_bytes: int) -> dict:
    """Run one parser in this process and report on it (the peak before the digest is computed)."""
    from assets.trends.parse import parse_tianchi_files
    from tests.trends import tianchi_reference

    started = time.perf_counter()
    if mode == MODES[0]:
        return {"seconds": 0.0, "peak_mb": peak_megabytes()}
    if mode == MODES[1]:
        tables = tianchi_reference.parse_tianchi_files(paths)
    else:
        tables = parse_tianchi_files(paths, chunk_bytes=chunk_bytes)
    seconds = time.perf_counter() - started
    peak_mb = peak_megabytes()
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "rows": len(tables.user_actions),
        "quarantined": len(tables.bad_records),
        "output_mb": (tables.user_actions.memory_usage(deep=True).sum() + tables.songs.memory_usage(deep=True).sum())
        / 1e6,
        "digest": _digest(tables.user_actions) + _digest(tables.songs),
    }


def _run_child(mode: str, paths: list[Path], chunk_bytes: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--chunk-bytes", str(chunk_bytes), *map(str, paths)]
    completed = subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout)


def measure(scratch: Path, rows: int = SEASON_ONE_ACTIONS, chunk_bytes: int = 8 << 20) -> list[Row]:
    """Generate the files under `scratch`, parse them both ways in child processes; rows for bench/run.py."""
    started = time.perf_counter()
    paths = write_actions(scratch, rows)
    generation = time.perf_counter() - started
    megabytes = paths[0].stat().st_size / 1e6
    results = {mode: _run_child(mode, paths, chunk_bytes) for mode in MODES}
    before, now = results[MODES[1]], results[MODES[2]]
    if before["digest"] != now["digest"] or not before["rows"] == now["rows"] == rows:
        raise RuntimeError(f"the two parsers disagree: {before} against {now}")
    table: list[Row] = [(f"tianchi: generate {rows:,} actions ({megabytes:.0f} MB)", generation, "s")]
    for mode, result in results.items():
        if mode != MODES[0]:
            table.append((f"tianchi parse, {mode}: wall time", result["seconds"], "s"))
        table.append((f"tianchi parse, {mode}: peak memory of the process", result["peak_mb"], "MB"))
        if mode != MODES[0]:
            table.append((f"tianchi parse, {mode}: output tables in memory", result["output_mb"], "MB"))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", type=Path, help="folder for the generated files (default: a temporary one)")
    parser.add_argument("--rows", type=int, default=SEASON_ONE_ACTIONS, help="user actions to generate")
    parser.add_argument("--chunk-bytes", type=int, default=8 << 20, help="the streamed parser's chunk size")
    parser.add_argument("--output", type=Path, help="write the rows as JSON here too")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(child(arguments.child, arguments.paths, arguments.chunk_bytes)))
        return
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=arguments.scratch) as scratch:
        rows = measure(Path(scratch), arguments.rows, arguments.chunk_bytes)
    rows = [("load average (1 min) at start", load_start, "runnable"), *rows]
    rows.append(("load average (1 min) at end", os.getloadavg()[0], "runnable"))
    width = max(len(name) for name, _, _ in rows)
    print(f"{'benchmark':<{width}}  {'value':>10}  unit")
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:>10.2f}  {unit}")
    if arguments.output:
        results = {"rows": [{"benchmark": name, "value": round(value, 4), "unit": unit} for name, value, unit in rows]}
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
