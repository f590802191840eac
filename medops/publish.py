"""Publish the marts to the file the cockpit reads.

DuckDB lets one process write a file and no other process open it meanwhile, so the cockpit
never reads the warehouse. After each build the marts are copied into a new file that then
replaces the published one in a single rename: a reader sees the old marts or the new ones,
never a half-built warehouse, and the nightly build never waits for the cockpit.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)
PUBLISHED_PREFIXES = ("fct_", "dim_", "rpt_")


def publish_marts(warehouse: Path, published: Path) -> dict[str, int]:
    """Copy every mart table into ``published`` atomically; return row counts by table."""
    staging_file = published.with_name(published.name + ".next")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'warehouse' and schema_name in "
            f"({', '.join('?' for _ in PUBLISHED_SCHEMAS)}) order by table_name",
            list(PUBLISHED_SCHEMAS),
        ).fetchall()
        for schema, table in tables:
            if not table.startswith(PUBLISHED_PREFIXES):
                continue
            con.execute(
                f'create table main."{table}" as select * from warehouse.{schema}."{table}"'
            )
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
        con.execute(
            "create table main._published as select ? as published_at, ? as warehouse_path",
            [datetime.now(), str(warehouse)],
        )
        con.execute("detach warehouse")
    finally:
        con.close()
    os.replace(staging_file, published)
    return counts
