"""Everything the `lyrics` group contributes to the code location."""

import dagster as dg

from assets.common.raw_assets import raw_assets_for_domain

defs = dg.Definitions(assets=[*raw_assets_for_domain("lyrics")])
