"""A training step killed after its first epoch checkpoint resumes from it on the rerun instead of starting over.

`velocity_model` (the cheapest model on the sample: one performance, sub-second epochs with small layers) trains
through `fit_resumable`, which saves the model and its state after every epoch. The first run is a separate
process, SIGKILLed as soon as a checkpoint exists; the rerun, with the same config and data, must continue
from that epoch and write the model.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from tests.operations import resume_run
from tests.operations.processes import REPOSITORY, base_environment, log_tail, running

MAX_EPOCHS = 3
CHECKPOINT_TIMEOUT = 180  # seconds: imports (TensorFlow) and the first epoch on a busy shared machine

pytestmark = pytest.mark.slow


def _checkpoint_epoch(state: Path) -> int:
    return json.loads(state.read_text())["epoch"] if state.exists() else 0


def test_a_killed_training_resumes_from_its_last_checkpoint(sample_raw_root: Path, tmp_path: Path) -> None:
    home, raw_root = tmp_path / "home", str(sample_raw_root)
    upstream = dg.materialize(resume_run.ASSETS[:2], resources=resume_run.resources(str(home), raw_root))
    assert upstream.success
    models = home / "lake" / "midi" / "models" / "velocity"
    state = models / "checkpoints" / "state.json"
    log = tmp_path / "first_run.log"
    command = [sys.executable, "-m", "tests.operations.resume_run", str(home), raw_root, str(MAX_EPOCHS)]

    with running(command, log, base_environment(tmp_path / "dagster", home), cwd=REPOSITORY) as first_run:
        deadline = time.monotonic() + CHECKPOINT_TIMEOUT
        while _checkpoint_epoch(state) < 1:
            assert first_run.poll() is None, f"the first run ended before a checkpoint:\n{log_tail(log)}"
            assert time.monotonic() < deadline, f"no checkpoint after {CHECKPOINT_TIMEOUT} s:\n{log_tail(log)}"
            time.sleep(0.02)
        os.killpg(first_run.pid, signal.SIGKILL)
        first_run.wait(timeout=30)
    assert first_run.returncode == -signal.SIGKILL
    killed_at = json.loads(state.read_text())
    assert 1 <= killed_at["epoch"] < MAX_EPOCHS, "the first run was not killed in the middle of its training"
    assert [path.name for path in models.iterdir()] == ["checkpoints"], "the killed run must not have saved a model"

    rerun = dg.materialize(
        resume_run.ASSETS,
        selection=["velocity_model"],
        resources=resume_run.resources(str(home), raw_root),
        run_config=resume_run.run_config(MAX_EPOCHS),
    )

    assert rerun.success
    summary = rerun.output_for_node("velocity_model").iloc[0]
    assert summary["resumed_from_epoch"] == killed_at["epoch"]
    assert summary["epochs_run"] == MAX_EPOCHS
    history = json.loads(state.read_text())["history"]
    # The killed run's epochs are kept, not trained again: the rerun only appended the remaining ones.
    assert history["loss"][: killed_at["epoch"]] == killed_at["history"]["loss"]
    assert len(history["loss"]) == MAX_EPOCHS
    assert Path(summary["model_path"]).is_file()
    stored = pd.read_parquet(home / "lake" / "midi" / "velocity_model.parquet")
    assert stored["resumed_from_epoch"].tolist() == [killed_at["epoch"]]
