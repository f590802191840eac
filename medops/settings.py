"""Where MedOps keeps its files. One variable, MEDOPS_HOME, moves them all."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
# How the nightly job runs dbt: its file log without each statement's SQL (debug, dbt's default,
# wrote 10 MB a step at scale 1: node lines and errors are enough for a night's record).
DBT_NIGHTLY_FLAGS = ("--log-level-file", "info")
# The nightly `dbt build`: models, seeds, snapshots and data tests. dbt's unit tests check the
# models' logic on fixed rows, not the night's data: the test suite runs them (`dbt test` on the
# built warehouse), the nightly build does not pay for them.
DBT_NIGHTLY_BUILD = ("build", "--exclude-resource-type", "unit_test", *DBT_NIGHTLY_FLAGS)
NIGHTLY_JOB_NAME = "nightly_warehouse"
# What the nightly steps keep between runs to skip work (the validated batches of loads,
# the inputs of tonight's forecast): in the warehouse, outside the schemas dbt reads as
# sources and hands to Spark.
PIPELINE_STATE_SCHEMA = "pipeline_state"
# Which engine builds the dbt models (MEDOPS_ENGINE, docs/spark.md): DuckDB in the warehouse
# file, or Spark from the source tables handed over as Parquet. Ingest and the Python assets
# write the DuckDB warehouse on both.
DEFAULT_ENGINE = "duckdb"
SPARK_ENGINE = "spark"
ENGINES = (DEFAULT_ENGINE, SPARK_ENGINE)


class SettingsError(ValueError):
    """An environment variable holds a value MedOps cannot use."""


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def warehouse(self) -> Path:
        """The DuckDB file that ingest and dbt write."""
        return self.home / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        """The read-only copy of the marts that the cockpit reads, swapped in after each build."""
        return self.home / "published.duckdb"

    @property
    def published_history(self) -> Path:
        """The last published copies, each with its run audit (``medops rollback`` reads it)."""
        return self.home / "published_history"

    @property
    def build_status(self) -> Path:
        """The latest build's outcome (published, or failed with the checks that failed)."""
        return self.home / "build_status.json"

    @property
    def exports(self) -> Path:
        """Default folder of export files (the demo writes its generated drop here)."""
        return self.home / "exports"


def paths() -> Paths:
    home = Path(os.environ.get("MEDOPS_HOME", ".medops")).resolve()
    return Paths(home=home)


def engine_name() -> str:
    """MEDOPS_ENGINE, or SettingsError naming the allowed values."""
    name = os.environ.get("MEDOPS_ENGINE", DEFAULT_ENGINE).strip().lower() or DEFAULT_ENGINE
    if name not in ENGINES:
        raise SettingsError(
            f"MEDOPS_ENGINE={name!r} is not an engine; use one of: {', '.join(ENGINES)}"
        )
    return name
