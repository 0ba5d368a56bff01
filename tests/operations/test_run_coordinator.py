"""Which domains a run writes, the tags that say so, and the shipped instance's limits on them (the run
queue with real processes is in test_run_queue.py)."""

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._utils.tags import TagConcurrencyLimitsCounter

from assets.common.sources import DOMAINS
from pipelines import defs
from pipelines.jobs import job_for_domain
from resources.instance import prepare_instance_folder
from resources.run_coordinator import (
    DomainRunCoordinator,
    domain_of_group,
    domains_of_assets,
    missing_write_tags,
    selected_asset_keys,
    write_tag,
    write_tags,
)
from tests.operations.processes import REPOSITORY

GROUPS_OUTSIDE_THE_DOMAINS = {"models"}  # the leaderboard reads every domain's champions, writes none


@pytest.mark.parametrize(
    ("group", "domain"),
    [
        ("setlists", "setlists"),
        ("setlists_sweep", "setlists"),
        ("trends", "trends"),
        ("models", None),
        ("default", None),
        ("setlistsx", None),
        ("audio-extra", None),
    ],
)
def test_a_group_writes_the_domain_it_is_named_after(group: str, domain: str | None) -> None:
    assert domain_of_group(group) == domain


def test_write_tags_are_one_key_per_domain_and_refuse_unknown_domains() -> None:
    assert write_tags(["trends", "audio", "trends"]) == {"encore/writes-audio": "true", "encore/writes-trends": "true"}
    assert write_tags([]) == {}
    with pytest.raises(ValueError, match="'songs' is not one of the domains"):
        write_tag("songs")


def test_every_asset_group_of_the_code_location_is_a_domains_or_known_to_write_none() -> None:
    groups = {node.group_name for node in defs.resolve_asset_graph().asset_nodes}
    unclassified = {group for group in groups if domain_of_group(group) is None} - GROUPS_OUTSIDE_THE_DOMAINS
    assert not unclassified, f"groups that write no domain: {unclassified}; name them after one or list them here"
    assert {domain_of_group(group) for group in groups} - {None} == set(DOMAINS)


def _job_keys(job_name: str) -> set[dg.AssetKey]:
    return set(defs.resolve_job_def(job_name).asset_layer.selected_asset_keys)


def test_the_domains_of_jobs_and_hand_picked_selections() -> None:
    graph = defs.resolve_asset_graph()
    assert domains_of_assets(graph, _job_keys("retrain_all")) == set(DOMAINS)
    for domain in DOMAINS:
        assert domains_of_assets(graph, _job_keys(job_for_domain(domain))) == {domain}
    assert domains_of_assets(graph, _job_keys("setlists_sweep_job")) == {"setlists"}
    picked = [dg.AssetKey("next_song_sweep"), dg.AssetKey("genre_model"), dg.AssetKey("model_leaderboard")]
    assert domains_of_assets(graph, picked) == {"setlists", "audio"}
    assert domains_of_assets(graph, [dg.AssetKey("not_an_asset_here")]) == set()


def test_a_runs_selection_counts_the_assets_its_checks_look_at() -> None:
    assert selected_asset_keys(dg.DagsterRun(job_name="trends_job")) is None  # the whole job
    run = dg.DagsterRun(
        job_name="__ASSET_JOB",
        asset_selection=frozenset({dg.AssetKey("clean_setlists")}),
        asset_check_selection=frozenset({dg.AssetCheckKey(dg.AssetKey("next_song_model"), "blessed")}),
    )
    assert selected_asset_keys(run) == {dg.AssetKey("clean_setlists"), dg.AssetKey("next_song_model")}
    checks_only = dg.DagsterRun(job_name="__ASSET_JOB", asset_selection=frozenset(), asset_check_selection=None)
    assert selected_asset_keys(checks_only) == set()


def test_tags_a_run_already_carries_are_not_added_again() -> None:
    run = dg.DagsterRun(job_name="trends_job", tags=write_tags(["trends"]))
    assert missing_write_tags(run, ["trends", "lyrics"]) == {"encore/writes-lyrics": "true"}
    assert missing_write_tags(run, ["trends"]) == {}


def test_the_shipped_instance_allows_one_writer_per_domain(tmp_path: Path) -> None:
    """Dagster's own queue rule decides: a run writing trends waits while another writes trends; a lyrics
    run does not; a run writing both waits for either."""
    with dg.DagsterInstance.from_config(str(prepare_instance_folder(tmp_path / "dagster"))) as instance:
        assert isinstance(instance.run_coordinator, DomainRunCoordinator)
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": write_tag(domain), "limit": 1} for domain in DOMAINS]
    for domain in DOMAINS:
        assert defs.resolve_job_def(job_for_domain(domain)).tags.items() >= write_tags([domain]).items()

    def run(*domains: str) -> dg.DagsterRun:
        return dg.DagsterRun(job_name="__ASSET_JOB", tags=write_tags(domains))

    writing_trends = TagConcurrencyLimitsCounter(limits, [run("trends")])
    assert writing_trends.is_blocked(run("trends"))
    assert not writing_trends.is_blocked(run("lyrics"))
    assert writing_trends.is_blocked(run("lyrics", "trends"))
    assert TagConcurrencyLimitsCounter(limits, [run("lyrics", "trends")]).is_blocked(run("lyrics"))
    assert not TagConcurrencyLimitsCounter(limits, [run("audio")]).is_blocked(run("lyrics", "trends"))


def test_the_celery_instance_file_has_the_same_coordinator_and_domain_limits() -> None:
    shipped = yaml.safe_load((REPOSITORY / "dagster.yaml").read_text())
    celery = yaml.safe_load((REPOSITORY / "docs" / "deploy" / "dagster-celery.yaml").read_text())
    assert celery["run_coordinator"] == shipped["run_coordinator"]
    limits = [instance["concurrency"]["runs"]["tag_concurrency_limits"] for instance in (celery, shipped)]
    assert limits[0] == limits[1]
