"""The engine that builds the dbt models, chosen by MEDOPS_ENGINE (docs/spark.md, "The nightly
job on Spark"): the same nightly job on DuckDB (the default) or on Spark.

Ingest and the Python assets (customer matching, forecasts) write the DuckDB warehouse on both
engines: the contracts, quarantine, ledger and forecast history stay where they are. What
differs is where dbt builds and where the job reads the models back:

- DuckDB builds in the warehouse file itself, where the Python assets, the blocking checks and
  the publish step read the models.
- Spark builds in its own catalog (`$MEDOPS_HOME/spark`). Each step that writes tables dbt reads
  as sources hands them over (`hand_over`: Parquet, registered as external tables), and the
  models the job reads back come out as Parquet (`extract`), copied into a small DuckDB file of
  the same schema and table names (`models_database`): the Python assets, the checks and the
  publish step run their DuckDB queries unchanged, and the cockpit needs no cluster.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb

from ingest.load import RAW_SCHEMA
from medops.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_ENGINE,
    SPARK_ENGINE,
    Paths,
    SettingsError,
    engine_name,
)
from medops.spark import (
    PYTHON_MODEL_TABLES,
    SPARK_TARGET,
    SPARK_TARGET_PATH,
    built_relations,
    check_spark_runtime,
    export_sources,
    extract_models,
    register_sources,
    run_dbt,
    spark_manifest,
)

# the dbt Python models' DuckDB build, relative to dbt/ (its own artefacts: dbt/target is the
# manifest Dagster loads)
PYTHON_MODELS_TARGET_PATH = "target/python-models"
# the Spark targets of dbt/profiles.yml: a local session, a cluster (docs/spark.md)
SPARK_TARGETS = (SPARK_TARGET, "spark_cluster")


@dataclass(frozen=True)
class DuckDBEngine:
    """dbt builds in the warehouse file: nothing to hand over or extract."""

    paths: Paths
    name: ClassVar[str] = DEFAULT_ENGINE
    # dbt's default target, and dagster-dbt's own target folder per invocation
    dbt_target_args: ClassVar[tuple[str, ...]] = ()
    dbt_target_path: ClassVar[Path | None] = None

    @property
    def models_database(self) -> Path:
        return self.paths.warehouse

    def check(self) -> None:
        """Nothing to check: DuckDB is part of MedOps."""

    def hand_over(self, schemas: tuple[str, ...]) -> None:
        """dbt reads the warehouse's tables where they are."""

    def not_enabled(self, unique_ids: Iterable[str]) -> list[str]:
        return []

    def not_built(self, relations: Iterable[str]) -> list[str]:
        return []

    def extract(self, relations: Iterable[str]) -> None:
        """The models are in the warehouse already."""

    @contextmanager
    def models(self, warehouse: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection in which the models read as `schema.name`: the warehouse's own."""
        yield warehouse


@dataclass(frozen=True)
class SparkEngine:
    """dbt builds on a Spark target of dbt/profiles.yml: `spark` (a local session, its catalog
    under `$MEDOPS_HOME/spark`) or, with MEDOPS_SPARK_TARGET, `spark_cluster`. The Parquet of
    the hand-over and the extract live in MEDOPS_SPARK_STORAGE (default `$MEDOPS_HOME/spark`):
    for a cluster, a folder it and this machine both see (a mounted bucket or share)."""

    paths: Paths
    name: ClassVar[str] = SPARK_ENGINE
    # never dbt/target: Dagster's definitions load the DuckDB manifest from there
    dbt_target_path: ClassVar[Path | None] = DBT_PROJECT_DIR / SPARK_TARGET_PATH

    @property
    def target(self) -> str:
        target = os.environ.get("MEDOPS_SPARK_TARGET", SPARK_TARGET)
        if target not in SPARK_TARGETS:
            raise SettingsError(
                f"MEDOPS_SPARK_TARGET={target!r} is not a Spark target of dbt/profiles.yml; "
                f"use one of: {', '.join(SPARK_TARGETS)}"
            )
        return target

    @property
    def dbt_target_args(self) -> tuple[str, ...]:
        return ("--target", self.target)

    @property
    def folder(self) -> Path:
        return self.paths.home / "spark"

    @property
    def storage(self) -> Path:
        """Where the source tables and the extracted models are written as Parquet."""
        return Path(os.environ.get("MEDOPS_SPARK_STORAGE") or self.folder)

    @property
    def models_database(self) -> Path:
        """The DuckDB copy of the models the job extracted from Spark."""
        return self.folder / "models.duckdb"

    def check(self) -> None:
        """A known target, and for the local session Java and pyspark (SettingsError or
        SparkSetupError saying what to change)."""
        if self.target == SPARK_TARGET:
            check_spark_runtime()

    def hand_over(self, schemas: tuple[str, ...]) -> None:
        """Export the warehouse's tables of `schemas` to Parquet and register them in Spark's
        catalog (the warehouse must not be open for writing in this process). With the raw
        tables go the dbt Python models' tables, built on DuckDB from them first."""
        if RAW_SCHEMA in schemas:
            self.build_python_models()
        root = self.storage / "sources"
        tables = export_sources(self.paths.warehouse, root, schemas)
        if tables:
            register_sources(self.paths.home, tables, root.as_posix(), target=self.target)

    def build_python_models(self) -> None:
        """Build the dbt Python models (docs/spark.md, "dbt Python models on Spark") and what
        they read in the DuckDB warehouse, which hands their tables to Spark: dbt-spark runs
        Python models on Databricks only. Its artefacts go beside the Spark runs', never over
        the DuckDB manifest Dagster's definitions read."""
        selection = [f"+{relation.split('.')[1]}" for relation in PYTHON_MODEL_TABLES]
        run_dbt(
            self.paths.home,
            ["run", "--quiet", "--select", *selection],
            PYTHON_MODELS_TARGET_PATH,
            "building the dbt Python models on DuckDB",
        )

    def not_enabled(self, unique_ids: Iterable[str]) -> list[str]:
        """Those of the dbt nodes (unique ids) disabled on Spark."""
        nodes = spark_manifest(self.paths.home, self.target)["nodes"]
        # a singular test of a disabled model stays in the manifest, disabled
        return sorted(
            uid
            for uid in unique_ids
            if uid not in nodes or not nodes[uid]["config"].get("enabled", True)
        )

    def not_built(self, relations: Iterable[str]) -> list[str]:
        """Those of `relations` (`schema.name`) that Spark does not build."""
        built = set(built_relations(spark_manifest(self.paths.home, self.target)))
        return sorted(set(relations) - built)

    def extract(self, relations: Iterable[str]) -> None:
        """Copy each relation Spark built into the models database, replacing its table."""
        relations = sorted(relations)
        root = self.storage / "models"
        if relations:
            for relation in relations:
                shutil.rmtree(root.joinpath(*relation.split(".")), ignore_errors=True)
            extract_models(self.paths.home, relations, root.as_posix(), target=self.target)
        # created with nothing extracted too: the readers open it whatever Spark built
        self.folder.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.models_database))
        try:
            for relation in relations:
                schema, name = relation.split(".")
                files = (root / schema / name).as_posix()
                # names from dbt's manifest and folders of the job's own, never user text
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(
                    f'create or replace table "{schema}"."{name}" as '
                    f"select * from read_parquet('{files}/*.parquet')"
                )
        finally:
            con.close()

    @contextmanager
    def models(self, warehouse: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection in which the extracted models read as `schema.name`."""
        con = duckdb.connect(str(self.models_database), read_only=True)
        try:
            yield con
        finally:
            con.close()


Engine = DuckDBEngine | SparkEngine


def current_engine(paths: Paths) -> Engine:
    """The engine MEDOPS_ENGINE names, for the home `paths` (SettingsError for a bad value)."""
    return SparkEngine(paths) if engine_name() == SparkEngine.name else DuckDBEngine(paths)
