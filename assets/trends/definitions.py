"""Everything the `trends` group contributes to the code location."""

import dagster as dg

from assets.common.raw_assets import raw_assets_for_domain
from assets.trends.checks import TIANCHI_CHECKS
from assets.trends.forecast_assets import forecast_report, play_forecast, play_forecast_model
from assets.trends.sql_assets import dbt_resource, tianchi_tables, trends_dbt_models

ASSETS = [
    *raw_assets_for_domain("trends"),
    tianchi_tables,
    trends_dbt_models,
    play_forecast_model,
    play_forecast,
    forecast_report,
]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=TIANCHI_CHECKS,
    resources={"dbt": dbt_resource()},
)
