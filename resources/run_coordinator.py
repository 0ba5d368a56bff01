"""The run queue: every run that writes a domain's assets waits for any other run writing that domain.

Each domain's lake folder (``<home>/lake/<domain>/...``) has one writer at a time. The shipped
``dagster.yaml`` limits every tag ``encore/writes-<domain>`` to one run in progress, and
``DomainRunCoordinator`` puts those tags on every run it queues, whatever launched it (a domain job, a
hand-picked asset selection in the UI, ``retrain_all``, a schedule, a sensor, a backfill, declarative
automation): one tag per domain whose assets the run materializes or checks, so a run spanning several domains
waits for each of them. An asset's domain is its group: ``setlists``, or a group named after a domain
such as ``setlists_sweep``; the ``models`` group (the leaderboard) belongs to none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import dagster as dg
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
from dagster._core.definitions.selector import JobSelector
from dagster._core.workspace.context import BaseWorkspaceRequestContext

from assets.common.sources import DOMAINS

WRITES_TAG_PREFIX = "encore/writes-"


def write_tag(domain: str) -> str:
    """The run tag that says a run writes ``domain``'s assets (``encore/writes-setlists``)."""
    if domain not in DOMAINS:
        raise ValueError(f"{domain!r} is not one of the domains {DOMAINS}")
    return f"{WRITES_TAG_PREFIX}{domain}"


def write_tags(domains: Iterable[str]) -> dict[str, str]:
    """The run tags of a run that writes ``domains``: one ``encore/writes-<domain>: "true"`` each."""
    return {write_tag(domain): "true" for domain in sorted(set(domains))}


def domain_of_group(group: str) -> str | None:
    """The domain an asset group writes: the domain it is named after (``setlists``, ``setlists_sweep``),
    or None for a group outside the domains (``models``, ``default``)."""
    for domain in DOMAINS:
        if group == domain or group.startswith(f"{domain}_"):
            return domain
    return None


def domains_of_assets(asset_graph: BaseAssetGraph, asset_keys: Iterable[dg.AssetKey]) -> set[str]:
    """The domains whose lake folders materializing ``asset_keys`` writes; keys missing from the graph
    (an asset of another code location) write none."""
    groups = {asset_graph.get(key).group_name for key in asset_keys if asset_graph.has(key)}
    return {domain for group in groups if (domain := domain_of_group(group)) is not None}


def selected_asset_keys(run: dg.DagsterRun) -> set[dg.AssetKey] | None:
    """The assets ``run`` materializes or checks when it was launched for a selection (a hand-picked
    selection in the UI, a sensor's or automation's request); None when it runs its whole job."""
    if run.asset_selection is None and run.asset_check_selection is None:
        return None
    checked = {check_key.asset_key for check_key in run.asset_check_selection or ()}
    return set(run.asset_selection or ()) | checked


def job_asset_keys(run: dg.DagsterRun, workspace: BaseWorkspaceRequestContext) -> set[dg.AssetKey]:
    """Every asset of ``run``'s job, as the workspace that launches it sees the job."""
    origin = run.remote_job_origin
    if origin is None:
        return set()
    selector = JobSelector(
        location_name=origin.location_name,
        repository_name=origin.repository_origin.repository_name,
        job_name=run.job_name,
    )
    return set(workspace.get_asset_keys_in_job(selector))


def missing_write_tags(run: dg.DagsterRun, domains: Iterable[str]) -> Mapping[str, str]:
    """The write tags of ``domains`` that ``run`` does not carry yet."""
    return {key: value for key, value in write_tags(domains).items() if key not in run.tags}


class DomainRunCoordinator(dg.QueuedRunCoordinator):
    """Dagster's queued run coordinator, which first tags each run with the domains it writes
    (``encore/writes-<domain>``), so the instance's per-tag run limits hold it back while another run
    writes one of them. Configured in ``dagster.yaml`` (``run_coordinator:``), beside the
    ``concurrency.runs`` limits it relies on; it takes the same config as ``QueuedRunCoordinator``."""

    def submit_run(self, context: dg.SubmitRunContext) -> dg.DagsterRun:
        run = context.dagster_run
        asset_keys = selected_asset_keys(run)
        if asset_keys is None:
            asset_keys = job_asset_keys(run, context.workspace)
        domains = domains_of_assets(context.workspace.asset_graph, asset_keys)
        missing = missing_write_tags(run, domains)
        if missing:
            self._instance.add_run_tags(run.run_id, missing)
            tagged = self._instance.get_run_by_id(run.run_id)
            if tagged is None:
                raise dg.DagsterInvariantViolationError(f"run {run.run_id} vanished while it was being queued")
            context = context._replace(dagster_run=tagged)
        return super().submit_run(context)
