"""The promotion rules on their own: one decision from the stored evaluation, compare-and-set, leases."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common.model_registry import ModelVersion, list_versions, promote, prune, read_champion, write_version
from assets.common.promotion import champion_lease, decide, promote_if_unchanged


def _versions(task_dir: Path, count: int) -> list[ModelVersion]:
    def save(folder: Path) -> str:
        (folder / "model.txt").write_text("m")
        return "model.txt"

    return [write_version(task_dir, "t", save, config={}, data_version="d", code_version="c") for _ in range(count)]


def _evaluation(candidate: str, value: float, champion: tuple[str, float] | None) -> dict:
    return {
        "candidate": {"version": candidate},
        "metrics": {"accuracy": value},
        "baselines": {"majority_class": {"accuracy": 0.3}, "nearest_mean": {"accuracy": 0.6}},
        "champion_before": {"version": champion[0], "metrics": {"accuracy": champion[1]}} if champion else None,
    }


def test_the_decision_names_every_reason_and_the_champion_it_compared_with() -> None:
    decision = decide(_evaluation("v2", 0.5, ("v1", 0.8)), "accuracy", higher_is_better=True, tolerance=0.01)
    assert not decision.passed and decision.champion_before == "v1"
    assert decision.reasons == [
        "does not beat baseline nearest_mean (0.5000 vs 0.6000)",
        "worse than the champion by 0.3000 (0.5000 vs 0.8000)",
    ]
    assert decide(_evaluation("v2", 0.795, ("v1", 0.8)), "accuracy", higher_is_better=True, tolerance=0.01).passed


def test_a_refused_decision_cannot_be_promoted(tmp_path: Path) -> None:
    (version,) = _versions(tmp_path, 1)
    refused = decide(_evaluation(version.version, 0.5, None), "accuracy", higher_is_better=True, tolerance=0.01)
    with pytest.raises(ValueError, match="was refused: does not beat baseline nearest_mean"):
        promote_if_unchanged(tmp_path, refused, version, "accuracy", "run", keep_versions=5)
    assert read_champion(tmp_path) is None


def test_promotion_is_refused_when_the_champion_moved_after_the_comparison(tmp_path: Path) -> None:
    first, second = _versions(tmp_path, 2)
    compared_with_nothing = decide(
        _evaluation(second.version, 0.9, None), "accuracy", higher_is_better=True, tolerance=0.01
    )
    promote(tmp_path, first, "accuracy", 0.95, "other-run")  # another run promoted in between
    outcome = promote_if_unchanged(tmp_path, compared_with_nothing, second, "accuracy", "run", keep_versions=5)
    assert not outcome.promoted
    assert outcome.reason.startswith(f"the champion moved to {first.version} after the report compared")
    assert read_champion(tmp_path)["version"] == first.version

    compared_with_first = decide(
        _evaluation(second.version, 0.96, (first.version, 0.95)), "accuracy", higher_is_better=True, tolerance=0.01
    )
    outcome = promote_if_unchanged(tmp_path, compared_with_first, second, "accuracy", "run", keep_versions=5)
    assert outcome.promoted and read_champion(tmp_path)["version"] == second.version
    again = promote_if_unchanged(tmp_path, compared_with_first, second, "accuracy", "retry", keep_versions=5)
    assert (again.promoted, again.reason) == (False, "already the champion")


def test_a_version_being_scored_is_not_pruned_until_its_lease_ends(tmp_path: Path) -> None:
    versions = _versions(tmp_path, 6)
    promote(tmp_path, versions[0], "accuracy", 0.8, "first")
    with champion_lease(tmp_path) as pointer:
        assert pointer["version"] == versions[0].version
        newest = decide(
            _evaluation(versions[-1].version, 0.9, (versions[0].version, 0.8)),
            "accuracy",
            higher_is_better=True,
            tolerance=0.01,
        )
        outcome = promote_if_unchanged(tmp_path, newest, versions[-1], "accuracy", "run", keep_versions=2)
        assert outcome.promoted
        # the old champion is no longer the champion but a report is still scoring it
        assert versions[0].version not in outcome.pruned
        assert outcome.pruned == [version.version for version in versions[1:4]]
        assert versions[0].model_path.exists()
    assert prune(tmp_path, 2) == [versions[0].version]
    assert [version.version for version in list_versions(tmp_path)] == [v.version for v in versions[-2:]]


def test_no_lease_is_taken_without_a_champion(tmp_path: Path) -> None:
    _versions(tmp_path, 1)
    with champion_lease(tmp_path) as pointer:
        assert pointer is None
    assert not list(tmp_path.glob("*/.leases/*"))


def test_a_strong_baseline_blocks_unless_the_evaluation_marks_it_advisory() -> None:
    evaluation = {
        **_evaluation("v2", 0.65, None),
        "baselines": {"majority_class": {"accuracy": 0.3}, "gradient_boosting": {"accuracy": 0.7}},
    }
    blocked = decide(evaluation, "accuracy", higher_is_better=True, tolerance=0.01)
    assert not blocked.passed and blocked.reasons == ["does not beat baseline gradient_boosting (0.6500 vs 0.7000)"]
    assert blocked.warnings == []

    advisory = decide(
        {**evaluation, "advisory_baselines": ["gradient_boosting"]}, "accuracy", higher_is_better=True, tolerance=0.01
    )
    assert advisory.passed and advisory.reasons == []
    assert advisory.warnings == [
        "does not beat baseline gradient_boosting (0.6500 vs 0.7000) (advisory: this task's strong baseline warns, "
        "it does not block)"
    ]
    assert "advisory" in advisory.metadata()["warnings"]
    # advisory covers only the strong baseline: a weak baseline beaten by nothing still refuses
    weak_loss = {**evaluation, "metrics": {"accuracy": 0.2}, "advisory_baselines": ["gradient_boosting"]}
    assert decide(weak_loss, "accuracy", higher_is_better=True, tolerance=0.01).reasons == [
        "does not beat baseline majority_class (0.2000 vs 0.3000)"
    ]
