"""The Dagster definitions load, and the asset graph connects ingest to dbt to the cockpit."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.definitions import defs
from ingest.contracts import load_contracts


def test_definitions_load_and_graph_connects():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    raw_keys = {f"{c.system}/{c.source}" for c in load_contracts()}
    assert raw_keys <= keys
    assert {
        "staging/stg_crm__opportunities",
        "marts/fct_funnel_stage_reached",
        "marts/rpt_sales_funnel_monthly",
        "reference/opportunity_stages",
    } <= keys
    assert "published_marts" in keys

    # the dbt source of every raw table is the ingest asset itself, so lineage is unbroken
    staging = graph.get(dg.AssetKey(["staging", "stg_crm__opportunity_stage_history"]))
    assert dg.AssetKey(["crm", "crm_opportunity_stage_history"]) in staging.parent_keys
    ledger_view = graph.get(dg.AssetKey(["staging", "stg_ingest_meta__ledger"]))
    assert ledger_view.parent_keys == {dg.AssetKey(["ingest_meta", "_ingest_ledger"])}
    assert graph.get(dg.AssetKey(["ingest_meta", "_ingest_ledger"])).is_materializable
    published = graph.get(dg.AssetKey("published_marts"))
    assert dg.AssetKey(["marts", "rpt_sales_funnel_monthly"]) in published.parent_keys


def test_nightly_schedule_runs_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("nightly_warehouse_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_warehouse"


def test_schedule_and_sensors_are_on_by_default():
    schedule = defs.resolve_schedule_def("nightly_warehouse_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    for name in (
        "landing_sensor",
        "nightly_failure_sensor",
        "dead_run_sweeper",
        "held_alerts_sender",
        "rebuild_after_backfill",
    ):
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


def test_the_warehouse_jobs_run_one_step_at_a_time():
    from dagster_project.defs.schedules import serialized_warehouse_executor

    job = defs.resolve_job_def("nightly_warehouse")
    assert job.executor_def is serialized_warehouse_executor
    # the in-process executor: every step in the run's process, one after another
    assert (
        serialized_warehouse_executor.executor_creation_fn
        is dg.in_process_executor.executor_creation_fn
    )
    for name in ("audit_and_publish", "close_month"):
        assert defs.resolve_job_def(name).executor_def is serialized_warehouse_executor


def test_blocking_checks_guard_the_finance_and_service_marts():
    graph = defs.resolve_asset_graph()
    blocking = {
        (key.asset_key.to_user_string(), key.name)
        for key in graph.asset_check_keys
        if graph.get_check_spec(key).blocking
    }
    assert {
        ("marts/rpt_ar_kpis_monthly", "aging_buckets_sum_to_open_amount"),
        ("marts/fct_service_sla_targets", "sla_rows_are_tickets_times_targets"),
        ("marts/rpt_sales_funnel_monthly", "funnel_narrows_stage_to_stage"),
    } <= blocking


@pytest.mark.slow
def test_dagster_dev_loads_without_the_virtualenv_on_path(tmp_path):
    """`.venv/bin/dagster dev` started by a service manager: PATH has the system only, and dev
    mode re-parses the dbt project on load (DAGSTER_IS_DEV_CLI)."""
    dagster = Path(sys.executable).parent / "dagster"
    run = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "dagster_project.definitions"],
        env={
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "DAGSTER_IS_DEV_CLI": "1",
            "MEDOPS_HOME": str(tmp_path / "medops"),
            "DAGSTER_HOME": str(tmp_path),
        },
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Validation successful" in run.stderr + run.stdout


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-10-01", False),  # 国庆节, a Thursday
        ("2026-01-04", True),  # a Sunday made a working day (调休)
        ("2026-12-07", True),  # a Monday
        ("2027-01-31", True),  # 调休 from the analysts' calendar (seeds/holidays_extra.csv)
        ("2027-02-05", False),  # 春节 from the same
    ],
)
def test_morning_digests_run_on_working_days_only(day, working):
    schedule = defs.resolve_schedule_def("morning_digests_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    at = dt.datetime.fromisoformat(f"{day}T07:30:00+08:00")
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=at))
    assert bool(result.run_requests) is working


def test_old_dbt_invocation_folders_are_removed_and_nothing_else(tmp_path):
    import os
    import time

    from dagster_project.defs.warehouse.assets import prune_dbt_invocations

    now = time.time()
    week_and_a_day = now - 8 * 86400
    old = ["3f9a1c2", "warehouse_dbt_assets_2-79799c7-eabfd62"]
    kept = ["a1b2c3d", "compiled", "run", "warehouse_dbt_assets-1234567-not_hex"]
    for name in old + kept:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / "manifest.json").write_text("{}")
    for name in [*old, "compiled", "run", "warehouse_dbt_assets-1234567-not_hex"]:
        os.utime(tmp_path / name, (week_and_a_day, week_and_a_day))

    removed = prune_dbt_invocations(tmp_path, now)

    assert sorted(p.name for p in removed) == sorted(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "manifest.json"])


def test_the_dbt_resource_skips_the_unused_in_process_adapter():
    from dagster_dbt import DbtCliResource

    from dagster_project.resources import WarehouseDbtResource, build_resources

    # the overridden method still exists in dagster-dbt, so the override still takes effect
    assert callable(DbtCliResource.__dict__["_initialize_dbt_core_adapter"])
    dbt = build_resources()["dbt"]
    assert isinstance(dbt, WarehouseDbtResource)
    assert dbt._initialize_dbt_core_adapter([]) is None


def test_a_dbt_step_leaves_its_parse_state_for_the_next_one(tmp_path):
    from dagster_project.defs.warehouse.assets import keep_parse_state

    project_target = tmp_path / "target"
    invocation = project_target / "warehouse_dbt_assets-1a2b3c4-5d6e7f8"
    invocation.mkdir(parents=True)
    (project_target / "partial_parse.msgpack").write_bytes(b"parsed for another home")
    (invocation / "partial_parse.msgpack").write_bytes(b"parsed for this home")

    keep_parse_state(invocation, project_target)

    assert (project_target / "partial_parse.msgpack").read_bytes() == b"parsed for this home"
    assert sorted(p.name for p in project_target.iterdir()) == sorted(
        [invocation.name, "partial_parse.msgpack"]
    )
    keep_parse_state(project_target / "no-state-written", project_target)  # dbt stopped early
    assert (project_target / "partial_parse.msgpack").read_bytes() == b"parsed for this home"
