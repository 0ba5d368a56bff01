"""The whole setlists group materialized on the sample data with tiny training configs."""

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.setlists.definitions import SETLISTS_ASSETS, SETLISTS_CHECKS
from resources import LakeResource, ParquetIOManager, RawDataResource, TrainingResource

RUN_CONFIG = {"ops": {}}


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dg.ExecuteInProcessResult, Path]:
    home = tmp_path_factory.mktemp("encore")
    result = dg.materialize(
        [*SETLISTS_ASSETS, *SETLISTS_CHECKS],
        resources={
            "io_manager": ParquetIOManager(home=str(home)),
            "lake": LakeResource(home=str(home)),
            "raw_data": RawDataResource(home=str(home)),
            "training": TrainingResource(home=str(home), device="cpu"),
        },
        run_config=RUN_CONFIG,
    )
    return result, home / "lake" / "setlists"


def test_the_group_materializes_and_the_check_passes(materialized: tuple) -> None:
    result, _ = materialized
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert [(check.check_name, check.passed) for check in checks] == [("clean_setlists_is_valid", True)]


def test_clean_setlists_removes_duplicates_and_keys_two_show_dates(materialized: tuple) -> None:
    result, lake = materialized
    clean = pd.read_parquet(lake / "clean_setlists.parquet")
    metadata = result.asset_materializations_for_node("clean_setlists")[0].metadata
    assert metadata["duplicates_removed"].value > 0
    assert metadata["quarantined_records"].value == 0
    assert metadata["shows"].value == clean["show_id"].nunique() == 310
    shows_per_date = clean.groupby("showdate")["show_id"].nunique()
    assert (shows_per_date == 2).sum() == 2
    assert not clean["title"].str.contains("’").any()


def test_sequences_split_by_date_and_markers(materialized: tuple) -> None:
    _, lake = materialized
    sequences = pd.read_parquet(lake / "song_sequences.parquet")
    shows = sequences.drop_duplicates("show_number")
    assert shows["split"].value_counts().to_dict() == {"train": 217, "test": 62, "valid": 31}
    assert shows.groupby("split")["showdate"].max()["train"] < shows.groupby("split")["showdate"].min()["valid"]
    markers = sequences.loc[sequences["kind"] == "marker", "token"]
    assert set(markers) == {"<set>", "<encore>", "<end>"}
    late_debuts = sequences[(sequences["token"] == "Blaze On")]
    assert (late_debuts["token_id"] == 1).all()


def test_tfrecords_hold_one_example_per_target(materialized: tuple) -> None:
    _, lake = materialized
    index = pd.read_parquet(lake / "setlist_tfrecords.parquet")
    sequences = pd.read_parquet(lake / "song_sequences.parquet")
    counts = sequences["split"].value_counts()
    records = dict(zip(index["split"], index["records"], strict=True))
    assert records == {"train": counts["train"] - 1, "valid": counts["valid"], "test": counts["test"]}
    manifest = json.loads((lake / "tfrecords" / "test" / "_manifest.json").read_text())
    assert manifest["records"] == counts["test"]
