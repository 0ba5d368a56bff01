"""Jobs, the weekly retraining schedule and the raw-files sensor, evaluated with Dagster's test helpers."""

import datetime
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.common.dagster_metadata import TRAINED_MODEL_TAGS
from assets.common.sources import DOMAINS, RAW_SOURCES
from assets.setlists.sweep_assets import SWEEP_GROUP
from pipelines import defs
from pipelines.jobs import TRAINING_AND_DOWNSTREAM, job_for_domain
from pipelines.schedules import weekly_retraining_schedule
from pipelines.sensors import changed_domains, raw_files_sensor
from resources import RawDataResource


def _selected_keys(job_name: str, definitions: dg.Definitions) -> set[str]:
    job = definitions.resolve_job_def(job_name)
    return {key.to_user_string() for key in job.asset_layer.selected_asset_keys}


def test_retrain_all_selects_tagged_model_assets_and_their_downstream_only() -> None:
    @dg.asset
    def clean_songs() -> int:
        return 1

    @dg.asset(tags=TRAINED_MODEL_TAGS)
    def song_classifier(clean_songs: int) -> int:
        return clean_songs

    @dg.asset
    def song_report(song_classifier: int) -> int:
        return song_classifier

    @dg.asset
    def unrelated_model() -> int:  # a name ending in `_model` is not what makes a model
        return 1

    definitions = dg.Definitions(
        assets=[clean_songs, song_classifier, song_report, unrelated_model],
        jobs=[dg.define_asset_job("retrain_all", selection=TRAINING_AND_DOWNSTREAM)],
    )
    assert _selected_keys("retrain_all", definitions) == {"song_classifier", "song_report"}


def _fits_a_model(node: dg.AssetSpec, assets_def: dg.AssetsDefinition) -> bool:
    """Read from what an asset does, not from its name or tag: it takes the training resource (every
    Keras and gensim fit) or it is a scikit-learn asset (the classic genre models fit without it)."""
    return "training" in assets_def.required_resource_keys or "sklearn" in node.kinds


def test_retrain_all_in_the_code_location_covers_every_model_and_its_downstream() -> None:
    graph = defs.resolve_asset_graph()
    pending = [
        node.key
        for node in graph.asset_nodes
        if node.group_name != SWEEP_GROUP and _fits_a_model(node.to_asset_spec(), graph.assets_def_for_key(node.key))
    ]
    assert {"genre_classic_models", "song_embeddings", "velocity_model"} <= {key.to_user_string() for key in pending}
    expected: set[str] = set()
    while pending:
        key = pending.pop()
        if key.to_user_string() not in expected and graph.get(key).group_name != SWEEP_GROUP:
            expected.add(key.to_user_string())
            pending.extend(graph.get(key).child_keys)
    assert _selected_keys("retrain_all", defs) == expected


def test_every_domain_has_a_job() -> None:
    job_names = {job.name for job in defs.get_repository_def().get_all_jobs()}
    assert {job_for_domain(domain) for domain in DOMAINS} | {"retrain_all"} <= job_names
    with pytest.raises(ValueError, match="not one of the domains"):
        job_for_domain("podcasts")


def test_weekly_schedule_is_off_by_default_and_requests_retrain_all() -> None:
    assert weekly_retraining_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert weekly_retraining_schedule.job_name == "retrain_all"
    monday = datetime.datetime(2026, 11, 23, 3, 0, tzinfo=datetime.UTC)
    context = dg.build_schedule_context(scheduled_execution_time=monday)
    requests = weekly_retraining_schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1
    assert requests[0].job_name in (None, "retrain_all")
    assert weekly_retraining_schedule.cron_schedule == "0 3 * * 1"
    assert weekly_retraining_schedule.execution_timezone == "UTC"


def _evaluate(raw_root: Path, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, resources={"raw_data": RawDataResource(root=str(raw_root))})
    return raw_files_sensor(context)


def test_sensor_skips_while_no_raw_folder_exists(tmp_path: Path) -> None:
    result = _evaluate(tmp_path / "raw", None)
    assert result.run_requests == []
    assert "no raw folder" in result.skip_reason.skip_message
    assert json.loads(result.cursor) == {}


def _write_files(folder: Path, *names: str) -> None:
    """Small stand-ins for raw files: the sensor looks at names, sizes and times, not contents."""
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"{name}\n")


def test_sensor_requests_a_domain_job_when_its_folder_appears_or_changes(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _write_files(raw / "lyrics", "songdata.csv")
    _write_files(raw / "tianchi", "mars_tianchi_songs.csv", "mars_tianchi_user_actions.csv")

    first = _evaluate(raw, None)
    assert [request.job_name for request in first.run_requests] == ["lyrics_job", "trends_job"]
    assert set(json.loads(first.cursor)) == {"lyrics", "tianchi"}
    assert all(request.tags["encore/trigger"] == "raw_files_sensor" for request in first.run_requests)

    unchanged = _evaluate(raw, first.cursor)
    assert unchanged.run_requests == []
    assert unchanged.cursor == first.cursor

    songdata = raw / "lyrics" / "songdata.csv"
    songdata.write_text(songdata.read_text() + "Someone,New song,/new,la la\n")
    edited = _evaluate(raw, unchanged.cursor)
    assert [request.job_name for request in edited.run_requests] == ["lyrics_job"]
    lyrics_before = next(request for request in first.run_requests if request.job_name == "lyrics_job")
    assert edited.run_requests[0].run_key != lyrics_before.run_key
    assert json.loads(edited.cursor)["tianchi"] == json.loads(first.cursor)["tianchi"]


def test_sensor_ignores_a_removed_folder_and_sees_a_new_optional_one(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _write_files(raw / "nottingham", "train/tune.mid", "valid/tune.mid")
    first = _evaluate(raw, None)
    shutil.rmtree(raw / "nottingham")
    removed = _evaluate(raw, first.cursor)
    assert removed.run_requests == []
    _write_files(raw / "gtzan", "genres/blues/blues.00000.wav")
    added = _evaluate(raw, removed.cursor)
    assert [request.job_name for request in added.run_requests] == ["audio_job"]


def test_changed_domains_lists_each_domain_once_in_order() -> None:
    current = {source.folder: "new" for source in RAW_SOURCES}
    assert changed_domains({}, current) == list(DOMAINS)
    assert changed_domains(current, current) == []
    assert changed_domains({**current, "piano_velocity": "old", "nottingham": "old"}, current) == ["midi"]


def test_sensor_targets_every_domain_job_and_is_off_by_default() -> None:
    assert raw_files_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert {job.name for job in raw_files_sensor.jobs} == {job_for_domain(domain) for domain in DOMAINS}


def test_the_shipped_instance_queues_a_second_run_of_a_domain_behind_the_first(tmp_path: Path) -> None:
    """Every domain job carries `encore/domain`, and the shipped dagster.yaml allows one run per value: a second
    run of the same domain waits (Dagster's own queue rule decides), another domain's run does not."""
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    from pipelines.jobs import DOMAIN_TAG
    from resources.instance import prepare_instance_folder

    with dg.DagsterInstance.from_config(str(prepare_instance_folder(tmp_path / "dagster"))) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert {"key": DOMAIN_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits
    runs = {
        domain: dg.DagsterRun(job_name=job_for_domain(domain), tags=defs.get_job_def(job_for_domain(domain)).tags)
        for domain in DOMAINS
    }
    assert {domain: run.tags.get(DOMAIN_TAG) for domain, run in runs.items()} == {domain: domain for domain in DOMAINS}
    queue = TagConcurrencyLimitsCounter(limits, [runs["trends"]])
    assert queue.is_blocked(dg.DagsterRun(job_name="trends_job", tags=runs["trends"].tags))
    assert not any(queue.is_blocked(run) for domain, run in runs.items() if domain != "trends")
