"""The genre task: the candidate chosen among the contenders; the blessing of an absent or model-less collection."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.audio.champion import choose_on_valid, contender_table, trained_choice
from assets.audio.definitions import CHAMPION_TASKS
from assets.audio.report_assets import genre_reports
from assets.audio.spectrograms import write_labels
from assets.common.champions import Judgement, judge
from assets.common.model_registry import list_versions, write_version
from assets.common.reports import write_no_candidate
from resources import LakeResource, TrainingResource


def _contenders() -> tuple[pd.DataFrame, pd.DataFrame]:
    classic = pd.DataFrame(
        {
            "collection": ["gtzan", "gtzan", "fma"],
            "model": ["logistic_regression", "svm", "svm"],
            "path": ["lr.joblib", "svm.joblib", "fma_svm.joblib"],
            "hyperparameters": ['{"C": 0.1}', '{"C": 1.0}', '{"C": 3.0}'],
            "valid_accuracy": [0.7, 0.8, 0.9],
        }
    )
    cnn = pd.DataFrame(
        {
            "collection": ["gtzan"],
            "path": ["model.keras"],
            "hyperparameters": ['{"filters": [2]}'],
            "valid_accuracy": [0.8],
            "history": ['{"": {"val_loss": [1.0, 0.5]}}'],
        }
    )
    return classic, cnn


def test_the_contender_with_the_best_valid_accuracy_is_chosen_and_the_first_listed_wins_a_tie() -> None:
    classic, cnn = _contenders()
    contenders = contender_table(classic, cnn, "gtzan", ["logistic_regression", "svm", "cnn"])
    assert contenders["model"].tolist() == ["logistic_regression", "svm", "cnn"]
    assert choose_on_valid(contenders)["model"] == "svm"  # ties with the CNN, listed first
    assert choose_on_valid(contender_table(classic, cnn, "gtzan", ["cnn", "logistic_regression"]))["model"] == "cnn"


def test_the_chosen_contender_is_copied_into_a_version_with_its_choice_and_curves(tmp_path: Path) -> None:
    classic, cnn = _contenders()
    (tmp_path / "svm.joblib").write_bytes(b"model")
    chosen = choose_on_valid(contender_table(classic.assign(path=str(tmp_path / "svm.joblib")), cnn, "gtzan", ["svm"]))
    trained = trained_choice(chosen, tmp_path / "shards", ["a", "b"])
    version = write_version(
        tmp_path / "genre_gtzan", "genre_gtzan", trained.save, config=trained.config, data_version="d", code_version="c"
    )
    assert version.model_path.read_bytes() == b"model" and version.model_file == "model.joblib"
    assert version.config == {"model": "svm", "kind": "sklearn", "hyperparameters": {"C": 1.0}, "genres": ["a", "b"]}
    assert trained.metrics == {"valid_accuracy": 0.8} and trained.histories == {}
    assert [saved.version for saved in list_versions(tmp_path / "genre_gtzan")] == [version.version]
    write_labels(tmp_path / "shards", ["blues", "rock"], frames=8, n_mels=4)
    network = trained_choice(choose_on_valid(contender_table(classic, cnn, "gtzan", ["cnn"])), tmp_path / "shards", [])
    assert network.config["kind"] == "keras" and network.config["genres"] == ["blues", "rock"]
    assert network.histories == {"": {"val_loss": [1.0, 0.5]}}


def test_a_chosen_model_without_its_file_names_the_file(tmp_path: Path) -> None:
    classic, cnn = _contenders()
    chosen = choose_on_valid(contender_table(classic.assign(path=str(tmp_path / "gone.joblib")), cnn, "fma", ["svm"]))
    with pytest.raises(ValueError, match=r"no saved file at .*gone\.joblib"):
        trained_choice(chosen, tmp_path, ["a"]).save(tmp_path)


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
        audio_features=features,
        genre_classic_models=no_models,
        genre_cnn_model=pd.DataFrame(columns=["collection", "path"]),
        genre_model=pd.DataFrame(columns=["collection", "version", "model"]),
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
