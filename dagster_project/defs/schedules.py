"""The nightly job: ingest the night's exports, build and test the warehouse, audit, publish."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.forecast.assets import BACKTEST_TAG, forecasts
from dagster_project.defs.warehouse.checks import blocking_mart_checks
from dagster_project.defs.warehouse.tie_outs import deal_to_cash_tie_outs
from medops.settings import NIGHTLY_JOB_NAME

# DuckDB admits one writing process per file, and every step of these jobs opens the warehouse.
# The jobs run their steps one after another in the run's own process (what the UI, the daemon
# and `medops run` launch alike): no step can take the file from another, whatever assets are
# added later, the order is still Dagster's (a failed step skips what depends on it), and the
# definitions are imported once per run rather than once per step (a process per step cost
# 4-9 s of imports each, eight times a night).
serialized_warehouse_executor = dg.in_process_executor.configured(
    {}, name="serialized_warehouse_executor"
)

# Runs with this tag are queued one at a time by the run queue (deploy/dagster.yaml): the
# sensor, the schedule and a manual launch never write the warehouse at once.
WAREHOUSE_RUN_TAGS = {"medops/warehouse": "writer"}

# the month-end close (group "close") runs on its own schedule, not every night; the archive's
# daily partitions (group "backfill") are loaded again only by a backfill
nightly_warehouse_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("close", "backfill"),
    description="Ingest all new exports, dbt build with its tests, blocking checks on the "
    "finance and service marts and the deal-to-cash tie-outs, publish the marts to the cockpit "
    "(only if the checks pass).",
    executor_def=serialized_warehouse_executor,
    tags=WAREHOUSE_RUN_TAGS,
)

# 02:00 in China, after the CRM and ERP nightly exports have landed. On by default: a fresh
# deployment runs it without anyone switching it on in the UI.
nightly_schedule = dg.ScheduleDefinition(
    job=nightly_warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# Re-audit and publish what the warehouse holds, without rebuilding it: after a blocking check
# was fixed or a failed publish step, and in the write-audit-publish tests.
audit_and_publish_job = dg.define_asset_job(
    "audit_and_publish",
    selection=dg.AssetSelection.assets(dg.AssetKey("published_marts"))
    | dg.AssetSelection.checks(blocking_mart_checks, deal_to_cash_tie_outs),
    description="The blocking mart checks and the deal-to-cash tie-outs, then publish if they "
    "pass (no rebuild).",
    executor_def=serialized_warehouse_executor,
    tags=WAREHOUSE_RUN_TAGS,
)

# Weekly, Monday 03:00 China time (after the nightly build): replay the forecast backtest over
# the whole history, rebuild the forecast marts that read it and publish. The nightly run
# forecasts tonight's origin only, so an export that restates the past reaches the backtest's
# accuracy figures within a week.
forecast_backtest_job = dg.define_asset_job(
    "forecast_backtest",
    selection=dg.AssetSelection.assets(forecasts).downstream() - dg.AssetSelection.groups("close"),
    description="Replay the forecast backtest over the whole history, rebuild the forecast "
    "marts, publish (with the blocking checks).",
    executor_def=serialized_warehouse_executor,
    tags={**WAREHOUSE_RUN_TAGS, **BACKTEST_TAG},
)

forecast_backtest_schedule = dg.ScheduleDefinition(
    job=forecast_backtest_job,
    cron_schedule="0 3 * * 1",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
