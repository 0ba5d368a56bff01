"""Jobs, declarative automation and freshness, evaluated with Dagster's own helpers.

The automation tests run ``dg.evaluate_automation_conditions`` on the real code location against an ephemeral
instance in which every asset has been materialized once and every check has passed; events are reported
without runs, the way the daemon would see a finished run's results.
"""

import datetime
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from assets.common.dagster_metadata import TRAINED_MODEL_TAGS
from assets.common.fingerprint import manifest, manifest_version
from assets.common.raw_assets import RAW_FOLDER_ASSETS, observe_folder
from assets.common.sources import DOMAINS
from assets.setlists.sweep_assets import SWEEP_GROUP
from pipelines import defs
from pipelines.automation import REPORT_FRESHNESS
from pipelines.jobs import TRAINING_AND_DOWNSTREAM, job_for_domain
from resources import RawDataResource

TUESDAY = datetime.datetime(2026, 11, 24, 10, 30, tzinfo=datetime.UTC)
NEXT_MONDAY_AFTER_THE_RETRAIN_TICK = datetime.datetime(2026, 11, 30, 3, 5, tzinfo=datetime.UTC)
LYRICS_DATA = {"raw_lyrics_files", "clean_lyrics", "lyrics_splits", "char_vocabulary", "lyrics_tfrecords"}
# The leaderboard's own sensor requests it once the champions have materialized; evaluated together with every
# other condition, as here, it is requested in the same tick.
LYRICS_TRAINING = {
    "char_lm_model", "artist_char_lm_model", "lyrics_report", "char_lm_champion", "artist_char_lm_champion",
    "lyrics_samples", "model_leaderboard",
}  # fmt: skip


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


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_folder_observation_rehashes_only_when_the_cheap_fingerprint_moves(tmp_path: Path) -> None:
    folder = tmp_path / "lyrics"
    _write(folder / "songdata.csv", "artist,song,link,text\nA,B,/b,la\n")
    first = observe_folder(folder, (".csv",), tmp_path)
    assert first.content_hash == manifest_version(manifest(folder, (".csv",), tmp_path))
    assert (first.files, first.rehashed) == (1, True)
    again = observe_folder(folder, (".csv",), tmp_path, first.fingerprint, first.content_hash)
    assert (again.content_hash, again.rehashed) == (first.content_hash, False)
    _write(folder / "songdata.csv", "artist,song,link,text\nA,B,/b,la la\n")
    edited = observe_folder(folder, (".csv",), tmp_path, first.fingerprint, first.content_hash)
    assert edited.rehashed and edited.content_hash != first.content_hash
    absent = observe_folder(tmp_path / "gtzan", (".wav",), tmp_path)
    assert absent.content_hash == manifest_version(manifest(tmp_path / "gtzan", (".wav",), tmp_path))
    assert absent.files == 0


def _observe_lyrics(instance: dg.DagsterInstance, raw_root: Path) -> str:
    """Run the real observation of `raw_lyrics_folder` into ``instance``; returns the observed data version."""
    key = RAW_FOLDER_ASSETS["lyrics"].key
    observation_defs = dg.Definitions(
        assets=[RAW_FOLDER_ASSETS["lyrics"]],
        jobs=[dg.define_asset_job("observe_lyrics", selection=dg.AssetSelection.assets(key))],
        resources={"raw_data": RawDataResource(root=str(raw_root))},
    )
    result = observation_defs.resolve_job_def("observe_lyrics").execute_in_process(instance=instance)
    (observation,) = [event.asset_observation_data.asset_observation for event in result.get_asset_observation_events()]
    return observation.tags["dagster/data_version"]


class Ticks:
    """Successive evaluations of every automation condition, carrying Dagster's cursor from one to the next."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self.cursor = None
        self.observed = {
            node.key.to_user_string() for node in defs.resolve_asset_graph().asset_nodes if node.is_observable
        }

    def requested(self, when: datetime.datetime, with_observations: bool = False) -> set[str]:
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=self.instance, evaluation_time=when, cursor=self.cursor
        )
        self.cursor = result.cursor
        requested = {
            node.key.to_user_string()
            for node in defs.resolve_asset_graph().asset_nodes
            if result.get_num_requested(node.key)
        }
        return requested if with_observations else requested - self.observed

    def materialize(self, *names: str) -> None:
        for name in names:
            self.instance.report_runless_asset_event(dg.AssetMaterialization(name))

    def check(self, asset: str, check_name: str, passed: bool) -> None:
        self.instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=dg.AssetKey(asset), check_name=check_name, passed=passed)
        )


@pytest.fixture
def ticks(tmp_path: Path) -> Iterator[Ticks]:
    """Everything built once and every check passed; the lyrics folder observed for real, the others reported."""
    _write(tmp_path / "raw" / "lyrics" / "songdata.csv", "artist,song,link,text\nA,B,/b,la\n")
    with dg.DagsterInstance.ephemeral() as instance:
        graph = defs.resolve_asset_graph()
        for node in graph.asset_nodes:
            if node.is_observable and node.key != RAW_FOLDER_ASSETS["lyrics"].key:
                instance.report_runless_asset_event(dg.AssetObservation(node.key, tags={"dagster/data_version": "1"}))
        _observe_lyrics(instance, tmp_path / "raw")
        ticks = Ticks(instance)
        ticks.materialize(*(node.key.to_user_string() for node in graph.asset_nodes if node.is_materializable))
        for check_key in graph.asset_check_keys:
            ticks.check(check_key.asset_key.to_user_string(), check_key.name, passed=True)
        assert ticks.requested(TUESDAY, with_observations=True) == ticks.observed  # observed once when turned on
        yield ticks


def test_a_changed_raw_file_requests_its_domains_data_and_an_unchanged_one_nothing(
    ticks: Ticks, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    first = _observe_lyrics(ticks.instance, raw)
    assert ticks.requested(TUESDAY + datetime.timedelta(minutes=1)) == set()

    _write(raw / "lyrics" / "songdata.csv", "artist,song,link,text\nA,B,/b,la\nC,D,/d,do re mi\n")
    assert _observe_lyrics(ticks.instance, raw) != first
    assert ticks.requested(TUESDAY + datetime.timedelta(minutes=2)) == LYRICS_DATA  # no model before the cron tick


def test_a_failed_blocking_check_stops_the_chain_until_it_passes(ticks: Ticks) -> None:
    ticks.materialize("clean_lyrics")
    ticks.check("clean_lyrics", "clean_lyrics_is_valid", passed=False)
    assert ticks.requested(TUESDAY + datetime.timedelta(minutes=1)) == set()
    assert ticks.requested(TUESDAY + datetime.timedelta(minutes=2)) == set()

    ticks.check("clean_lyrics", "clean_lyrics_is_valid", passed=True)
    assert ticks.requested(TUESDAY + datetime.timedelta(minutes=3)) == LYRICS_DATA - {
        "raw_lyrics_files",
        "clean_lyrics",
    }


def test_models_retrain_after_the_cron_tick_and_only_when_their_inputs_changed(ticks: Ticks) -> None:
    ticks.materialize(*sorted(LYRICS_DATA))  # new lyrics data on a Tuesday: the models wait for Monday
    assert ticks.requested(TUESDAY + datetime.timedelta(minutes=1)) == set()

    assert ticks.requested(NEXT_MONDAY_AFTER_THE_RETRAIN_TICK) == LYRICS_TRAINING
    ticks.materialize(*sorted(LYRICS_TRAINING))
    assert ticks.requested(NEXT_MONDAY_AFTER_THE_RETRAIN_TICK + datetime.timedelta(minutes=1)) == set()
    # A week on, nothing changed: no retraining.
    assert ticks.requested(NEXT_MONDAY_AFTER_THE_RETRAIN_TICK + datetime.timedelta(days=7)) == set()


def test_every_asset_but_the_sweep_is_automated_by_exactly_one_sensor_and_every_sensor_is_off() -> None:
    graph = defs.resolve_asset_graph()
    automated = {node.key for node in graph.asset_nodes if node.automation_condition is not None}
    assert automated == {node.key for node in graph.asset_nodes if node.group_name != SWEEP_GROUP}
    sensors = defs.get_repository_def().sensor_defs
    assert sensors and all(isinstance(sensor, dg.AutomationConditionSensorDefinition) for sensor in sensors)
    assert all(sensor.default_status == dg.DefaultSensorStatus.STOPPED for sensor in sensors)
    assert not defs.get_repository_def().schedule_defs
    targeted = [key for sensor in sensors for key in sensor.asset_selection.resolve(graph)]
    assert sorted(targeted) == sorted(automated)
    for domain in DOMAINS:
        (sensor,) = [sensor for sensor in sensors if sensor.name == f"{domain}_automation"]
        assert sensor.run_tags == defs.get_job_def(job_for_domain(domain)).tags  # queued like the domain's job


def test_every_champion_and_report_carries_the_freshness_policy_and_the_instance_evaluates_it(tmp_path: Path) -> None:
    from resources.instance import prepare_instance_folder

    policies = {node.key.to_user_string(): node.freshness_policy for node in defs.resolve_asset_graph().asset_nodes}
    reports_and_champions = {name for name in policies if name.endswith(("_champion", "_report", "_reports"))}
    assert len(reports_and_champions) == 14
    assert {name for name, policy in policies.items() if policy is not None} == reports_and_champions
    assert all(policies[name] == REPORT_FRESHNESS for name in reports_and_champions)
    with dg.DagsterInstance.from_config(str(prepare_instance_folder(tmp_path / "dagster"))) as instance:
        assert instance.freshness_enabled
