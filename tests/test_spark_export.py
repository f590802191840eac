"""The hand-over of the source tables to Spark (medops/spark.py, docs/spark.md): every table of
the source schemas and of the dbt Python models as Parquet, partitioned by load where it has a
load id, with the column types Spark registers it with. The Spark side runs in
tests/test_spark_equivalence.py."""

from __future__ import annotations

import duckdb
import pytest

from medops.spark import SparkSetupError, export_sources, spark_type


def test_every_source_table_is_written_by_load_with_its_types(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "create schema raw; create schema matching; create schema staging; "
        "create schema intermediate"
    )
    con.execute(
        "create table raw.crm_accounts (account_id varchar, amount decimal(18,2), "
        "_load_id varchar, _loaded_at timestamp)"
    )
    # two loads, one of them with a load id of digits only (must stay text)
    con.execute(
        "insert into raw.crm_accounts values ('A1', 1.50, '0123', '2026-01-01 08:00'), "
        "('A2', null, 'b7', '2026-01-02 08:00'), ('A3', 2.25, 'b7', '2026-01-02 08:00')"
    )
    con.execute("create table raw._ingest_ledger (file_name varchar)")
    con.execute("create table matching.customer_match_pairs (score double, same boolean)")
    con.execute("insert into matching.customer_match_pairs values (0.5, true)")
    con.execute("create table staging.not_a_source (x int)")
    # a dbt Python model's table goes too (Spark reads it instead of running the model)
    con.execute("create table intermediate.int_geo__address_parsed (location_id varchar)")
    con.execute("create table intermediate.int_geo__gazetteer (adcode varchar)")
    con.close()

    tables = {(t.schema, t.name): t for t in export_sources(db, tmp_path / "out")}

    assert set(tables) == {
        ("raw", "crm_accounts"),
        ("raw", "_ingest_ledger"),
        ("matching", "customer_match_pairs"),
        ("intermediate", "int_geo__address_parsed"),
    }
    accounts = tables["raw", "crm_accounts"]
    assert accounts.partitioned
    assert accounts.columns == [
        ["account_id", "string"],
        ["amount", "decimal(18,2)"],
        ["_load_id", "string"],
        ["_loaded_at", "timestamp"],
    ]
    folder = accounts.folder(tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["_load_id=0123", "_load_id=b7"]
    read = duckdb.connect()
    got = read.execute(
        "select account_id, amount, _load_id from read_parquet(?, hive_partitioning = true, "
        "hive_types = {'_load_id': varchar}) order by account_id",
        [f"{folder.as_posix()}/*/*.parquet"],
    ).fetchall()
    assert [(a, str(m) if m is not None else None, load) for a, m, load in got] == [
        ("A1", "1.50", "0123"),
        ("A2", None, "b7"),
        ("A3", "2.25", "b7"),
    ]
    assert not tables["matching", "customer_match_pairs"].partitioned
    pairs = tables["matching", "customer_match_pairs"].folder(tmp_path / "out")
    assert read.execute(f"select * from '{pairs.as_posix()}/*.parquet'").fetchall() == [(0.5, True)]
    # an empty table still gets its (empty) file, with its columns
    ledger = tables["raw", "_ingest_ledger"].folder(tmp_path / "out")
    assert read.execute(f"select count(*) from '{ledger.as_posix()}/*.parquet'").fetchone() == (0,)


def test_a_type_spark_has_no_equal_of_is_an_error():
    assert spark_type("DECIMAL(38,6)") == "decimal(38,6)"
    assert spark_type("VARCHAR[]") == "array<string>"
    with pytest.raises(SparkSetupError, match="MAP"):
        spark_type("MAP(VARCHAR, INTEGER)")
