"""Materialize one training asset in its own process, for the resume test (which kills this process).

``python -m tests.operations.resume_run <home> <raw root> <max epochs>``: trains `velocity_model` from the
`performance_notes` already in ``<home>``'s lake, with the same config every time so a rerun may resume.
"""

import sys

import dagster as dg

from assets.common.raw_assets import RAW_FILE_ASSETS
from assets.midi.velocity_assets import performance_notes, velocity_model
from resources import LakeResource, MlflowResource, ParquetIOManager, RawDataResource, TrainingResource

ASSETS = [RAW_FILE_ASSETS["piano_velocity"], performance_notes, velocity_model]


def resources(home: str, raw_root: str) -> dict:
    return {
        "io_manager": ParquetIOManager(home=home),
        "lake": LakeResource(home=home),
        "raw_data": RawDataResource(root=raw_root, home=home),
        "training": TrainingResource(home=home, device="cpu", seed=42),
        "mlflow": MlflowResource(home=home),
    }


def run_config(max_epochs: int) -> dict:
    # Small layers keep an epoch short; patience above max_epochs so early stopping cannot end the run first.
    config = {"first_units": 16, "second_units": 8, "max_epochs": max_epochs, "patience": max_epochs + 1}
    return {"ops": {"velocity_model": {"config": config}}}


def main(home: str, raw_root: str, max_epochs: int) -> None:
    result = dg.materialize(
        ASSETS, selection=["velocity_model"], resources=resources(home, raw_root), run_config=run_config(max_epochs)
    )
    print(f"velocity_model materialized: {result.success}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
