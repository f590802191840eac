"""MEDOPS_ENGINE chooses the engine that builds the dbt models (medops/engine.py); DuckDB, the
default, reads the models in the warehouse, and a publish from another models file (Spark's
extract) takes the marts from that file and the ingest ledger from the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from medops.cli import main
from medops.engine import DuckDBEngine, SparkEngine, current_engine
from medops.publish import publish_marts
from medops.settings import DBT_PROJECT_DIR, Paths, SettingsError


@pytest.mark.parametrize(
    ("value", "engine"),
    [
        (None, DuckDBEngine),
        ("duckdb", DuckDBEngine),
        ("spark", SparkEngine),
        (" Spark", SparkEngine),
    ],
)
def test_medops_engine_chooses_the_engine(monkeypatch, tmp_path, value, engine):
    if value is None:
        monkeypatch.delenv("MEDOPS_ENGINE", raising=False)
    else:
        monkeypatch.setenv("MEDOPS_ENGINE", value)
    assert type(current_engine(Paths(tmp_path))) is engine


def test_spark_keeps_its_catalog_and_dbt_artefacts_apart(tmp_path):
    spark = SparkEngine(Paths(tmp_path))
    assert spark.models_database == tmp_path / "spark" / "models.duckdb"
    # never dbt/target itself, where Dagster's DuckDB manifest is
    assert spark.dbt_target_path == DBT_PROJECT_DIR / "target" / "spark"
    duck = DuckDBEngine(Paths(tmp_path))
    assert duck.models_database == tmp_path / "warehouse.duckdb"
    assert duck.not_built(["marts.rpt_anything"]) == []


def test_a_bad_engine_is_a_short_error_naming_the_allowed_ones(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDOPS_ENGINE", "postgres")
    with pytest.raises(SettingsError, match="use one of: duckdb, spark"):
        current_engine(Paths(tmp_path))
    monkeypatch.setenv("MEDOPS_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: MEDOPS_ENGINE='postgres' is not an engine; use one of: duckdb, spark\n"
    )


def test_publish_takes_the_marts_from_the_models_file(tmp_path: Path):
    home = Paths(tmp_path / "home")
    home.home.mkdir()
    models = tmp_path / "models.duckdb"
    for path, built_by in ((home.warehouse, "duckdb"), (models, "spark")):
        con = duckdb.connect(str(path))
        con.execute("create schema marts")
        con.execute("create table marts.rpt_built as select ? as built_by", [built_by])
        con.close()
    counts, _ = publish_marts(home, "run-from-models", models=models)
    assert counts == {"rpt_built": 1}
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        assert con.execute("select built_by from rpt_built").fetchall() == [("spark",)]
    finally:
        con.close()
    publish_marts(home, "run-from-warehouse", models=home.warehouse)
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        assert con.execute("select built_by from rpt_built").fetchall() == [("duckdb",)]
    finally:
        con.close()


def test_spark_targets_and_storage_come_from_the_environment(monkeypatch, tmp_path):
    spark = SparkEngine(Paths(tmp_path))
    assert spark.target == "spark"
    assert spark.storage == tmp_path / "spark"
    monkeypatch.setenv("MEDOPS_SPARK_TARGET", "spark_cluster")
    monkeypatch.setenv("MEDOPS_SPARK_STORAGE", str(tmp_path / "mounted_bucket"))
    assert spark.dbt_target_args == ("--target", "spark_cluster")
    assert spark.storage == tmp_path / "mounted_bucket"
    # the models the job reads back stay a local DuckDB file
    assert spark.models_database == tmp_path / "spark" / "models.duckdb"
    monkeypatch.setenv("MEDOPS_SPARK_TARGET", "local")
    monkeypatch.setenv("MEDOPS_ENGINE", "spark")
    monkeypatch.setenv("MEDOPS_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: MEDOPS_SPARK_TARGET='local' is not a Spark target of dbt/profiles.yml; "
        "use one of: spark, spark_cluster\n"
    )
