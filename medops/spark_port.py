"""Porting models to Spark one at a time (docs/spark.md, "Porting a model"), and the comparison
the equivalence test makes of a Spark table with the DuckDB one.

A whole Spark build takes long on one machine; porting a model needs only that model's SQL run
on Spark over the same inputs. `prepare` copies every relation of a DuckDB warehouse (sources,
seeds, models) to Parquet and registers each in a local Spark catalog under its own name.
`check` compiles the selected models for the Spark target (their SQL then reads those
tables: DuckDB's results of everything upstream), runs each compiled query in one Spark
session and compares its rows with the DuckDB table of the same name.

    python -m medops.spark_port prepare --warehouse W --home H
    python -m medops.spark_port check --home H --warehouse W --select intermediate.receivables

The check uses the compiled SQL of a model, not its materialization: a model enabled on Spark
still needs the full build (the equivalence test) for its materialization, tests and unit tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from medops.settings import DBT_PROJECT_DIR
from medops.spark import (
    SPARK_TARGET_PATH,
    SparkSetupError,
    check_spark_runtime,
    export_sources,
    register_sources,
    run_dbt_on_spark,
)

# what dbt's DuckDB build writes, besides the sources: seeds (reference) and every model layer
PORT_SCHEMAS = (
    "raw",
    "matching",
    "forecast",
    "reference",
    "staging",
    "intermediate",
    "marts",
    "snapshots",
    "semantic",
)
# rows are sorted on doubles rounded to this many decimals, and doubles are equal within this
# relative tolerance: the engines add in different orders, which moves the last bits
SORT_DECIMALS = 6
FLOAT_TOLERANCE = 1e-9
# columns that hold the time their build ran, so two builds never agree on them: left out of
# the comparison of each table (by name, in any schema)
BUILD_CLOCK_COLUMNS = {"rpt_source_freshness": ("measured_at", "age_hours")}


def canonical(value):
    """A value as both engines' results are compared: timestamps in UTC without zone; the
    rest as it is."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def sort_key(row: tuple) -> tuple:
    return tuple(
        (
            value is None,
            type(value).__name__,
            str(round(value, SORT_DECIMALS) if isinstance(value, float) else value),
        )
        for value in row
    )


def same(a, b) -> bool:
    """Equal values of the same kind (a decimal never equals a double); doubles within the
    tolerance."""
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return isinstance(a, Decimal) == isinstance(b, Decimal) and a == b


def rows_of(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = [tuple(canonical(v) for v in row) for row in cursor.fetchall()]
    return columns, sorted(rows, key=sort_key)


def differences(
    relation: str,
    duck: duckdb.DuckDBPyConnection,
    extract: Path,
) -> list[str]:
    """How the Parquet files Spark wrote for `relation` (`schema.name`, under
    `extract/schema/name/`) differ from DuckDB's table: the first difference, or none."""
    schema, name = relation.split(".")
    columns = compared_columns(name)
    files = (extract / schema / name).as_posix()
    return query_differences(
        relation,
        duck,
        f"select {columns} from read_parquet('{files}/*.parquet')",
        f'select {columns} from "{schema}"."{name}"',
    )


def compared_columns(table: str) -> str:
    """The select list that compares `table` across builds: every column but its build clock."""
    clock = BUILD_CLOCK_COLUMNS.get(table, ())
    return "* exclude (" + ", ".join(f'"{c}"' for c in clock) + ")" if clock else "*"


def query_differences(
    relation: str, duck: duckdb.DuckDBPyConnection, spark_query: str, duckdb_query: str
) -> list[str]:
    """How the rows of `spark_query` (what Spark built) differ from those of `duckdb_query`
    (DuckDB's build of `relation`), both run on `duck`: the first difference, or none."""
    expected_columns, expected = rows_of(duck, duckdb_query)
    got_columns, got = rows_of(duck, spark_query)
    if got_columns != expected_columns:
        return [f"{relation}: columns {got_columns} on Spark, {expected_columns} on DuckDB"]
    if len(got) != len(expected):
        return [f"{relation}: {len(got)} rows on Spark, {len(expected)} on DuckDB"]
    for got_row, expected_row in zip(got, expected, strict=True):
        for column, a, b in zip(expected_columns, got_row, expected_row, strict=True):
            if not same(a, b):
                return [f"{relation}.{column}: {a!r} on Spark, {b!r} on DuckDB in {got_row}"]
    return []


def prepare(warehouse: Path, home: Path) -> int:
    """Every relation of the DuckDB warehouse as a Parquet table of the same name in the
    Spark catalog kept in `home`; returns how many."""
    root = home / "relations"
    # not partitioned: Spark moves partition columns to the end, and a model's `select *`
    # must see DuckDB's column order
    tables = export_sources(warehouse, root, PORT_SCHEMAS, partition_loads=False)
    register_sources(home, tables, root.as_posix())
    return len(tables)


def compiled_models(home: Path, select: str) -> dict[str, str]:
    """`schema.name` -> the Spark SQL of each selected model (dbt compile on the Spark target,
    whose catalog in `home` holds the prepared tables)."""
    run_dbt_on_spark(home, "compile", "--select", select)
    target = DBT_PROJECT_DIR / SPARK_TARGET_PATH
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    selected = {result["unique_id"] for result in results}
    return {
        f"{node['schema']}.{node['alias']}": table_query(node)
        for unique_id, node in manifest["nodes"].items()
        if unique_id in selected and node["resource_type"] == "model"
    }


def table_query(node: dict) -> str:
    """The query a model's table is made from: its compiled SQL, its columns in the order of
    its YAML when its contract is enforced (dbt's materialization selects them so, on DuckDB as
    on Spark)."""
    if not node["config"].get("contract", {}).get("enforced"):
        return node["compiled_code"]
    columns = ", ".join(f"`{name}`" for name in node["columns"])
    return f"select {columns} from ({node['compiled_code']}) as model_subq"


def spark_session(home: Path):
    """A local session on the catalog dbt's `spark` target keeps in `home` (the same settings
    as dbt/profiles.yml and dbt-spark's connection: ANSI mode off, UTC)."""
    from pyspark.sql import SparkSession

    spark_dir = home / "spark"
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in {
        "spark.master": os.environ.get("MEDOPS_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("MEDOPS_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.shuffle.partitions": os.environ.get("MEDOPS_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir}",
    }.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def check(home: Path, warehouse: Path, select: str) -> dict[str, list[str]]:
    """relation -> its differences from DuckDB (an empty list: equal), for each selected model
    run on Spark; a query Spark refuses is reported as a difference with Spark's message."""
    models = compiled_models(home, select)
    out = home / "out"
    spark = spark_session(home)
    duck = duckdb.connect(str(warehouse), read_only=True)
    duck.execute("set TimeZone = 'UTC'")
    found: dict[str, list[str]] = {}
    try:
        for relation, sql in sorted(models.items()):
            schema, name = relation.split(".")
            try:
                spark.sql(sql).write.mode("overwrite").parquet((out / schema / name).as_posix())
            except Exception as exc:  # any Spark error is what the porter must see
                # the message without the query plan Spark appends
                message = str(exc).split("\n== ")[0].split("\n;")[0][:1500]
                found[relation] = [f"{relation}: Spark failed: {message}"]
                continue
            found[relation] = differences(relation, duck, out)
    finally:
        duck.close()
        spark.stop()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medops.spark_port", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    prepared = commands.add_parser("prepare", help="copy a DuckDB warehouse to a Spark catalog")
    prepared.add_argument("--warehouse", type=Path, required=True)
    prepared.add_argument("--home", type=Path, required=True)
    checked = commands.add_parser("check", help="run selected models on Spark and compare")
    checked.add_argument("--warehouse", type=Path, required=True)
    checked.add_argument("--home", type=Path, required=True)
    checked.add_argument("--select", required=True, help="a dbt selector")
    args = parser.parse_args(argv)
    try:
        check_spark_runtime()
        if args.command == "prepare":
            sys.stdout.write(
                f"{prepare(args.warehouse, args.home)} relations registered in {args.home}\n"
            )
            return 0
        found = check(args.home, args.warehouse, args.select)
    except SparkSetupError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    for relation, problems in sorted(found.items()):
        sys.stdout.write(f"{'DIFFERS' if problems else 'equal  '} {relation}\n")
        for problem in problems:
            sys.stdout.write(f"    {problem}\n")
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
