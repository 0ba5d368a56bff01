"""The whole midi group materialized on the sample data with small, seeded configs."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.midi.definitions import MIDI_ASSETS, MIDI_CHECKS
from resources.environments import local_resources

RUN_CONFIG = {
    "ops": {
        "pianoroll_model": {
            "config": {"lstm_units": 64, "learning_rate": 0.01, "window_frames": 50, "batch_size": 8, "max_epochs": 6}
        },
        "sampled_tunes": {"config": {"num_tunes": 2, "new_frames": 24}},
        "velocity_model": {"config": {"max_epochs": 8, "patience": 8}},
    }
}


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dg.ExecuteInProcessResult, Path]:
    home = tmp_path_factory.mktemp("encore_midi")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENCORE_HOME", str(home))
        patch.delenv("ENCORE_RAW_ROOT", raising=False)
        result = dg.materialize(
            [*MIDI_ASSETS, *MIDI_CHECKS], resources=local_resources(), run_config=RUN_CONFIG, raise_on_error=True
        )
    return result, home / "lake" / "midi"


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    return result.asset_materializations_for_node(asset)[0].metadata


def test_group_succeeds_with_passing_checks(materialized) -> None:
    result, _ = materialized
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert {evaluation.check_name for evaluation in evaluations} == {
        "piano_rolls_are_valid",
        "performance_notes_are_valid",
    }
    assert all(evaluation.passed for evaluation in evaluations)


def test_piano_rolls_follow_the_recipe(materialized) -> None:
    result, lake = materialized
    table = pd.read_parquet(lake / "piano_rolls.parquet")
    assert set(table["split"]) == {"train", "valid", "test"}
    assert table["tune_id"].nunique() == 72
    assert _metadata(result, "piano_rolls")["quarantined_records"].value == 0
    # Every sample tune is transposed to C major / A minor: only white keys sound.
    pitch_classes = {(int(key) + 21) % 12 for keys in table["active_keys"] for key in keys}
    assert pitch_classes <= {0, 2, 4, 5, 7, 9, 11}


def test_tfrecords_hold_every_split(materialized) -> None:
    result, lake = materialized
    splits = _metadata(result, "pianoroll_tfrecords")["splits"].value
    assert set(splits) == {"train", "valid", "test"}
    assert all(summary["records"] > 0 for summary in splits.values())
    assert (lake / "tfrecords" / "pianoroll" / "train" / "_manifest.json").exists()


def test_pianoroll_report_beats_both_baselines_on_nll(materialized) -> None:
    _, lake = materialized
    report = json.loads((lake / "reports" / "pianoroll.json").read_text())
    assert report["data"]["evaluation_split"] == "test"
    metrics, baselines = report["metrics"], report["baselines"]
    assert set(baselines) == {"key_frequency", "repeat_last_frame"}
    assert metrics["nll_per_step"] < baselines["key_frequency"]["nll_per_step"]
    assert metrics["frame_accuracy"] > baselines["key_frequency"]["frame_accuracy"]
    assert report["model"]["epochs_run"] >= 1
    assert (lake / "reports" / "pianoroll_per_tune_nll.png").exists()


def test_sampled_tunes_are_midi_files_with_a_picture(materialized) -> None:
    import pretty_midi

    _, lake = materialized
    files = sorted((lake / "sampled_tunes").glob("*.mid"))
    assert len(files) == 2
    assert all(pretty_midi.PrettyMIDI(str(path)).instruments[0].notes for path in files)
    assert (lake / "sampled_tunes" / "sample_vs_real.png").read_bytes()[:4] == b"\x89PNG"


def test_velocity_model_beats_the_mean_velocity(materialized) -> None:
    result, lake = materialized
    report = json.loads((lake / "reports" / "velocity.json").read_text())
    assert report["metrics"]["velocity_mae"] < report["baselines"]["mean_velocity"]["velocity_mae"]
    assert report["beats_baselines"] is True
    assert report["data"]["test"] > 0
    assert (lake / "reports" / "velocity_predicted_vs_true.png").exists()
    assert _metadata(result, "velocity_report")["velocity_mae"].value == report["metrics"]["velocity_mae"]


def test_models_and_tensorboard_logs_are_written(materialized) -> None:
    _, lake = materialized
    assert (lake / "models" / "pianoroll" / "pianoroll.keras").exists()
    assert (lake / "models" / "velocity" / "velocity.keras").exists()
    assert list((lake / "tensorboard" / "pianoroll").rglob("events.out.tfevents.*"))
