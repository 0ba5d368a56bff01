"""The weekly retraining schedule. Off by default: a user turns it on in the UI (Automation tab)."""

from __future__ import annotations

import dagster as dg

from pipelines.jobs import retrain_all_job

weekly_retraining_schedule = dg.ScheduleDefinition(
    name="weekly_retraining",
    job=retrain_all_job,
    cron_schedule="0 3 * * 1",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every Monday at 03:00 UTC: retrain every model on the current data and rebuild its reports.",
)

SCHEDULES: list[dg.ScheduleDefinition] = [weekly_retraining_schedule]
