import json
from pathlib import Path

import pytest

from assets.common.reports import Report, beats_every_baseline, write_report


@pytest.mark.parametrize(
    ("metric", "higher_is_better", "expected"),
    [(0.30, True, True), (0.20, True, False), (0.25, True, False), (2.0, False, True), (3.5, False, False)],
)
def test_beats_every_baseline(metric: float, higher_is_better: bool, expected: bool) -> None:
    baselines = {"a": {"score": 0.25 if higher_is_better else 3.0}, "b": {"score": 0.1 if higher_is_better else 3.2}}
    assert beats_every_baseline({"score": metric}, baselines, "score", higher_is_better) is expected


def test_missing_primary_metric_is_an_error() -> None:
    with pytest.raises(ValueError, match="primary metric"):
        beats_every_baseline({"other": 1.0}, {}, "score", True)


def test_write_report_follows_the_contract(tmp_path: Path) -> None:
    report = Report(
        task="next_song",
        primary_metric="top1_accuracy",
        higher_is_better=True,
        data={"train": 10, "valid": 2, "test": 3, "split": "by date"},
        model={"hyperparameters": {"units": 8}, "epochs_run": 2, "train_seconds": 1.5},
        metrics={"top1_accuracy": 0.4},
        baselines={"most_frequent": {"top1_accuracy": 0.1}},
    )
    paths = write_report(tmp_path, "next_song", report, plots={"curve": b"\x89PNG fake"})
    payload = json.loads(paths["json"].read_text())
    assert {"task", "created_at", "data", "model", "metrics", "baselines", "beats_baselines"} <= set(payload)
    assert payload["beats_baselines"] is True
    assert paths["curve"].read_bytes() == b"\x89PNG fake"
    assert "| model | 0.4000 |" in paths["markdown"].read_text()


def test_the_report_records_its_strong_baseline_and_whether_it_blocks(tmp_path: Path) -> None:
    fields = dict(
        task="velocity",
        primary_metric="mae",
        higher_is_better=False,
        data={},
        model={},
        metrics={"mae": 7.8},
        baselines={"mean": {"mae": 10.9}, "ridge": {"mae": 7.3}},
    )
    with pytest.raises(ValueError, match="strong baseline 'lasso' is not one of the baselines"):
        Report(**fields, strong_baseline="lasso")
    advisory = Report(**fields, strong_baseline="ridge", strong_baseline_blocks=False)
    payload = json.loads(write_report(tmp_path, "velocity", advisory)["json"].read_text())
    assert (payload["strong_baseline"], payload["advisory_baselines"], payload["beats_baselines"]) == (
        "ridge",
        ["ridge"],
        False,
    )
    assert (
        "The strong baseline is `ridge` (the model only warns when it loses to it)."
        in (tmp_path / "velocity.md").read_text()
    )
    assert Report(**fields, strong_baseline="ridge").advisory_baselines == []
