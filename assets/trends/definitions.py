"""Everything the `trends` group contributes to the code location."""

import dagster as dg

from assets.common.asset_attributes import with_asset_attributes
from assets.common.champions import build_champion_definitions
from assets.common.raw_assets import raw_assets_for_domain
from assets.trends.checks import TIANCHI_CHECKS
from assets.trends.forecast_assets import CHAMPION_SPEC, forecast_report, play_forecast, play_forecast_model
from assets.trends.sql_assets import dbt_resource, tianchi_tables, trends_dbt_models

CHAMPION_TASKS = [CHAMPION_SPEC]
forecast_report_blessing, forecast_champion = build_champion_definitions(CHAMPION_SPEC)

ASSETS = [
    *raw_assets_for_domain("trends"),
    tianchi_tables,
    trends_dbt_models,
    play_forecast_model,
    forecast_report,
    forecast_champion,
    play_forecast,
]
CHECKS = [*TIANCHI_CHECKS, forecast_report_blessing]

defs = dg.Definitions(
    assets=with_asset_attributes("trends", ASSETS),
    asset_checks=CHECKS,
    resources={"dbt": dbt_resource()},
)
