import json
from pathlib import Path

import pytest

from assets.common.model_registry import (
    ChampionPointerError,
    NoChampionError,
    bless,
    champion_version,
    list_versions,
    promote,
    prune,
    read_champion,
    write_version,
)


def _save(text: str):
    def save(folder: Path) -> str:
        (folder / "model.txt").write_text(text)
        return "model.txt"

    return save


def _version(task_dir: Path, text: str = "weights", accuracy: float = 0.5):
    return write_version(
        task_dir,
        "next_song",
        _save(text),
        config={"units": 8},
        data_version="d1",
        code_version="c1",
        metrics={"top1_accuracy": accuracy},
    )


def test_versions_are_written_whole_and_listed_oldest_first(tmp_path: Path) -> None:
    first, second = _version(tmp_path, "a"), _version(tmp_path, "b")
    assert [version.version for version in list_versions(tmp_path)] == [first.version, second.version]
    assert second.model_path.read_text() == "b"
    assert json.loads((Path(first.path) / "version.json").read_text())["config"] == {"units": 8}


def test_a_crash_while_saving_leaves_no_version(tmp_path: Path) -> None:
    def crash(folder: Path) -> str:
        (folder / "model.txt").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_version(tmp_path, "t", crash, config={}, data_version="", code_version="")
    assert list_versions(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("candidate", "champion", "higher", "passed"),
    [
        (0.30, None, True, True),  # first model: only the baselines count
        (0.15, None, True, False),  # loses to a baseline
        (0.30, 0.305, True, True),  # within tolerance of the champion
        (0.30, 0.40, True, False),  # clearly worse than the champion
        (2.0, 2.005, False, True),  # lower is better, within tolerance
        (2.5, 2.0, False, False),
    ],
)
def test_blessing(candidate: float, champion: float | None, higher: bool, passed: bool) -> None:
    baselines = {"most_frequent": 0.2} if higher else {"unigram": 4.0}
    decision = bless(candidate, champion, baselines, higher_is_better=higher, tolerance=0.01)
    assert decision.passed is passed
    assert bool(decision.reasons) is not passed


def test_promotion_points_at_the_version_and_pruning_keeps_the_champion(tmp_path: Path) -> None:
    versions = [_version(tmp_path, str(index)) for index in range(6)]
    promote(tmp_path, versions[0], "top1_accuracy", 0.5, run_id="r1")
    deleted = prune(tmp_path, keep=2)
    remaining = [version.version for version in list_versions(tmp_path)]
    assert versions[0].version in remaining
    assert remaining == [versions[0].version, versions[4].version, versions[5].version]
    assert len(deleted) == 3
    assert champion_version(tmp_path, "next_song").model_path.read_text() == "0"
    assert read_champion(tmp_path)["run_id"] == "r1"


def test_no_champion_is_a_clear_error_naming_the_task(tmp_path: Path) -> None:
    with pytest.raises(NoChampionError, match="'pianoroll' has no champion"):
        champion_version(tmp_path, "pianoroll")


def test_load_champion_names_the_task_when_there_is_none(encore_home: Path) -> None:
    from assets.common.model_registry import load_champion

    with pytest.raises(NoChampionError, match="'forecast'"):
        load_champion("trends", "forecast")


@pytest.mark.parametrize(
    ("pointer", "problem"),
    [
        ('{"version": "2026', "is not valid JSON"),  # a write torn by a crash on a filesystem without rename
        (b"\xff\xfe binary", "is not valid JSON"),
        ('["not", "an", "object"]', 'has no "version" field'),
        ('{"value": 0.5}', 'has no "version" field'),
        ('{"version": "20200101T000000-gone"}', "names version '20200101T000000-gone', which is not in"),
    ],
)
def test_a_corrupt_or_dangling_champion_pointer_names_the_task_and_the_repair(
    tmp_path: Path, pointer: str | bytes, problem: str
) -> None:
    task_dir = tmp_path / "next_song"
    promote(task_dir, _version(task_dir), "top1_accuracy", 0.5, run_id="r1")
    pointer_file = task_dir / "champion.json"
    pointer_file.write_bytes(pointer if isinstance(pointer, bytes) else pointer.encode())
    for read in (lambda: read_champion(task_dir), lambda: champion_version(task_dir, "next_song")):
        with pytest.raises(ChampionPointerError) as raised:
            read()
        message = str(raised.value)
        assert message.startswith(f"task 'next_song': the champion pointer {pointer_file} {problem}")
        assert "get_model_version_by_alias('next_song', 'champion')" in message
        assert "materialize `next_song_champion`" in message


def test_two_versions_of_one_moment_get_two_ids_that_sort_by_time() -> None:
    from datetime import UTC, datetime

    from assets.common.model_registry import new_version_id

    moment = datetime(2026, 11, 28, 10, 15, tzinfo=UTC)
    first, second = new_version_id(moment), new_version_id(moment)
    assert first != second and first[:-5] == second[:-5] == "20261128T101500000000Z"
    assert new_version_id(datetime(2026, 11, 28, 10, 16, tzinfo=UTC)) > max(first, second)
