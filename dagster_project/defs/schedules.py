"""The nightly job: ingest the night's exports, build and test the warehouse, publish."""

from __future__ import annotations

import dagster as dg

nightly_warehouse_job = dg.define_asset_job(
    "nightly_warehouse",
    selection=dg.AssetSelection.all(),
    description="Ingest all new exports, dbt build, publish the marts to the cockpit.",
)

# 02:00 in China, after the CRM and ERP nightly exports have landed.
nightly_schedule = dg.ScheduleDefinition(
    job=nightly_warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
)
