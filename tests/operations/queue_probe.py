"""Two one-asset domains (`trends`, `lyrics`) as a code location for the run-queue test (test_run_queue).

Each asset holds its domain's lake folder for a few seconds, the way a domain's run writes it, and fails
the run when it finds the folder held by another run: two writers of one domain at once fail loudly
instead of relying on the test's timing alone. Every finished write appends its run id to
``writes.txt`` in the folder, so the test reads the order in which the runs wrote."""

import os
import time

import dagster as dg

from resources import LakeResource
from resources.run_coordinator import write_tags

HOLD_SECONDS = 5.0
HOLD_FILE = "writing"
WRITES_FILE = "writes.txt"


def hold_domain_folder(lake: LakeResource, domain: str, run_id: str) -> dg.MaterializeResult:
    folder = lake.domain_dir(domain)
    hold = folder / HOLD_FILE
    try:
        descriptor = os.open(hold, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise RuntimeError(f"{hold}: run {hold.read_text()} is writing the {domain} folder too") from None
    with os.fdopen(descriptor, "w") as holder:
        holder.write(run_id)
    time.sleep(HOLD_SECONDS)
    with open(folder / WRITES_FILE, "a") as writes:
        writes.write(f"{run_id}\n")
    hold.unlink()
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(folder))})


@dg.asset(group_name="trends")
def trends_probe(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Writes the trends folder for a few seconds."""
    return hold_domain_folder(lake, "trends", context.run_id)


@dg.asset(group_name="lyrics")
def lyrics_probe(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Writes the lyrics folder for a few seconds."""
    return hold_domain_folder(lake, "lyrics", context.run_id)


# Like the real domain jobs: tagged with the domain it writes.
trends_probe_job = dg.define_asset_job(
    "trends_probe_job", selection=dg.AssetSelection.groups("trends"), tags=write_tags(["trends"])
)
# Like `retrain_all`: spans both domains and carries no tag of its own.
both_probe_job = dg.define_asset_job("both_probe_job", selection=dg.AssetSelection.all())

defs = dg.Definitions(
    assets=[trends_probe, lyrics_probe],
    jobs=[trends_probe_job, both_probe_job],
    resources={"lake": LakeResource()},
    executor=dg.in_process_executor,
)
