"""The genre champion helpers: candidate registration and stale reports of an absent collection."""

from pathlib import Path

import pytest

from assets.audio.champion import register_candidate
from assets.audio.report_assets import remove_stale_report
from assets.common.model_registry import list_versions
from resources import LakeResource


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
    assert remove_stale_report(lake, "fma") == 3
    assert sorted(path.name for path in reports.iterdir()) == ["genre_gtzan.json"]
