"""Dagster entry point: `dagster dev -m dagster_project.definitions`."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.arrivals import late_source_sensor
from dagster_project.defs.backfill import (
    archived_exports,
    backfill_archive_job,
    rebuild_after_backfill,
)
from dagster_project.defs.close import (
    month_end_close,
    month_end_close_job,
    month_end_close_schedule,
)
from dagster_project.defs.customers.assets import customer_matching
from dagster_project.defs.digests import morning_digests_job, morning_digests_schedule
from dagster_project.defs.exports.assets import raw_exports
from dagster_project.defs.forecast.assets import forecasts
from dagster_project.defs.landing import landing_sensor
from dagster_project.defs.recovery import dead_run_sweeper
from dagster_project.defs.schedules import (
    audit_and_publish_job,
    forecast_backtest_job,
    forecast_backtest_schedule,
    nightly_schedule,
    nightly_warehouse_job,
)
from dagster_project.defs.sensors import held_alerts_sender, nightly_failure_sensor
from dagster_project.defs.warehouse.assets import published_marts, warehouse_dbt_assets
from dagster_project.defs.warehouse.checks import blocking_mart_checks
from dagster_project.defs.warehouse.tie_outs import deal_to_cash_tie_outs
from dagster_project.resources import build_resources

ASSETS = [
    raw_exports,
    warehouse_dbt_assets,
    customer_matching,
    forecasts,
    published_marts,
    month_end_close,
    archived_exports,
]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=[blocking_mart_checks, deal_to_cash_tie_outs],
    jobs=[
        nightly_warehouse_job,
        audit_and_publish_job,
        forecast_backtest_job,
        morning_digests_job,
        month_end_close_job,
        backfill_archive_job,
    ],
    schedules=[
        nightly_schedule,
        forecast_backtest_schedule,
        morning_digests_schedule,
        month_end_close_schedule,
    ],
    sensors=[
        landing_sensor,
        late_source_sensor,
        nightly_failure_sensor,
        dead_run_sweeper,
        held_alerts_sender,
        rebuild_after_backfill,
    ],
    resources=build_resources(),
)


def nightly_job() -> dg.JobDefinition:
    """The nightly job, for `dg.reconstructable` (a run in child processes re-imports it)."""
    return defs.resolve_job_def("nightly_warehouse")


def backfill_job() -> dg.JobDefinition:
    """The archive backfill job, for `dg.reconstructable`."""
    return defs.resolve_job_def("backfill_archive")
