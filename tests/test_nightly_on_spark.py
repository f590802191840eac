"""The nightly job with MEDOPS_ENGINE=spark (docs/spark.md, "The nightly job on Spark"): the real
Dagster job on the clean scale-0.01 exports, dbt building on a real local Spark session (Java
17, pyspark), ingest and the Python assets writing DuckDB. It succeeds; the marts it publishes
are exactly those Spark builds, each equal to the DuckDB job's published table row for row; the
customer matching, which reads the staging accounts Spark built, writes the same tables as on
DuckDB; and what Spark does not build yet is reported, not published.

Compared as the equivalence test compares (medops/spark_port.py). Without Java or pyspark the
test fails with the command to run: it never skips.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest
from conftest import VOLATILE_COLUMNS

from dagster_project.launch import run_nightly
from medops.spark import built_relations, spark_manifest
from medops.spark_port import query_differences

pytestmark = [pytest.mark.slow, pytest.mark.long]

MATCHING_TABLES = ("customer_account_matches", "customer_match_pairs")


def column_types(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[tuple]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and table_name = ? order by column_index",
        [database, table],
    ).fetchall()


def test_the_nightly_job_on_spark_publishes_what_duckdb_publishes(
    spark_runtime, clean_build, tmp_path, monkeypatch
):
    duckdb_home, exports, duckdb_result = clean_build
    assert duckdb_result.success
    home = tmp_path / "spark_job_home"
    (home / "dagster").mkdir(parents=True)
    # the step processes read them from the environment
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("MEDOPS_ENGINE", "spark")
    with dg.DagsterInstance.get() as instance:
        result = run_nightly(instance, exports, log_level="WARNING")
        assert result.success
        checks = [
            event.asset_check_evaluation_data
            for event in result.all_events
            if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ]
    # a check Spark cannot evaluate yet says so and does not block; none failed outright
    assert checks
    assert all(check.passed or check.description.startswith("not evaluated: ") for check in checks)

    spark_marts = {
        relation.split(".")[1]
        for relation in built_relations(spark_manifest(home))
        if relation.startswith("marts.")
    }
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("attach ? as on_duckdb (read_only)", [str(duckdb_home / "published.duckdb")])
        con.execute("attach ? as on_spark (read_only)", [str(home / "published.duckdb")])
        published = {
            table
            for (table,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'on_spark' "
                "and table_name similar to '(fct|dim|rpt)_.*'"
            ).fetchall()
        }
        assert published == spark_marts
        # the same schemas: column names and types, in order
        for table in sorted(published):
            assert column_types(con, "on_spark", table) == column_types(con, "on_duckdb", table)
        # two runs of the job: what each run's clock or identity writes (load and run ids,
        # load and freeze times) differs, and is left out
        failures = []
        for table in sorted(published):
            kept = ", ".join(
                f'"{name}"'
                for name, _ in column_types(con, "on_duckdb", table)
                if name not in VOLATILE_COLUMNS
            )
            failures += query_differences(
                table,
                con,
                f'select {kept} from on_spark.main."{table}"',
                f'select {kept} from on_duckdb.main."{table}"',
            )
        # matching read the staging accounts Spark built: the same golden customers
        con.execute("attach ? as spark_warehouse (read_only)", [str(home / "warehouse.duckdb")])
        con.execute(
            "attach ? as duckdb_warehouse (read_only)", [str(duckdb_home / "warehouse.duckdb")]
        )
        failures += [
            problem
            for table in MATCHING_TABLES
            for problem in query_differences(
                f"matching.{table}",
                con,
                f"select * from spark_warehouse.matching.{table}",
                f"select * from duckdb_warehouse.matching.{table}",
            )
        ]
    finally:
        con.close()
    assert not failures, "\n".join(failures)
