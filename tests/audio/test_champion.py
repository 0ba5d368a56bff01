"""The genre champion helpers: candidate registration, and the blessing of an absent or model-less collection."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.audio.champion import register_candidate
from assets.audio.definitions import CHAMPION_TASKS
from assets.audio.report_assets import genre_reports
from assets.common.champions import Judgement, judge
from assets.common.model_registry import list_versions
from assets.common.reports import write_no_candidate
from resources import LakeResource, MlflowResource, TrainingResource


def test_register_candidate_copies_the_chosen_model_into_a_version(tmp_path: Path) -> None:
    source = tmp_path / "svm.joblib"
    source.write_bytes(b"model")
    version = register_candidate(tmp_path / "genre_gtzan", "gtzan", "svm", source, {"C": 1.0}, ["a", "b"], 0.8, "d1")
    assert version.model_path.read_bytes() == b"model" and version.model_file == "model.joblib"
    assert version.config == {"model": "svm", "kind": "sklearn", "hyperparameters": {"C": 1.0}, "genres": ["a", "b"]}
    assert version.metrics == {"valid_accuracy": 0.8} and version.data_version == "d1"
    assert [saved.version for saved in list_versions(tmp_path / "genre_gtzan")] == [version.version]


def test_register_candidate_without_a_saved_model_names_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'cnn' has no saved file"):
        register_candidate(tmp_path, "fma", "cnn", tmp_path / "missing.keras", {}, [], 0.5, "d")


def test_an_absent_collection_loses_its_stale_report_only(encore_home: Path) -> None:
    lake = LakeResource()
    reports = lake.reports_dir("audio")
    reports.mkdir(parents=True, exist_ok=True)
    for name in ("genre_fma.json", "genre_fma.md", "genre_fma_confusion_matrix.png", "genre_gtzan.json"):
        (reports / name).write_text("{}")
    assert write_no_candidate(reports, "genre_fma", "fma absent", input_present=False) == 3
    assert sorted(path.name for path in reports.iterdir()) == ["genre_fma.no_candidate.json", "genre_gtzan.json"]


def _blessing(name: str, instance: dg.DagsterInstance) -> Judgement:
    """What the blessing check `name` (and its champion) decide, from the report's latest materialization."""
    (spec,) = [spec for spec in CHAMPION_TASKS if spec.blessing_name == name]
    return judge(spec, LakeResource(), instance, run_id="")


def test_a_present_collection_without_a_model_fails_its_blessing_and_an_absent_one_passes(encore_home: Path) -> None:
    features = pd.DataFrame({"collection": ["fma"] * 3, "split": ["train"] * 3, "genre": ["Rock", "Folk", "Rock"]})
    no_models = pd.DataFrame(columns=["collection", "model", "path", "hyperparameters", "valid_accuracy"])
    result = genre_reports(
        context=dg.build_asset_context(),
        lake=LakeResource(),
        training=TrainingResource(device="cpu"),
        mlflow=MlflowResource(),
        audio_features=features,
        genre_classic_models=no_models,
        genre_cnn_model=pd.DataFrame(columns=["collection", "path"]),
        raw_gtzan_files=pd.DataFrame(columns=["path"]),
    )
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetMaterialization("genre_reports", metadata=result.metadata))
    fma = _blessing("genre_fma_blessing", instance)
    assert not fma.passed
    assert fma.metadata["reasons"] == (
        "no genre_fma candidate: fma: 3 tracks with features, but no model was trained (no train and valid split)"
    )
    gtzan = _blessing("genre_gtzan_blessing", instance)
    assert gtzan.passed and gtzan.metadata["reasons"] == "input data absent"
    (LakeResource().reports_dir("audio") / "genre_gtzan.no_candidate.json").unlink()
    assert not _blessing("genre_gtzan_blessing", instance).passed  # neither a candidate nor a recorded reason
