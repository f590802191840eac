"""The warehouse on Apache Spark (docs/spark.md): the tables dbt reads as sources reach Spark as
Parquet, registered as external tables; the models Spark built come back as Parquet.

Ingest and the Python assets write DuckDB. `export_sources` copies every source table (schemas
raw, matching, forecast) to one Parquet folder per table, partitioned by load where the table
has a load id (`_load_id=<id>/` folders, as Hive and Spark lay out partitions), with DuckDB's
own COPY. `register_sources` then declares each folder as an external table of the same name
and column types in Spark's catalog, through dbt (`dbt run-operation register_parquet_sources`),
so the same profile target reaches a local session or a cluster. `extract_models` writes
relations Spark built to Parquet (`dbt run-operation extract_relations_to_parquet`): the
equivalence test and a cockpit extract read them without a cluster.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from medops.settings import DBT_PROJECT_DIR

# the schemas dbt's sources live in: ingest's raw layer and the Python assets' outputs
SOURCE_SCHEMAS = ("raw", "matching", "forecast")
# the tables of dbt Python models (`schema.name`), which dbt-spark runs only on Databricks: the
# DuckDB build's table goes to Spark with the sources (dbt source duckdb_python_models)
PYTHON_MODEL_TABLES = ("intermediate.int_geo__address_parsed",)
LOAD_COLUMN = "_load_id"
SPARK_TARGET = "spark"
# dbt's artefacts of Spark runs, relative to dbt/ (manifest.json says which models Spark built)
SPARK_TARGET_PATH = "target/spark"
# DuckDB column type -> Spark SQL type of the registered table (Parquet carries the values)
SPARK_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "TINYINT": "tinyint",
    "SMALLINT": "smallint",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "HUGEINT": "decimal(38,0)",
    "UBIGINT": "decimal(20,0)",
    "FLOAT": "float",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}
DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


class SparkSetupError(RuntimeError):
    """Spark cannot run here (no Java, no pyspark) or a dbt step on Spark failed."""


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str
    # [name, Spark SQL type] in the DuckDB table's column order
    columns: list[list[str]]
    partitioned: bool

    def folder(self, root: Path) -> Path:
        return root / self.schema / self.name


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type of a DuckDB column type; a type Spark has no equal of is an error
    (a source table must not silently change its values on the way)."""
    if duckdb_type in SPARK_TYPES:
        return SPARK_TYPES[duckdb_type]
    if duckdb_type.endswith("[]"):
        return f"array<{spark_type(duckdb_type[:-2])}>"
    decimal = DECIMAL_TYPE.fullmatch(duckdb_type)
    if decimal:
        return f"decimal({decimal.group(1)},{decimal.group(2)})"
    raise SparkSetupError(f"no Spark type for the DuckDB type {duckdb_type}")


def source_tables(
    con: duckdb.DuckDBPyConnection,
    schemas: tuple[str, ...] = SOURCE_SCHEMAS,
    partition_loads: bool = True,
) -> list[SourceTable]:
    """Every table and view of the schemas and the dbt Python models' tables, with its columns
    in order; partitioned by load where it has a load column and `partition_loads`."""
    columns: dict[tuple[str, str], list[list[str]]] = {}
    in_schemas = ", ".join("?" for _ in schemas)
    in_tables = ", ".join("?" for _ in PYTHON_MODEL_TABLES)
    rows = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        f"where database_name = current_database() and (schema_name in ({in_schemas}) "
        f"or schema_name || '.' || table_name in ({in_tables})) "
        "order by schema_name, table_name, column_index",
        [*schemas, *PYTHON_MODEL_TABLES],
    ).fetchall()
    for schema, table, column, data_type in rows:
        columns.setdefault((schema, table), []).append([column, spark_type(data_type)])
    return [
        SourceTable(
            schema, table, cols, partition_loads and any(name == LOAD_COLUMN for name, _ in cols)
        )
        for (schema, table), cols in columns.items()
    ]


def export_sources(
    warehouse: Path,
    root: Path,
    schemas: tuple[str, ...] = SOURCE_SCHEMAS,
    partition_loads: bool = True,
) -> list[SourceTable]:
    """Write every table of the schemas (by default dbt's sources) and the dbt Python models'
    tables of the DuckDB warehouse to `root/<schema>/<table>/` as Parquet (replacing what an
    earlier export left there); returns the tables written."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = source_tables(con, schemas, partition_loads)
        for table in tables:
            folder = table.folder(root)
            if folder.exists():
                shutil.rmtree(folder)
            folder.parent.mkdir(parents=True, exist_ok=True)
            relation = f'"{table.schema}"."{table.name}"'
            options = "format parquet"
            if table.partitioned:
                # an empty table writes no partition folder: Spark then finds no files, and a
                # table declared with its schema reads as empty, as it should
                options += f', partition_by ("{LOAD_COLUMN}")'
                folder.mkdir()
            else:
                folder.mkdir()
                folder = folder / "data.parquet"
            # the folder comes from the warehouse's own table names, never from user text;
            # COPY takes no parameter for its target
            con.execute(f"copy {relation} to '{folder.as_posix()}' ({options})")
        return tables
    finally:
        con.close()


def run_dbt(home: Path, args: list[str], target_path: str, what: str) -> str:
    """Run dbt with `args` and MEDOPS_HOME=home, its artefacts in dbt/`target_path` (never
    dbt/target, the DuckDB manifest Dagster loads); dbt's output, or SparkSetupError with its
    tail naming `what` failed."""
    from dagster_project.resources import DBT_EXECUTABLE

    done = subprocess.run(
        [DBT_EXECUTABLE, *args],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "MEDOPS_HOME": str(home), "DBT_TARGET_PATH": target_path},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SparkSetupError(f"{what} failed:\n{done.stdout[-6000:]}{done.stderr[-2000:]}")
    return done.stdout


def run_dbt_on_spark(home: Path, *args: str, target: str = SPARK_TARGET) -> str:
    """Run dbt against a Spark target of dbt/profiles.yml with MEDOPS_HOME=home (where the local
    session keeps its metastore and tables); dbt's output, or SparkSetupError with its tail."""
    what = f"dbt {' '.join(args[:1])} on {target}"
    return run_dbt(home, [*args, "--target", target], SPARK_TARGET_PATH, what)


def register_sources(
    home: Path, tables: list[SourceTable], location_root: str, target: str = SPARK_TARGET
) -> None:
    """Declare each exported folder as an external Parquet table in Spark's catalog, with the
    DuckDB table's columns and types (partitioned by `_load_id` where it has one).
    `location_root` is where Spark finds the folders: the local export folder, or the object
    store a cluster reads (s3://..., oss://..., hdfs://...) after the folder was copied there."""
    args = {
        "location_root": location_root.rstrip("/"),
        "tables": [asdict(table) for table in tables],
        "load_column": LOAD_COLUMN,
    }
    run_dbt_on_spark(
        home, "run-operation", "register_parquet_sources", "--args", json.dumps(args), target=target
    )


def extract_models(
    home: Path, relations: list[str], location_root: str, target: str = SPARK_TARGET
) -> None:
    """Write each Spark relation (`schema.name`) as Parquet to `location_root/schema/name/`."""
    args = {"location_root": location_root.rstrip("/"), "relations": relations}
    run_dbt_on_spark(
        home,
        "run-operation",
        "extract_relations_to_parquet",
        "--args",
        json.dumps(args),
        target=target,
    )


def spark_manifest(home: Path, target: str = SPARK_TARGET) -> dict:
    """The dbt manifest of the Spark target, parsed now (dbt's partial parsing: seconds), so
    that which nodes are enabled on Spark is that of the code checked out."""
    run_dbt_on_spark(home, "parse", "--quiet", target=target)
    return json.loads((DBT_PROJECT_DIR / SPARK_TARGET_PATH / "manifest.json").read_text())


def built_relations(manifest: dict) -> list[str]:
    """`schema.name` of every model and seed a Spark manifest enables (what a build makes)."""
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed") and node["config"].get("enabled", True)
    )


def check_spark_runtime() -> None:
    """Java and pyspark are there, or SparkSetupError with the commands that install them."""
    missing = []
    if shutil.which("java") is None:
        missing.append("apt-get install -y openjdk-17-jre-headless")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append(".venv/bin/python -m pip install -e '.[dev,spark]'")
    if missing:
        commands = " && ".join(missing)
        raise SparkSetupError(f"the Spark build needs Java 17 and pyspark; run: {commands}")
