"""The code location loads fast, without TensorFlow, and every job and training asset is wired right."""

import subprocess
import sys

import dagster as dg

from pipelines import defs

HEAVY_MODULES = ("tensorflow", "keras", "librosa", "gensim", "great_expectations", "torch", "mlflow")


def test_importing_pipelines_does_not_import_heavy_libraries() -> None:
    probe = "import sys, pipelines; print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in %r)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe % (HEAVY_MODULES,)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_definitions_validate_and_every_job_resolves() -> None:
    repository = defs.get_repository_def()
    job_names = {job.name for job in repository.get_all_jobs()}
    assert {"setlists_job", "lyrics_job", "midi_job", "audio_job", "trends_job"} <= job_names


def test_five_groups_are_present() -> None:
    groups = {node.group_name for node in defs.resolve_asset_graph().asset_nodes}
    assert {"setlists", "lyrics", "midi", "audio", "trends"} <= groups


def test_every_model_asset_requires_training_and_the_gpu_pool() -> None:
    model_assets = [
        (key, assets_def)
        for assets_def in defs.resolve_asset_graph().assets_defs
        for key in assets_def.keys
        if key.path[-1].endswith("_model")
    ]
    assert {key.to_user_string() for key, _ in model_assets} == {
        "next_song_model", "char_lm_model", "artist_char_lm_model", "pianoroll_model", "velocity_model",
        "genre_cnn_model", "genre_model", "play_forecast_model",
    }  # fmt: skip
    for key, assets_def in model_assets:
        assert "training" in assets_def.required_resource_keys, key
        assert assets_def.op.pool == "gpu", key
        assert "dagster-k8s/config" in assets_def.op.tags, key


def test_every_asset_has_a_description() -> None:
    missing = [node.key.to_user_string() for node in defs.resolve_asset_graph().asset_nodes if not node.description]
    assert missing == []


def test_resources_are_configurable_resources() -> None:
    for key in ("lake", "raw_data", "training", "duckdb", "mlflow"):
        assert isinstance(defs.resources[key], dg.ConfigurableResource), key
