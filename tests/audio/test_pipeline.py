"""The whole `audio` group materialized once on the sample data (FMA 72 clips, GTZAN 50 clips)."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.audio.definitions import defs as audio_defs
from assets.audio.features import FEATURE_COLUMNS
from resources import LakeResource, ParquetIOManager, RawDataResource, TrainingResource

RUN_CONFIG = {"ops": {"audio_features": {"config": {"workers": 2}}}}


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dg.ExecuteInProcessResult, Path]]:
    home = tmp_path_factory.mktemp("audio_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENCORE_HOME", str(home))
        patch.delenv("ENCORE_RAW_ROOT", raising=False)
        result = dg.materialize(
            [*audio_defs.assets, *audio_defs.asset_checks],
            resources={
                "io_manager": ParquetIOManager(home=str(home)),
                "lake": LakeResource(home=str(home)),
                "raw_data": RawDataResource(home=str(home)),
                "training": TrainingResource(home=str(home), device="cpu"),
            },
            run_config=RUN_CONFIG,
        )
        yield result, home / "lake" / "audio"


def materialization(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    events = result.asset_materializations_for_node(asset)
    assert events, f"{asset} was not materialized"
    return events[-1].metadata


def check_evaluation(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    evaluations = [evaluation for evaluation in result.get_asset_check_evaluations() if evaluation.check_name == name]
    assert len(evaluations) == 1, name
    return evaluations[0]


def test_run_succeeds(materialized: tuple[dg.ExecuteInProcessResult, Path]) -> None:
    result, _ = materialized
    assert result.success


def test_clean_tracks_hold_both_collections_with_their_splits(
    materialized: tuple[dg.ExecuteInProcessResult, Path],
) -> None:
    result, lake = materialized
    tracks = pd.read_parquet(lake / "clean_tracks.parquet")
    counts = tracks.groupby(["collection", "split"]).size().to_dict()
    assert counts == {
        ("fma", "test"): 12, ("fma", "train"): 48, ("fma", "valid"): 12,
        ("gtzan", "test"): 10, ("gtzan", "train"): 30, ("gtzan", "valid"): 10,
    }  # fmt: skip
    assert tracks["audio_path"].notna().all()
    assert tracks["duration_seconds"].round(1).eq(4.0).all()
    assert materialization(result, "clean_tracks")["quarantined_records"].value == 0
    assert check_evaluation(result, "clean_tracks_valid").passed


def test_audio_features_cover_every_clip(materialized: tuple[dg.ExecuteInProcessResult, Path]) -> None:
    result, lake = materialized
    features = pd.read_parquet(lake / "audio_features.parquet")
    assert len(features) == 122
    assert set(FEATURE_COLUMNS) <= set(features.columns)
    assert features["feature_source"].eq("audio").all()
    assert features[list(FEATURE_COLUMNS)].notna().all().all()
    metadata = materialization(result, "audio_features")
    assert metadata["workers"].value == 2
    assert metadata["quarantined_records"].value == 0
    parity = check_evaluation(result, "feature_parity")
    assert parity.passed and parity.metadata["tracks"].value == 0  # the sample ships no feature table
