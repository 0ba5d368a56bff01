"""The whole `audio` group materialized once on the sample data (FMA 72 clips, GTZAN 50 clips)."""

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.audio.classic import feature_matrix
from assets.audio.definitions import defs as audio_defs
from assets.audio.features import FEATURE_COLUMNS
from assets.common.model_registry import load_champion, read_champion, read_version
from resources import LakeResource, MlflowResource, ParquetIOManager, RawDataResource, TrainingResource
from tests.champion_checks import assert_promoting_alone_is_refused

RUN_CONFIG = {
    "ops": {
        "audio_features": {"config": {"workers": 2}},
        "audio_tfrecords": {"config": {"num_shards": 4}},
        "genre_cnn_model": {"config": {"max_epochs": 12, "patience": 3}},
        # as pipelines/sample_run_config.yaml: on the sample the model and gradient boosting tie at accuracy 1.0
        "genre_reports": {"config": {"strong_baseline_blocks": False}},
    }
}


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
                "mlflow": MlflowResource(home=str(home)),
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


def test_tfrecords_are_sharded_per_collection_and_split(materialized: tuple[dg.ExecuteInProcessResult, Path]) -> None:
    result, lake = materialized
    shards = materialization(result, "audio_tfrecords")["shards"].value
    assert shards["fma/train"]["records"] == 48 and shards["fma/train"]["shards"] == 4
    assert shards["gtzan/test"]["records"] == 10
    labels = json.loads((lake / "tfrecords" / "gtzan" / "labels.json").read_text())
    assert labels == {"genres": ["blues", "classical", "disco", "metal", "reggae"], "frames": 128, "n_mels": 64}


def test_models_are_saved_per_collection(materialized: tuple[dg.ExecuteInProcessResult, Path]) -> None:
    _, lake = materialized
    classic = pd.read_parquet(lake / "genre_classic_models.parquet")
    assert sorted(classic.groupby("collection")["model"].apply(sorted).to_dict().items()) == [
        ("fma", ["gaussian_nb", "knn", "logistic_regression", "svm"]),
        ("gtzan", ["gaussian_nb", "knn", "logistic_regression", "svm"]),
    ]
    assert all(Path(path).exists() for path in classic["path"])
    cnn = pd.read_parquet(lake / "genre_cnn_model.parquet")
    assert cnn["collection"].tolist() == ["fma", "gtzan"]
    assert all(Path(path).exists() for path in cnn["path"])
    assert (cnn["epochs_run"] <= 12).all()


def nearest_mean_accuracy(features: pd.DataFrame, collection: str) -> float:
    """Test accuracy of the nearest class mean (standardized features, fitted on train+valid): the cheap
    classifier the sample is built to reward, so a broken model cannot reach it by chance."""
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = features[features["collection"] == collection]
    fit, test = features[features["split"] != "test"], features[features["split"] == "test"]
    classifier = make_pipeline(StandardScaler(), NearestCentroid()).fit(feature_matrix(fit), fit["genre"])
    return float((classifier.predict(feature_matrix(test)) == test["genre"]).mean())


@pytest.mark.parametrize("collection", ["fma", "gtzan"])
def test_every_model_beats_the_majority_class_and_ties_the_strong_baseline(
    materialized: tuple[dg.ExecuteInProcessResult, Path], collection: str
) -> None:
    result, lake = materialized
    report = json.loads((lake / "reports" / f"genre_{collection}.json").read_text())
    majority = report["baselines"]["majority_class"]["accuracy"]
    assert set(report["models"]) == {"logistic_regression", "knn", "gaussian_nb", "svm", "cnn"}
    for name, scores in report["models"].items():
        assert scores["accuracy"] > majority, (name, scores, majority)
        assert 0.0 <= scores["macro_f1"] <= 1.0
    # The sample's genres are separable: the strong baseline ties the model at 1.0, a tie is no win, so the
    # sample run config makes it advisory and the blessing passes with the warning.
    assert report["strong_baseline"] == "gradient_boosting" and report["advisory_baselines"] == ["gradient_boosting"]
    assert report["baselines"]["gradient_boosting"]["accuracy"] == report["metrics"]["accuracy"] == 1.0
    assert report["beats_baselines"] is False
    assert report["gradient_boosting"]["hyperparameters"]["max_iter"] >= 1
    blessing = check_evaluation(result, f"genre_{collection}_blessing")
    assert blessing.passed and "does not beat baseline gradient_boosting" in blessing.metadata["warnings"].value
    nearest_mean = nearest_mean_accuracy(pd.read_parquet(lake / "audio_features.parquet"), collection)
    assert report["metrics"]["accuracy"] >= nearest_mean >= 0.5, (report["metrics"], nearest_mean)
    assert report["metrics"] == {key: report["models"][report["best_model"]][key] for key in ("accuracy", "macro_f1")}
    assert len(report["per_genre"]) == report["data"]["genres"]
    assert (lake / "reports" / f"genre_{collection}_confusion_matrix.png").read_bytes().startswith(b"\x89PNG")


def test_gtzan_report_adds_random_cv_and_parity(materialized: tuple[dg.ExecuteInProcessResult, Path]) -> None:
    _, lake = materialized
    report = json.loads((lake / "reports" / "genre_gtzan.json").read_text())
    assert 0.0 < report["cv_accuracy_random"] <= 1.0
    assert report["feature_parity"]["tracks"] == 0
    assert report["data"]["split"].startswith("by clip number")
    fma = json.loads((lake / "reports" / "genre_fma.json").read_text())
    assert "cv_accuracy_random" not in fma


@pytest.mark.parametrize("collection", ["fma", "gtzan"])
def test_first_training_promotes_the_best_model_of_each_collection(
    materialized: tuple[dg.ExecuteInProcessResult, Path], collection: str
) -> None:
    result, lake = materialized
    report = json.loads((lake / "reports" / f"genre_{collection}.json").read_text())
    champion = read_champion(lake / "models" / f"genre_{collection}")
    assert report["promoted"] is True and report["champion_before"] is None
    assert champion["version"] == report["candidate"]["version"]
    assert champion["value"] == report["metrics"]["accuracy"]
    version = read_version(lake / "models" / f"genre_{collection}" / champion["version"])
    assert version.config["model"] == report["best_model"]
    assert version.metrics["valid_accuracy"] == report["models"][report["best_model"]]["valid_accuracy"]
    assert check_evaluation(result, f"genre_{collection}_blessing").passed


def test_load_champion_returns_a_usable_gtzan_model(materialized: tuple[dg.ExecuteInProcessResult, Path]) -> None:
    _, lake = materialized
    model, version = load_champion("audio", "genre_gtzan", home=str(lake.parent.parent))
    test = pd.read_parquet(lake / "audio_features.parquet").query("collection == 'gtzan' and split == 'test'")
    assert version.task == "genre_gtzan"
    if version.model_file.endswith(".joblib"):
        predicted = model.predict(feature_matrix(test))
        assert set(predicted) <= set(version.config["genres"]) and len(predicted) == len(test)
    else:
        assert model.output_shape[-1] == len(version.config["genres"])


def test_a_weak_retrain_is_not_promoted_and_the_champion_is_unchanged(
    materialized: tuple[dg.ExecuteInProcessResult, Path],
) -> None:
    _, lake = materialized
    before = {name: read_champion(lake / "models" / f"genre_{name}") for name in ("fma", "gtzan")}
    home = lake.parent.parent
    instance = dg.DagsterInstance.ephemeral()
    weak = dg.materialize(
        [*audio_defs.assets, *audio_defs.asset_checks],
        selection=[
            "genre_classic_models",
            "genre_cnn_model",
            "genre_model",
            "genre_reports",
            "genre_fma_champion",
            "genre_gtzan_champion",
        ],
        resources={
            "io_manager": ParquetIOManager(home=str(home)),
            "lake": LakeResource(home=str(home)),
            "raw_data": RawDataResource(home=str(home)),
            "training": TrainingResource(home=str(home), device="cpu"),
            "mlflow": MlflowResource(home=str(home)),
        },
        run_config={
            "ops": {
                "genre_classic_models": {"config": {"models": []}},
                "genre_cnn_model": {"config": {"filters": [2], "max_epochs": 1, "learning_rate": 1e-4}},
            }
        },
        instance=instance,
        raise_on_error=False,
    )
    assert not weak.success
    blessings = {evaluation.check_name: evaluation for evaluation in weak.get_asset_check_evaluations()}
    assert not any(evaluation.passed for evaluation in blessings.values())
    for evaluation in blessings.values():
        assert evaluation.metadata["reasons"].value != "blessed"
    for name in ("fma", "gtzan"):
        assert read_champion(lake / "models" / f"genre_{name}") == before[name]
        report = json.loads((lake / "reports" / f"genre_{name}.json").read_text())
        assert report["promoted"] is False and report["best_model"] == "cnn"
        assert report["champion_before"]["version"] == before[name]["version"]
        assert report["champion_before"]["metrics"]["accuracy"] == before[name]["value"]
        assert_promoting_alone_is_refused(
            [*audio_defs.assets, *audio_defs.asset_checks], f"genre_{name}", home, instance
        )
