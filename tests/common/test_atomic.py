import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from assets.common.atomic import atomic_directory, atomic_path, exchange_paths, write_parquet_atomic


def test_atomic_path_leaves_nothing_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "out" / "table.parquet"
    with pytest.raises(RuntimeError, match="crash"), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("crash")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_path_keeps_the_old_file_until_the_new_one_is_complete(tmp_path: Path) -> None:
    target = tmp_path / "table.parquet"
    write_parquet_atomic(pd.DataFrame({"a": [1]}), target)
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"garbage")
        raise RuntimeError("crash")
    assert pd.read_parquet(target)["a"].tolist() == [1]


def test_atomic_directory_swaps_whole_folders(tmp_path: Path) -> None:
    target = tmp_path / "shards"
    with atomic_directory(target) as staging:
        (staging / "a").write_text("old")
    with pytest.raises(ValueError), atomic_directory(target) as staging:
        (staging / "b").write_text("new")
        raise ValueError("crash mid-write")
    assert sorted(path.name for path in target.iterdir()) == ["a"]
    with atomic_directory(target) as staging:
        (staging / "b").write_text("new")
    assert sorted(path.name for path in target.iterdir()) == ["b"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [".atomic-commit.lock", "shards"]


def test_an_atomic_write_flushes_the_file_and_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from assets.common import atomic

    flushed: list[str] = []
    real_fsync_path = atomic.fsync_path

    def recording_fsync(path: Path) -> None:
        flushed.append(Path(path).name)
        real_fsync_path(path)

    monkeypatch.setattr(atomic, "fsync_path", recording_fsync)
    atomic.write_json_atomic(tmp_path / "pointer.json", {"version": "v1"})
    assert flushed[0].startswith(".pointer.json.tmp-") and flushed[1:] == [tmp_path.name]
    assert os.listdir(tmp_path) == ["pointer.json"]


def _commit_folders(final: str, writer: int, commits: int) -> None:
    for commit in range(commits):
        with atomic_directory(Path(final)) as folder:
            for part in range(3):  # a reader must find all three files of one writer's commit
                (folder / f"part-{part}.txt").write_text(f"{writer}:{commit}")


def test_two_processes_replacing_one_folder_both_succeed_and_it_is_never_missing(tmp_path: Path) -> None:
    final = tmp_path / "shards"
    _commit_folders(str(final), writer=0, commits=1)
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_commit_folders, args=(str(final), writer, 25)) for writer in (1, 2)]
    for process in writers:
        process.start()
    checks = 0
    while any(process.is_alive() for process in writers):
        assert final.is_dir()  # exchanged in one step: no moment between moving the old one aside and the new in
        checks += 1
    assert [process.exitcode for process in writers] == [0, 0]  # before: "Directory not empty" for one of them
    assert checks > 0
    assert len({path.read_text() for path in final.iterdir()}) == 1  # the three files of one commit
    assert sorted(path.name for path in tmp_path.iterdir()) == [".atomic-commit.lock", "shards"]  # no leftovers


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from_a").touch()
    assert exchange_paths(tmp_path / "a", tmp_path / "b")
    assert [path.name for path in (tmp_path / "b").iterdir()] == ["from_a"]
    assert list((tmp_path / "a").iterdir()) == []


def test_a_folder_written_without_replace_never_replaces_an_existing_one(tmp_path: Path) -> None:
    target = tmp_path / "20261128T101500000000Z"
    with atomic_directory(target, replace=False) as staging:
        (staging / "model.keras").write_text("first")
    with pytest.raises(FileExistsError, match="already exists"), atomic_directory(target, replace=False) as staging:
        (staging / "model.keras").write_text("second")
    assert (target / "model.keras").read_text() == "first"
    assert sorted(path.name for path in tmp_path.iterdir()) == [".atomic-commit.lock", target.name]
