"""Who owns an asset, which domain it belongs to and where its code is: what each domain's definitions add.

The UI shows the owners on each asset page and in the catalog, filters the catalog by the ``domain`` tag, and
links each asset to the file and line of the function that computes it. A domain is owned by its team,
``team:encore-<domain>``; the leaderboard, which ranks every domain's champions, by ``team:encore-platform``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import dagster as dg

from assets.common.sources import DOMAINS

DOMAIN_TAG = "domain"
CROSS_DOMAIN = "all"  # the `domain` tag of the assets that span every domain (the leaderboard)
OWNER_BY_DOMAIN: dict[str, str] = {
    **{domain: f"team:encore-{domain}" for domain in DOMAINS},
    CROSS_DOMAIN: "team:encore-platform",
}


def with_asset_attributes(domain: str, assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The assets with the domain's owner, the ``domain`` tag and a code reference to the function of each."""
    if domain not in OWNER_BY_DOMAIN:
        raise ValueError(f"{domain!r} is not a domain: expected one of {sorted(OWNER_BY_DOMAIN)}")
    owners, tags = [OWNER_BY_DOMAIN[domain]], {DOMAIN_TAG: domain}
    # Code references are beta in Dagster 1.13: without this, every load of the code location prints two
    # warnings per asset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        located = dg.with_source_code_references(list(assets))
    return list(dg.map_asset_specs(lambda spec: spec.merge_attributes(owners=owners, tags=tags), located))
