"""GPU placement: the shipped dagster.yaml limits the `gpu` pool to one step, and the training
resource falls back to the CPU (or fails clearly) on a machine without a GPU, like this one."""

import json
import logging
import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines import defs
from resources import GpuUnavailableError, TrainingResource
from tests.operations import pool_probe

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def shipped_instance(tmp_path: Path) -> dg.DagsterInstance:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def test_dagster_yaml_limits_pools_to_one_step_at_a_time(shipped_instance: dg.DagsterInstance) -> None:
    raw = yaml.safe_load((REPOSITORY / "dagster.yaml").read_text())
    assert raw["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    pool_config = shipped_instance.get_concurrency_config().pool_config
    assert pool_config.default_pool_limit == 1
    assert pool_config.pool_granularity.value == "op"
    info = shipped_instance.event_log_storage.get_concurrency_info("gpu")
    assert info.limit == 1


def test_gpu_is_the_only_pool_so_the_default_limit_is_its_limit() -> None:
    pools = {
        assets_def.op.pool
        for assets_def in defs.resolve_asset_graph().assets_defs
        if assets_def.is_executable and assets_def.op.pool
    }
    assert pools == {"gpu"}


def test_two_gpu_steps_of_one_run_never_overlap(
    shipped_instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Multiprocess executor, both steps ready at once: only the pool keeps them apart (with
    # default_limit: 2 the same probe overlaps by about 1.5 s).
    monkeypatch.setenv("ENCORE_POOL_PROBE_DIR", str(tmp_path))
    with dg.execute_job(dg.reconstructable(_probe_job), instance=shipped_instance) as result:
        assert result.success
    spans = sorted(
        (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("first_probe_model", "second_probe_model")),
        key=lambda span: span["start"],
    )
    assert spans[1]["start"] >= spans[0]["end"]


def _probe_job() -> dg.JobDefinition:
    return pool_probe.probe_job


def test_device_gpu_without_a_gpu_fails_with_a_clear_error() -> None:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU: the missing-GPU error cannot happen here")
    with pytest.raises(GpuUnavailableError, match=r"device='gpu'.*sees no GPU.*device='auto'"):
        TrainingResource(device="gpu").prepare()


def test_device_gpu_fails_the_run_of_a_training_asset(encore_home: Path) -> None:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU: the missing-GPU error cannot happen here")

    @dg.asset(pool="gpu")
    def tiny_model(training: TrainingResource) -> None:
        """Needs the training resource and nothing else."""

    result = dg.materialize([tiny_model], resources={"training": TrainingResource(device="gpu")}, raise_on_error=False)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_failure)
    assert "GpuUnavailableError" in str(failure.event_specific_data)


def test_device_auto_falls_back_to_the_cpu_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU: the CPU fallback is not taken here")
    with caplog.at_level(logging.INFO, logger="resources.training"):
        device = TrainingResource(device="auto").prepare()
    assert device == "CPU"
    assert "no GPU found: training on the CPU" in caplog.text
