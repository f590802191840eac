"""The Dagster definitions load, and the asset graph connects ingest to dbt to the cockpit."""

from __future__ import annotations

import dagster as dg

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
