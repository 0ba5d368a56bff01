"""Declarative automation and freshness, applied in one place by what each asset is in the graph.

- Raw folders (``raw_<source>_folder``) are observed every hour; their data version is a content hash.
- Data assets (raw file lists, cleaning, features) follow eagerly: a parent with a new materialization or a
  new observed version requests them, unless a blocking check on a parent failed.
- Trained models (tag ``encore/role=trained_model``) retrain once a cron tick (Mondays 03:00 UTC) has passed
  since their last training, and only if one of their inputs has changed since then.
- What follows a model (reports, champions, generated samples, the leaderboard) follows eagerly, but only
  from models and from each other: new features alone do not re-evaluate an old model.
- Reports and champions carry a freshness policy. The hyperparameter sweep is an experiment: no automation.

The conditions are evaluated by the sensors in ``pipelines/sensors.py``, which ship turned off.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import dagster as dg

from assets.common.dagster_metadata import TRAINED_MODEL_TAGS
from assets.setlists.sweep_assets import SWEEP_GROUP
from pipelines.jobs import TRAINING_AND_DOWNSTREAM

OBSERVE_RAW_FOLDERS_CRON = "0 * * * *"
RETRAIN_CRON = "0 3 * * 1"
AUTOMATION_TIMEZONE = "UTC"

# A champion or report not rebuilt for a week warns, for two weeks fails: models retrain at most weekly, and only
# when their data changed, so a warning also appears when no new data arrived (see README, Freshness).
REPORT_FRESHNESS = dg.FreshnessPolicy.time_window(warn_window=timedelta(days=7), fail_window=timedelta(days=14))


def data_condition() -> dg.AutomationCondition:
    """Eager, and never past a failed blocking check of a parent."""
    return (dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()).with_label(
        "eager, unless a parent's blocking check failed"
    )


def observe_condition(cron: str = OBSERVE_RAW_FOLDERS_CRON) -> dg.AutomationCondition:
    """Observe on every cron tick, and once as soon as automation starts evaluating."""
    return (
        dg.AutomationCondition.cron_tick_passed(cron, AUTOMATION_TIMEZONE) | dg.AutomationCondition.initial_evaluation()
    ).with_label(f"observe every tick of {cron}")


def retrain_condition(cron: str = RETRAIN_CRON) -> dg.AutomationCondition:
    """A cron tick has passed since the last training, and an input has changed since then: at most one
    training per tick, none while the data stands still (``on_cron`` would instead wait for every input)."""
    return (
        dg.AutomationCondition.cron_tick_passed(cron, AUTOMATION_TIMEZONE).since_last_handled()
        & dg.AutomationCondition.any_deps_updated().since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label(f"retrain after {cron} when an input changed")


def follow_models_condition() -> dg.AutomationCondition:
    """Eager, triggered only by a model or by what follows a model."""
    return (
        data_condition()
        .replace("any_deps_updated", dg.AutomationCondition.any_deps_updated().allow(TRAINING_AND_DOWNSTREAM))
        .with_label("eager after a model or what follows one, unless a parent's blocking check failed")
    )


@dataclass(frozen=True)
class AssetRoles:
    """The asset keys of each role, read from the asset graph."""

    observed: frozenset[dg.AssetKey]
    data: frozenset[dg.AssetKey]
    models: frozenset[dg.AssetKey]
    followers: frozenset[dg.AssetKey]
    reports_and_champions: frozenset[dg.AssetKey]


def asset_roles(graph: dg.AssetGraph) -> AssetRoles:
    """Roles by position: models by tag; followers are what `retrain_all` rebuilds after them
    (``TRAINING_AND_DOWNSTREAM``); reports are followers with a model parent, champions followers with a
    report parent. Observable assets are the raw folders."""
    nodes = [node for node in graph.asset_nodes if node.group_name != SWEEP_GROUP]
    model_tag = next(iter(TRAINED_MODEL_TAGS.items()))
    models = {node.key for node in nodes if node.tags.get(model_tag[0]) == model_tag[1]}
    followers = set(TRAINING_AND_DOWNSTREAM.resolve(graph)) - models
    reports = {key for key in followers if graph.get(key).parent_keys & models}
    champions = {key for key in followers if graph.get(key).parent_keys & reports}
    observed = {node.key for node in nodes if node.is_observable}
    data = {node.key for node in nodes if node.is_materializable} - models - followers
    return AssetRoles(
        observed=frozenset(observed),
        data=frozenset(data),
        models=frozenset(models),
        followers=frozenset(followers),
        reports_and_champions=frozenset(reports | champions),
    )


def conditions_by_key(roles: AssetRoles) -> Mapping[dg.AssetKey, dg.AutomationCondition]:
    by_role = (
        (roles.observed, observe_condition()),
        (roles.data, data_condition()),
        (roles.models, retrain_condition()),
        (roles.followers, follow_models_condition()),
    )
    return {key: condition for keys, condition in by_role for key in keys}


def with_automation(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with every asset's automation condition set by its role, and freshness on reports and champions."""
    roles = asset_roles(defs.resolve_asset_graph())
    conditions = conditions_by_key(roles)

    def automate(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.key not in conditions:
            return spec
        freshness = REPORT_FRESHNESS if spec.key in roles.reports_and_champions else spec.freshness_policy
        return spec.replace_attributes(automation_condition=conditions[spec.key], freshness_policy=freshness)

    with warnings.catch_warnings():
        # `map_asset_specs` is Dagster's documented way to set conditions over a whole code location; it is
        # marked preview, and the warning would print on every load of the code location.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=automate)
