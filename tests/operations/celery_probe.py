"""A job of four independent steps on the `gpu` Celery queue (the tag every training asset carries),
run by the distributed test: if routing were luck, all four would land on the gpu worker 1 time in 16."""

import dagster as dg

from assets.common.dagster_metadata import GPU_OP_TAGS
from resources.environments import executor_for_environment


def _gpu_step(index: int) -> dg.OpDefinition:
    @dg.op(name=f"gpu_probe_{index}", tags={"dagster-celery/queue": GPU_OP_TAGS["dagster-celery/queue"]})
    def gpu_probe() -> int:
        return index

    return gpu_probe


GPU_STEPS = [_gpu_step(index) for index in range(4)]


@dg.job(executor_def=executor_for_environment())
def gpu_queue_probe() -> None:
    for step in GPU_STEPS:
        step()
