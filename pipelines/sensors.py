"""The raw-files sensor: starts a domain's job when one of its raw folders changes.

Every evaluation takes a cheap fingerprint (path, size and modification time of every file) of each
raw folder under ``RawDataResource.base``; the cursor keeps the fingerprints it last saw. A domain
whose folders differ from the cursor gets one run request for its job (raw files to reports).
Folders that do not exist are not fingerprinted: with the embedded sample, the folders appear after
the first run writes them, and that appearance counts as new data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from assets.common.fingerprint import cheap_fingerprint
from assets.common.sources import DOMAINS, RAW_SOURCES
from pipelines.jobs import DOMAIN_JOBS, job_for_domain
from resources.raw_data import RawDataResource


def raw_folder_fingerprints(base: Path) -> dict[str, str]:
    """The cheap fingerprint of every raw source folder that exists under ``base``."""
    return {
        source.folder: cheap_fingerprint(base / source.folder, source.suffixes, base)
        for source in RAW_SOURCES
        if (base / source.folder).is_dir()
    }


def changed_domains(previous: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """Domains (in the usual order) with a folder whose fingerprint is new or differs from ``previous``."""
    changed = {
        source.domain
        for source in RAW_SOURCES
        if source.folder in current and current[source.folder] != previous.get(source.folder)
    }
    return [domain for domain in DOMAINS if domain in changed]


def domain_fingerprint(domain: str, fingerprints: Mapping[str, str]) -> str:
    """One fingerprint over a domain's folders, used as the run key so one state never runs twice."""
    digest = hashlib.sha256()
    for source in RAW_SOURCES:
        if source.domain == domain and source.folder in fingerprints:
            digest.update(f"{source.folder}={fingerprints[source.folder]}\n".encode())
    return digest.hexdigest()[:16]


@dg.sensor(
    name="raw_files_sensor",
    jobs=DOMAIN_JOBS,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a domain's job when a file in one of its raw folders is added, removed or edited "
    "(checked every minute from file paths, sizes and modification times).",
)
def raw_files_sensor(context: dg.SensorEvaluationContext, raw_data: RawDataResource) -> dg.SensorResult:
    previous = json.loads(context.cursor) if context.cursor else {}
    current = raw_folder_fingerprints(raw_data.base)
    domains = changed_domains(previous, current)
    cursor = json.dumps(current, sort_keys=True)
    if not domains:
        return dg.SensorResult(skip_reason=f"no raw folder under {raw_data.base} changed", cursor=cursor)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{domain}-{domain_fingerprint(domain, current)}",
                job_name=job_for_domain(domain),
                tags={"encore/trigger": "raw_files_sensor", "encore/domain": domain},
            )
            for domain in domains
        ],
        cursor=cursor,
    )


SENSORS: list[dg.SensorDefinition] = [raw_files_sensor]
