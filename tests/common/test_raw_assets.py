"""Raw-file assets on the sample data: materialize, fingerprint, and go stale when a file changes."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.common.fingerprint import RawLinkError
from assets.common.raw_assets import RAW_FILE_ASSETS
from resources import ParquetIOManager, RawDataResource


def _materialize(raw_root: str, *folders: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [RAW_FILE_ASSETS[folder] for folder in folders],
        resources={"raw_data": RawDataResource(root=raw_root), "io_manager": ParquetIOManager()},
    )


def test_raw_assets_materialize_on_the_sample_into_a_temporary_home(encore_home: Path) -> None:
    result = dg.materialize(
        list(RAW_FILE_ASSETS.values()), resources={"raw_data": RawDataResource(), "io_manager": ParquetIOManager()}
    )
    assert result.success
    for folder, assets_def in RAW_FILE_ASSETS.items():
        files = pd.read_parquet(
            encore_home / "lake" / assets_def.group_names_by_key[assets_def.key] / f"raw_{folder}_files.parquet"
        )
        assert len(files) > 0, folder
        assert files["path"].str.startswith(str(encore_home / "raw" / folder)).all()
        materialization = result.asset_materializations_for_node(f"raw_{folder}_files")[0]
        assert materialization.metadata["sample_data"].value is True


def test_data_version_changes_when_a_raw_file_changes(encore_home: Path, tmp_path: Path, sample_raw_root: Path) -> None:
    import shutil

    copy = tmp_path / "raw"
    shutil.copytree(sample_raw_root / "lyrics", copy / "lyrics")
    first = _materialize(str(copy), "lyrics").asset_materializations_for_node("raw_lyrics_files")[0]
    unchanged = _materialize(str(copy), "lyrics").asset_materializations_for_node("raw_lyrics_files")[0]
    (copy / "lyrics" / "songdata.csv").write_text("artist,song,link,text\r\n")
    changed = _materialize(str(copy), "lyrics").asset_materializations_for_node("raw_lyrics_files")[0]
    assert first.tags["dagster/data_version"] == unchanged.tags["dagster/data_version"]
    assert first.tags["dagster/data_version"] != changed.tags["dagster/data_version"]


def test_a_missing_required_folder_fails_with_the_folder_named(encore_home: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "empty" / "phish")):
        _materialize(str(tmp_path / "empty"), "phish")


def test_an_empty_required_folder_fails_clearly(encore_home: Path, tmp_path: Path) -> None:
    (tmp_path / "raw" / "tianchi").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds no"):
        _materialize(str(tmp_path / "raw"), "tianchi")


def test_an_absent_optional_source_gives_an_empty_list(encore_home: Path, tmp_path: Path) -> None:
    result = _materialize(str(tmp_path / "raw"), "gtzan")
    assert result.asset_materializations_for_node("raw_gtzan_files")[0].metadata["files"].value == 0


def test_a_symlink_leaving_the_raw_root_is_refused_and_one_inside_it_is_followed(
    encore_home: Path, tmp_path: Path, sample_raw_root: Path
) -> None:
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(sample_raw_root / "phish", raw / "phish")
    years = sorted(path.name for path in (raw / "phish").glob("*.csv"))
    (raw / "archive").mkdir()
    shutil.copy(raw / "phish" / years[0], raw / "archive" / "2099.csv")
    (raw / "phish" / "2099.csv").symlink_to(raw / "archive" / "2099.csv")  # inside the raw root: followed
    listed = _materialize(str(raw), "phish").asset_materializations_for_node("raw_phish_files")[0]
    assert listed.metadata["files"].value == len(years) + 1

    outside = tmp_path / "private" / "notes.csv"
    outside.parent.mkdir()
    outside.write_text("not raw data\n")
    (raw / "phish" / "2100.csv").symlink_to(outside)
    link = raw / "phish" / "2100.csv"
    with pytest.raises(RawLinkError, match=rf"symbolic link {link} -> {outside}, which leaves the raw root {raw}"):
        _materialize(str(raw), "phish")
    (raw / "lyrics").symlink_to(outside.parent, target_is_directory=True)  # a whole source folder elsewhere
    with pytest.raises(RawLinkError, match=rf"symbolic link {raw / 'lyrics'} -> {outside.parent}, which leaves"):
        _materialize(str(raw), "lyrics")


@pytest.mark.real_data
def test_real_data_raw_folders_are_listed(encore_home: Path, real_data_root: Path) -> None:
    result = _materialize(str(real_data_root), "phish", "nottingham", "tianchi")
    assert result.asset_materializations_for_node("raw_phish_files")[0].metadata["files"].value == 31
