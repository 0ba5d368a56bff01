"""A model file is loaded only when its SHA-256 is the one recorded when Encore wrote it."""

from pathlib import Path

import joblib
import pytest
from packaging.version import Version

from assets.common.model_files import (
    ModelFileIntegrityError,
    load_joblib,
    load_keras_model,
    record_sha256,
    recorded_sha256,
    sha256_of,
)
from assets.common.model_registry import read_version, write_version

keras = pytest.importorskip("keras")


def _tiny_model() -> object:
    inputs = keras.Input(shape=(2,))
    return keras.Model(inputs, keras.layers.Dense(1)(inputs))


def _save_keras(folder: Path) -> str:
    _tiny_model().save(folder / "model.keras")
    (folder / "vocabulary.json").write_text("[]")
    return "model.keras"


def test_a_version_records_every_file_hash_and_loads_only_while_they_match(tmp_path: Path) -> None:
    version = write_version(tmp_path, "toy", _save_keras, config={}, data_version="d", code_version="c")
    assert version.files == read_version(Path(version.path)).files
    assert set(version.files) == {"model.keras", "vocabulary.json"}
    assert version.files["model.keras"] == sha256_of(version.model_path)
    assert load_keras_model(version.model_path).output_shape == (None, 1)
    with open(version.model_path, "ab") as stream:  # a byte appended after the version was written
        stream.write(b"\0")
    with pytest.raises(ModelFileIntegrityError, match=r"model\.keras: SHA-256 .* differs from the recorded"):
        load_keras_model(version.model_path)


def test_a_file_saved_outside_a_version_is_checked_against_its_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "svm.joblib"
    joblib.dump({"C": 1.0}, path)
    record_sha256(path)
    assert recorded_sha256(path) == sha256_of(path)
    assert load_joblib(path) == {"C": 1.0}
    joblib.dump({"C": 2.0}, path)  # replaced by someone else: the pickle would run whatever it holds
    with pytest.raises(ModelFileIntegrityError, match="differs from the recorded"):
        load_joblib(path)


def test_a_model_file_without_a_recorded_hash_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    _tiny_model().save(path)
    with pytest.raises(ModelFileIntegrityError, match=r"model\.keras: no SHA-256 was recorded"):
        load_keras_model(path)
    joblib.dump([1], tmp_path / "a.joblib")
    with pytest.raises(ModelFileIntegrityError, match="no SHA-256 was recorded"):
        load_joblib(tmp_path / "a.joblib")


def test_an_explicit_expected_hash_wins_over_the_files_beside_it(tmp_path: Path) -> None:
    version = write_version(tmp_path, "toy", _save_keras, config={}, data_version="d", code_version="c")
    with pytest.raises(ModelFileIntegrityError, match="differs"):
        load_keras_model(version.model_path, expected="0" * 64)


def test_the_installed_keras_has_no_known_safe_mode_bypass() -> None:
    # 3.14 closes CVE-2025-1550, CVE-2025-8747, CVE-2025-9906 and CVE-2026-1462 (pyproject.toml requires it).
    assert Version(keras.__version__) >= Version("3.14")


def test_a_model_in_a_subfolder_of_its_version_is_checked_by_its_relative_path(tmp_path: Path) -> None:
    def save(folder: Path) -> str:
        (folder / "production").mkdir()
        _tiny_model().save(folder / "production" / "model.keras")
        return "production/model.keras"

    version = write_version(tmp_path, "toy", save, config={}, data_version="d", code_version="c")
    assert set(version.files) == {"production/model.keras"}
    assert load_keras_model(version.model_path).output_shape == (None, 1)
