"""Publish the marts to the file the cockpit reads: write, audit, publish, keep, roll back.

DuckDB lets one process write a file and no other process open it meanwhile, so the cockpit
never reads the warehouse. After each build whose blocking checks passed, the marts are copied
into a new file that then replaces the published one in a single rename: a reader sees the old
marts or the new ones, never a half-built warehouse, and the nightly build never waits for the
cockpit. A build whose checks failed never gets here; it leaves the previous copy in place and
records why in the build status, which the cockpit shows.

Every published copy is also kept under ``published_history/`` (the last ``KEEP_COPIES``) with
its run audit beside it: the run, the export files it contains, the code version, the check
results and the time. ``rollback`` puts one of them back, again in a single rename.

A night that rebuilt only some marts publishes only those: the new file starts as a byte copy of
the published one, when that is the copy of the run the unchanged marts were last built by
(``UnchangedMarts``), and the rebuilt marts replace theirs in it. Anything else (a rollback
since, another run's copy, no copy) publishes every mart from the warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from medops.arrival_clock import write_schedule
from medops.settings import REPO_ROOT, Paths

PUBLISHED_SCHEMAS = ("marts",)
PUBLISHED_PREFIXES = ("fct_", "dim_", "rpt_")
# the month-end close's append-only tables, published as closed_<table>
CLOSED_SCHEMA = "closed"
# which months each frozen table holds, and when they were closed: no rows of the marts, so
# every cockpit scope may read it (a rep's pages must know a month is closed even where the
# frozen table holds none of the rep's rows)
CLOSED_MONTHS_TABLE = "_closed_months"
KEEP_COPIES = 7
# the table inside every published file that says which copy it is
STAMP_TABLE = "_published"


@dataclass(frozen=True)
class UnchangedMarts:
    """Mart tables the night did not rebuild: the warehouse holds what run ``run_id`` built and
    published (medops/build_changes.py), so they are taken from that run's published copy."""

    run_id: str
    tables: frozenset[str]


@dataclass(frozen=True)
class PublishedCopy:
    """One kept copy: ``<copy_id>.duckdb`` and its audit ``<copy_id>.json``."""

    path: Path
    audit: dict[str, Any]

    @property
    def copy_id(self) -> str:
        return self.path.stem

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.audit["published_at"])


def _table_fingerprints(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, dict]:
    """Rows and an order-independent content hash of each table (to compare two runs)."""
    fingerprints = {}
    for table in tables:
        rows, content = con.execute(
            f'select count(*), coalesce(bit_xor(hash(t)), 0) from main."{table}" as t'
        ).fetchone()
        fingerprints[table] = {"rows": rows, "content_hash": f"{content:016x}"}
    return fingerprints


def _export_files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The export files the warehouse holds now (each name's version in force, and a newer
    version rejected whole beside it): name, hash, status, rows."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'warehouse' "
        "and schema_name = 'raw' and table_name = '_ingest_ledger'"
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        "select file_name, file_hash, source, status, rows_read, rows_loaded, rows_quarantined "
        "from warehouse.raw._ingest_ledger where superseded_by is null order by file_name"
    ).fetchall()
    keys = ("name", "hash", "source", "status", "rows_read", "rows_loaded", "rows_quarantined")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def code_version() -> str | None:
    """The git commit of the code that built the copy (``+dirty`` with uncommitted changes)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None  # not a git checkout (an installed package)
    return commit + ("+dirty" if dirty else "")


def publish_marts(
    home: Paths,
    run_id: str,
    checks: list[dict] | None = None,
    schedule: list[tuple] | None = None,
    models: Path | None = None,
    unchanged: UnchangedMarts | None = None,
) -> tuple[dict[str, int], PublishedCopy]:
    """Copy every mart table into the published file atomically, keep the copy and its audit;
    return row counts by table and the kept copy. ``checks`` are the run's check results;
    ``schedule`` the sources' arrival times (``arrival_clock.schedule_rows``), published for
    the data-quality page, which reads no contracts; ``models`` the DuckDB file the marts are
    read from (by default the warehouse; on Spark the copy of what Spark built, medops/engine.py);
    ``unchanged`` the marts the night did not rebuild, taken from the published copy when it is
    their run's (see the module's text).
    """
    published = home.published
    staging_file = published.with_name(published.name + ".next")
    staging_file.unlink(missing_ok=True)
    now = datetime.now()
    copy_id = f"{now:%Y%m%dT%H%M%S%f}_{run_id[:8]}"
    base = _base_copy(home, unchanged)
    if base is not None:
        # a copy, never a link: the kept copy it comes from is never written again
        shutil.copyfile(base.path, staging_file)
    con = duckdb.connect(str(staging_file))
    try:
        kept = _keep_unchanged(con, base, unchanged)
        con.execute("attach ? as warehouse (read_only)", [str(home.warehouse)])
        marts_database = "warehouse"
        separate_models = models is not None and models != home.warehouse
        if separate_models:
            con.execute("attach ? as models (read_only)", [str(models)])
            marts_database = "models"
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = ? and schema_name in "
            f"({', '.join('?' for _ in PUBLISHED_SCHEMAS)}) order by table_name",
            [marts_database, *PUBLISHED_SCHEMAS],
        ).fetchall()
        copied = []
        for schema, table in tables:
            if not table.startswith(PUBLISHED_PREFIXES) or table in kept:
                continue
            con.execute(
                f'create table main."{table}" as select * from {marts_database}.{schema}."{table}"'
            )
            copied.append(table)
        # the month-end close's frozen tables, for the cockpit's closed months
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'warehouse' "
            "and schema_name = ? order by table_name",
            [CLOSED_SCHEMA],
        ).fetchall():
            con.execute(
                f'create table main."{CLOSED_SCHEMA}_{table}" as '
                f'select * from warehouse.{CLOSED_SCHEMA}."{table}"'
            )
            copied.append(f"{CLOSED_SCHEMA}_{table}")
        _write_closed_months(con, [t for t in copied if t.startswith(f"{CLOSED_SCHEMA}_")])
        write_schedule(con, schedule or [])
        files = _export_files(con)
        fingerprints = {**kept, **_table_fingerprints(con, copied)}
        fingerprints = {table: fingerprints[table] for table in sorted(fingerprints)}
        con.execute(
            f"create table main.{STAMP_TABLE} as select ? as published_at, ? as run_id, "
            "? as copy_id, ? as warehouse_path",
            [now, run_id, copy_id, str(home.warehouse)],
        )
        con.execute("detach warehouse")
        if separate_models:
            con.execute("detach models")
        con.execute("checkpoint")
    finally:
        con.close()
    checks = checks or []
    audit = {
        "copy_id": copy_id,
        "run_id": run_id,
        "published_at": now.isoformat(),
        "code_version": code_version(),
        "files": files,
        "tables": fingerprints,
        # the unchanged marts taken from that copy, not from the warehouse
        "kept_from": base.copy_id if base is not None else None,
        "kept_tables": sorted(kept),
        "checks": {
            "total": len(checks),
            "failed": [c for c in checks if not c["passed"]],
            "results": checks,
        },
    }
    copy = _keep(home, staging_file, copy_id, audit)
    os.replace(staging_file, published)
    _prune(home)
    write_build_status(home, {"status": "published", "run_id": run_id, "at": now.isoformat()})
    return {table: fp["rows"] for table, fp in fingerprints.items()}, copy


def _base_copy(home: Paths, unchanged: UnchangedMarts | None) -> PublishedCopy | None:
    """The published copy to start from: the one run ``unchanged.run_id`` published, when it
    is the copy published now and kept with its audit."""
    if unchanged is None or not unchanged.tables:
        return None
    current = current_copy_id(home)
    for copy in published_copies(home):
        if copy.copy_id == current:
            return copy if copy.audit["run_id"] == unchanged.run_id else None
    return None


def _keep_unchanged(
    con: duckdb.DuckDBPyConnection, base: PublishedCopy | None, unchanged: UnchangedMarts | None
) -> dict[str, dict]:
    """In a file copied from ``base``, drop every table but the unchanged marts (the rest is
    written again); returns the kept marts' fingerprints, from the base's audit."""
    if base is None or unchanged is None:
        return {}
    kept = {t: fp for t, fp in base.audit["tables"].items() if t in unchanged.tables}
    for (table,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "order by table_name"
    ).fetchall():
        if table not in kept:
            con.execute(f'drop table main."{table}"')
    return kept


def _write_closed_months(con: duckdb.DuckDBPyConnection, closed_tables: list[str]) -> None:
    con.execute(
        f"create table main.{CLOSED_MONTHS_TABLE} "
        "(closed_table varchar, closed_month date, closed_at timestamp)"
    )
    for table in closed_tables:
        con.execute(
            f"insert into main.{CLOSED_MONTHS_TABLE} select ?, closed_month, max(closed_at) "
            f'from main."{table}" group by closed_month',
            [table],
        )


def _keep(home: Paths, staging_file: Path, copy_id: str, audit: dict) -> PublishedCopy:
    """Keep the new copy in the history as a hard link of the file about to be published (it is
    never written again: the cockpit opens it read-only), with its audit beside it."""
    history = home.published_history
    history.mkdir(parents=True, exist_ok=True)
    kept = history / f"{copy_id}.duckdb"
    os.link(staging_file, kept)
    audit_file = history / f"{copy_id}.json"
    audit_file.with_suffix(".json.next").write_text(
        json.dumps(audit, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    os.replace(audit_file.with_suffix(".json.next"), audit_file)
    return PublishedCopy(kept, audit)


def published_copies(home: Paths) -> list[PublishedCopy]:
    """The kept copies, newest first (a copy without its audit is not complete and not listed)."""
    copies = []
    for audit_file in home.published_history.glob("*.json"):
        copy = audit_file.with_suffix(".duckdb")
        if copy.exists():
            audit = json.loads(audit_file.read_text(encoding="utf-8"))
            copies.append(PublishedCopy(copy, audit))
    return sorted(copies, key=lambda c: c.copy_id, reverse=True)


def _prune(home: Paths) -> None:
    for copy in published_copies(home)[KEEP_COPIES:]:
        copy.path.with_suffix(".json").unlink(missing_ok=True)
        copy.path.unlink(missing_ok=True)


def current_copy_id(home: Paths) -> str | None:
    """Which kept copy the published file is now (None without one)."""
    if not home.published.exists():
        return None
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        has_id = con.execute(
            "select count(*) from duckdb_columns() "
            "where table_name = ? and column_name = 'copy_id'",
            [STAMP_TABLE],
        ).fetchone()[0]
        if not has_id:
            return None
        return con.execute(f"select copy_id from main.{STAMP_TABLE}").fetchone()[0]
    finally:
        con.close()


class RollbackError(Exception):
    """No kept copy fits the request."""


def rollback(home: Paths, to: datetime | None = None) -> PublishedCopy:
    """Publish a kept copy again, in one rename: the newest published at or before ``to``, or
    (without ``to``) the one before the copy published now."""
    copies = published_copies(home)
    if to is not None:
        candidates = [c for c in copies if c.published_at <= to]
    else:
        current = current_copy_id(home)
        ids = [c.copy_id for c in copies]
        candidates = copies[ids.index(current) + 1 :] if current in ids else copies[1:]
    if not candidates:
        raise RollbackError(
            "no kept copy to roll back to; kept: "
            + (", ".join(f"{c.published_at:%Y-%m-%d %H:%M:%S}" for c in copies) or "none")
        )
    target = candidates[0]
    staging_file = home.published.with_name(home.published.name + ".rollback")
    staging_file.unlink(missing_ok=True)
    os.link(target.path, staging_file)
    os.replace(staging_file, home.published)
    write_build_status(
        home,
        {
            "status": "rolled_back",
            "run_id": target.audit["run_id"],
            "copy_id": target.copy_id,
            "at": datetime.now().isoformat(),
        },
    )
    return target


def write_build_status(home: Paths, status: dict[str, Any]) -> None:
    """The outcome of the latest build (published, failed with reasons, rolled back), which the
    cockpit shows beside the time of the data it serves."""
    home.home.mkdir(parents=True, exist_ok=True)
    staging_file = home.build_status.with_suffix(".next")
    staging_file.write_text(json.dumps(status, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(staging_file, home.build_status)


def read_build_status(home: Paths) -> dict[str, Any] | None:
    try:
        return json.loads(home.build_status.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
