"""Time the whole dbt project on a local Spark session against DuckDB, on the same exports.

Usage: ``MEDOPS_HOME=H python benchmarks/spark_build.py`` after ``medops run`` built H's DuckDB
warehouse. It times, on that warehouse's sources:

- ``dbt build --full-refresh`` on DuckDB (every model, seed, snapshot and test; the warehouse is
  rebuilt in place from the same source tables, its incremental models whole, as Spark builds
  them);
- the hand-over to Spark: the source tables to Parquet (`export_sources`) and their
  registration as external tables (`register_sources`), in a fresh catalog under ``H/spark``;
- ``dbt build --target spark`` (every node enabled on Spark).

It prints one Markdown table (wall clocks, nodes, the nodes' own seconds and per node, the
slowest nodes of each engine) and writes the figures to ``H/spark_build.json``. Run it on a
quiet machine: both engines share its cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from medops.settings import DBT_PROJECT_DIR, paths
from medops.spark import (
    SPARK_TARGET_PATH,
    check_spark_runtime,
    export_sources,
    register_sources,
    run_dbt_on_spark,
)

SLOWEST = 5


def node_seconds(run_results: Path) -> dict[str, float]:
    """unique_id -> the node's own seconds in a dbt invocation's run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return {result["unique_id"]: result["execution_time"] for result in results}


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def duckdb_build(home: Path) -> None:
    dbt = str(Path(sys.executable).parent / "dbt")
    subprocess.run(
        [dbt, "build", "--quiet", "--full-refresh"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "MEDOPS_HOME": str(home)},
        check=True,
    )


def engine_figures(wall: float, seconds: dict[str, float]) -> dict:
    slowest = sorted(seconds.items(), key=lambda item: -item[1])[:SLOWEST]
    return {
        "wall_s": round(wall, 1),
        "nodes": len(seconds),
        "node_s": round(sum(seconds.values()), 1),
        "per_node_ms": round(1000 * sum(seconds.values()) / max(len(seconds), 1)),
        "slowest": [[node.split(".")[-1], round(s, 2)] for node, s in slowest],
    }


def main() -> None:
    check_spark_runtime()
    home = paths().home
    warehouse = home / "warehouse.duckdb"
    spark_home = home / "spark"
    if spark_home.exists():
        shutil.rmtree(spark_home)
    sources = spark_home / "sources"

    duck_wall = timed(lambda: duckdb_build(home))
    duck = engine_figures(duck_wall, node_seconds(DBT_PROJECT_DIR / "target" / "run_results.json"))

    tables: list = []
    export_s = timed(lambda: tables.extend(export_sources(warehouse, sources)))
    register_s = timed(lambda: register_sources(home, tables, sources.as_posix()))
    spark_wall = timed(lambda: run_dbt_on_spark(home, "build"))
    spark = engine_figures(
        spark_wall, node_seconds(DBT_PROJECT_DIR / SPARK_TARGET_PATH / "run_results.json")
    )

    figures = {
        "duckdb": duck,
        "spark": spark,
        "parquet_export_s": round(export_s, 1),
        "spark_register_s": round(register_s, 1),
        "source_tables": len(tables),
    }
    (home / "spark_build.json").write_text(json.dumps(figures, indent=2))
    lines = [
        "| | DuckDB | Spark (local session) |",
        "| --- | --- | --- |",
        f"| `dbt build` wall clock, s | {duck['wall_s']} | {spark['wall_s']} |",
        f"| nodes (models, seeds, snapshots, tests) | {duck['nodes']} | {spark['nodes']} |",
        f"| nodes' own seconds | {duck['node_s']} | {spark['node_s']} |",
        f"| per node, ms | {duck['per_node_ms']} | {spark['per_node_ms']} |",
        f"| hand-over: sources to Parquet, s | n/a | {figures['parquet_export_s']} |",
        f"| hand-over: registering {len(tables)} tables, s | n/a | {figures['spark_register_s']} |",
        "| slowest nodes, s | "
        + ", ".join(f"`{n}` {s}" for n, s in duck["slowest"])
        + " | "
        + ", ".join(f"`{n}` {s}" for n, s in spark["slowest"])
        + " |",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
