"""A one-step job whose Celery worker process the distributed test kills while the step runs."""

import os
import time
from pathlib import Path

import dagster as dg
from pydantic import Field

from resources.environments import executor_for_environment

ATTEMPTS_FILE = "attempts"
KILL_WAIT_SECONDS = 120


class KilledStepConfig(dg.Config):
    folder: str = Field(description="Where each attempt of the step writes the id of the process running it.")


@dg.op
def killed_step(config: KilledStepConfig) -> int:
    """Its first attempt writes its pid and waits for the test to SIGKILL it; the redelivered attempt returns."""
    attempts = Path(config.folder) / ATTEMPTS_FILE
    with attempts.open("a") as record:
        record.write(f"{os.getpid()}\n")
    if len(attempts.read_text().split()) == 1:
        time.sleep(KILL_WAIT_SECONDS)
        raise RuntimeError(f"{attempts}: the first attempt was not killed within {KILL_WAIT_SECONDS} s")
    return os.getpid()


@dg.job(executor_def=executor_for_environment())
def killed_step_probe() -> None:
    killed_step()
