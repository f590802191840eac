"""Dagster entry point: `dagster dev -m dagster_project.definitions`."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.customers.assets import customer_matching
from dagster_project.defs.exports.assets import raw_exports
from dagster_project.defs.forecast.assets import forecasts
from dagster_project.defs.schedules import nightly_schedule, nightly_warehouse_job
from dagster_project.defs.warehouse.assets import published_marts, warehouse_dbt_assets
from dagster_project.resources import build_resources

defs = dg.Definitions(
    assets=[raw_exports, warehouse_dbt_assets, customer_matching, forecasts, published_marts],
    jobs=[nightly_warehouse_job],
    schedules=[nightly_schedule],
    resources=build_resources(),
)
