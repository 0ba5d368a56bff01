"""Two independent steps in the `gpu` pool, for the pool-limit test: each records when it ran."""

import json
import os
import time
from pathlib import Path

import dagster as dg


def _record(name: str) -> None:
    started = time.time()
    time.sleep(1.5)
    out = Path(os.environ["ENCORE_POOL_PROBE_DIR"]) / f"{name}.json"
    out.write_text(json.dumps({"start": started, "end": time.time()}))


@dg.asset(pool="gpu")
def first_probe_model() -> None:
    """Sleeps in the gpu pool."""
    _record("first_probe_model")


@dg.asset(pool="gpu")
def second_probe_model() -> None:
    """Sleeps in the gpu pool."""
    _record("second_probe_model")


probe_job = dg.Definitions(
    assets=[first_probe_model, second_probe_model],
    jobs=[dg.define_asset_job("probe_job", executor_def=dg.multiprocess_executor)],
).resolve_job_def("probe_job")
