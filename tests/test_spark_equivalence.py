"""The same dbt project on Apache Spark (docs/spark.md): the clean scale-0.01 warehouse's source
tables go to Parquet, a real local Spark session (dbt-spark's session method, Java 17) builds
every model ported to Spark with its data tests, and each of them, seeds included, equals the
DuckDB build of the same exports row for row.

Rows are compared as medops/spark_port.py compares them: after a canonical sort (doubles
rounded in the sort key), doubles equal within a relative tolerance (Spark and DuckDB add them
in different orders, which moves the last bits), decimals and everything else exactly. Without Java
or pyspark the test fails with the command to run: it never skips.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from test_deal_to_cash_real_style import build_chain_home

from medops.settings import DBT_PROJECT_DIR
from medops.spark import (
    SPARK_TARGET_PATH,
    built_relations,
    export_sources,
    extract_models,
    register_sources,
    run_dbt_on_spark,
)
from medops.spark_port import differences

pytestmark = [pytest.mark.slow, pytest.mark.long]


def spark_built_relations() -> list[str]:
    """`schema.name` of every model and seed enabled on Spark, from the Spark run's manifest."""
    return built_relations(
        json.loads((DBT_PROJECT_DIR / SPARK_TARGET_PATH / "manifest.json").read_text())
    )


def documented_states() -> dict[str, str]:
    """model name -> its state in docs/spark.md's table ("ported", "not yet", "excluded: ...")."""
    text = (DBT_PROJECT_DIR.parent / "docs" / "spark.md").read_text(encoding="utf-8")
    return {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\| [a-z_/]+ \| `([a-z0-9_]+)` \| ([^|]+?) \|$", text, re.M)
    }


def build_on_spark_and_compare(home: Path, work: Path) -> list[str]:
    """Build the project on Spark from the source tables of ``home``'s DuckDB warehouse, compare
    every model and seed Spark built with DuckDB's; returns the relations compared."""
    spark_home = work / "spark_home"
    parquet = work / "sources"
    extract = work / "extract"
    tables = export_sources(home / "warehouse.duckdb", parquet)
    assert {"raw", "matching", "forecast"} <= {t.schema for t in tables}
    register_sources(spark_home, tables, parquet.as_posix())
    # models, seeds and data tests, and the unit tests of the ported models
    run_dbt_on_spark(spark_home, "build")
    relations = spark_built_relations()
    # the staging layer at least: a Spark build that enables nothing proves nothing
    assert sum(r.startswith("staging.") for r in relations) >= 30, relations
    extract_models(spark_home, relations, extract.as_posix())
    duck = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        duck.execute("set TimeZone = 'UTC'")
        failures = [d for relation in relations for d in differences(relation, duck, extract)]
    finally:
        duck.close()
    assert not failures, "\n".join(failures)
    return relations


def test_spark_build_equals_duckdb_build(spark_runtime, clean_build, tmp_path):
    home, _exports, result = clean_build
    assert result.success
    relations = build_on_spark_and_compare(home, tmp_path)

    # docs/spark.md names every model; those it calls ported are exactly those Spark built,
    # and every other one says why not
    states = documented_states()
    models = {
        p.stem for p in (DBT_PROJECT_DIR / "models").rglob("*") if p.suffix in (".sql", ".py")
    }
    assert set(states) == models
    built = {r.split(".")[1] for r in relations if not r.startswith("reference.")}
    assert {name for name, state in states.items() if state == "ported"} == built
    assert all(
        state in ("ported", "not yet") or state.startswith("excluded: ")
        for state in states.values()
    )


def test_spark_build_equals_duckdb_build_on_real_style_exports(spark_runtime, tmp_path):
    """The deal-to-cash suite's real-style drop (a CRM's Excel exports, a Kingdee/Yonyou-style
    ERP's GB18030 CSVs with year-first dates without leading zeros and thousands separators, a
    keyless contract, credit notes, a partial delivery) through the nightly job on DuckDB, then
    the whole project on Spark from the same source tables: thin, irregular data exercises
    the branches the generated company's does not (blank links, nulls, one-row groups)."""
    home = build_chain_home(tmp_path / "drop")
    build_on_spark_and_compare(home, tmp_path / "spark")
