from pathlib import Path

import pandas as pd
import pytest

from assets.common.atomic import atomic_directory, atomic_path, write_parquet_atomic


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
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shards"]


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
