"""A nightly run rebuilds only the dbt nodes downstream of what changed (issue 19, item 2).

On a copy of the end-to-end home (built and published by the real job), the next day's exports
arrive: new visits and order lines, a corrected visit, the payments file sent again with rows
gone. The next nightly run must leave the models of the unchanged sources (accounts, employees,
contracts, the seeds, the address parsing) as they are and rebuild those downstream of visits,
orders and payments; its warehouse and published copy must equal, table for table, what a full
rebuild of the same data gives; and a run with no new export rebuilds only what reads the
validation results and the forecast's snapshot (written every night) and the clock.
"""

from __future__ import annotations

import re
import shutil

import dagster as dg
import duckdb
import pytest
from conftest import assert_same_tables, table_fingerprints

from dagster_project.defs.customers.assets import ACCOUNT_MATCHES
from dagster_project.defs.warehouse.assets import MANIFEST, UNIQUE_ID_BY_KEY
from dagster_project.launch import run_nightly
from medops.build_changes import BASELINE_TABLE, CLOCK_TAG
from medops.publish import published_copies
from medops.settings import Paths
from tests.test_incremental_build import write_next_day

WAREHOUSE_SCHEMAS = ("staging", "intermediate", "marts", "semantic", "reference", "snapshots")


def rebuilt_by_asset(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetKey, bool]:
    """Each asset the run materialized: whether it was built, or reported unchanged."""
    found = {}
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records:
        materialization = record.event_log_entry.asset_materialization
        flag = materialization.metadata.get("rebuilt")
        found[materialization.asset_key] = flag is None or bool(flag.value)
    return found


def dbt_nodes_built(instance: dg.DagsterInstance, run_id: str) -> tuple[set[str], set[str]]:
    """(rebuilt, kept): the names of the dbt nodes the run's dbt steps built, and of those
    they reported unchanged."""
    rebuilt, kept = set(), set()
    for key, built in rebuilt_by_asset(instance, run_id).items():
        if key in UNIQUE_ID_BY_KEY:
            (rebuilt if built else kept).add(UNIQUE_ID_BY_KEY[key].split(".")[-1])
    return rebuilt, kept


def fingerprints(home) -> dict:
    return {
        **table_fingerprints(home / "warehouse.duckdb", WAREHOUSE_SCHEMAS),
        **{
            f"published {name}": value
            for name, value in table_fingerprints(home / "published.duckdb", ("main",)).items()
        },
    }


@pytest.mark.slow
def test_a_night_rebuilds_what_changed_and_equals_a_full_rebuild(
    clean_build, tmp_path, monkeypatch
):
    home, _, first = clean_build
    assert first.success
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    monkeypatch.setenv("MEDOPS_HOME", str(copy))
    monkeypatch.setenv("DAGSTER_HOME", str(copy / "dagster"))
    exports = copy / "exports"
    write_next_day(exports, exports)
    all_nodes = {uid.split(".")[-1] for uid in UNIQUE_ID_BY_KEY.values()}

    with dg.DagsterInstance.get() as instance:
        night = run_nightly(instance, exports, log_level="WARNING")
        assert night.success
        rebuilt, kept = dbt_nodes_built(instance, night.run_id)
        assert rebuilt | kept == all_nodes and not rebuilt & kept
        # downstream of the new visits, orders and payments
        assert {
            "stg_crm__visits",
            "stg_erp__orders",
            "stg_erp__payments",
            "fct_deal_to_cash",
            "fct_ar_aging_snapshot",
        } <= rebuilt
        # no changed source upstream: kept as the last publish left them
        assert {
            "stg_crm__accounts",
            "stg_crm__employees",
            "int_org_unit_hierarchy",
            "dim_employees",
            "int_geo__address_parsed",
            "aging_buckets",
        } <= kept
        assert len(rebuilt) < len(all_nodes) * 0.8, (len(rebuilt), len(all_nodes))
        # the same accounts, code and rules: matching kept
        assert rebuilt_by_asset(instance, night.run_id)[ACCOUNT_MATCHES] is False
        # the marts it kept are taken from the copy the first run published, the others from
        # the warehouse (the full rebuild below publishes them all and must give the same)
        published = published_copies(Paths(copy))
        assert published[0].audit["run_id"] == night.run_id
        assert published[0].audit["kept_from"] == published[1].copy_id
        assert published[1].audit["run_id"] == first.run_id
        assert set(published[0].audit["kept_tables"]) == {
            name for name in kept if name.startswith(("fct_", "dim_", "rpt_"))
        }
        assert "dim_employees" in published[0].audit["kept_tables"]
        after_changes = fingerprints(copy)

        full = run_nightly(instance, exports, log_level="WARNING", full=True)
        assert full.success
        assert published_copies(Paths(copy))[0].audit["kept_from"] is None
        assert dbt_nodes_built(instance, full.run_id) == (all_nodes, set())
        assert rebuilt_by_asset(instance, full.run_id)[ACCOUNT_MATCHES] is True
        assert_same_tables(fingerprints(copy), after_changes, "full rebuild vs changed only")

        quiet = run_nightly(instance, exports, log_level="WARNING")
        assert quiet.success
        # what reads the validation results and the forecast's snapshot (both written again
        # every night, with the night's time) or the clock
        rebuilt_again = {
            "stg_ingest_meta__validation_results",
            "rpt_validation_latest",
            "rpt_forecast_snapshots",
            "fct_customer_timeline",
        }
        assert dbt_nodes_built(instance, quiet.run_id) == (
            rebuilt_again,
            all_nodes - rebuilt_again,
        )
        assert_same_tables(fingerprints(copy), after_changes, "nothing new")
        assert published_copies(Paths(copy))[0].audit["kept_from"] == (
            published_copies(Paths(copy))[1].copy_id
        )

    con = duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True)
    try:
        recorded_by = con.execute(f"select distinct run_id from {BASELINE_TABLE}").fetchall()
    finally:
        con.close()
    assert recorded_by == [(quiet.run_id,)]


CLOCK_FUNCTIONS = re.compile(r"\b(current_date|current_timestamp|now\(\)|today\(\))", re.I)


def test_every_model_that_reads_the_clock_is_rebuilt_every_night():
    """A model whose rows depend on today's date must carry the tag that rebuilds it nightly;
    otherwise a night without new exports would leave yesterday's answer published."""
    reading = {
        node["name"]
        for node in MANIFEST["nodes"].values()
        if node["resource_type"] == "model" and CLOCK_FUNCTIONS.search(node["raw_code"])
    }
    tagged = {node["name"] for node in MANIFEST["nodes"].values() if CLOCK_TAG in node["tags"]}
    assert reading == tagged == {"fct_customer_timeline"}
