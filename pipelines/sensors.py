"""The automation sensors: one per group, each evaluating the automation conditions of its group's assets.

They ship turned off; turn them on in the UI (Automation tab) or with ``dagster sensor start``. One sensor per
domain, rather than Dagster's single default sensor, so that automation runs carry their domain job's tags,
and the shipped instance config queues a domain's automation run behind that domain's other runs.
"""

from __future__ import annotations

import dagster as dg

from assets.common.raw_assets import raw_folder_key
from assets.common.sources import DOMAINS, RAW_SOURCES
from pipelines.jobs import DOMAIN_JOBS, job_for_domain

LEADERBOARD_GROUP = "models"


def raw_folder_keys(domain: str) -> list[dg.AssetKey]:
    """The domain's observed raw folders, which a group selection leaves out (they are not materializable)."""
    return [raw_folder_key(source) for source in RAW_SOURCES if source.domain == domain]


def automation_sensor(group: str) -> dg.AutomationConditionSensorDefinition:
    job_tags = {job.name: dict(job.tags or {}) for job in DOMAIN_JOBS}
    return dg.AutomationConditionSensorDefinition(
        name=f"{group}_automation",
        target=dg.AssetSelection.groups(group) | dg.AssetSelection.assets(*raw_folder_keys(group)),
        run_tags=job_tags.get(job_for_domain(group), {}) if group in DOMAINS else {},
        default_status=dg.DefaultSensorStatus.STOPPED,
        minimum_interval_seconds=60,
        description=f"Evaluates the automation conditions of the `{group}` group every minute: observes its raw "
        "folders hourly, rebuilds data when a folder's content changes, retrains models after Monday 03:00 UTC "
        "when their inputs changed, and then rebuilds reports and champions.",
    )


SENSORS: list[dg.AutomationConditionSensorDefinition] = [
    automation_sensor(group) for group in (*DOMAINS, LEADERBOARD_GROUP)
]
