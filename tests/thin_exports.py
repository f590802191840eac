"""A warehouse whose raw tables are written directly, as ingest would have loaded them, for
the dbt tests of thin or unusual exports (tests/test_thin_data.py).

The raw tables are created by ingest's own code from the contracts, so their columns are the
ones ingest makes; each file gets a ledger row, so the data-quality marts see it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb

from ingest.contracts import load_contracts
from ingest.load import LEDGER, QUARANTINE, RAW_SCHEMA, ensure_ledger, ensure_raw_table

REPO = Path(__file__).resolve().parent.parent


def new_warehouse(home: Path, *statements: str) -> Path:
    """A warehouse in ``home`` with every contract's raw table, empty, plus the ingest ledger
    and quarantine; then the given SQL statements (raw tables of other contracts, columns a
    newer ingest adds). Returns the warehouse file."""
    db = home / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    try:
        ensure_ledger(con)
        for contract in load_contracts():
            ensure_raw_table(con, contract)
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return db


def load_file(
    db: Path,
    source: str,
    file_name: str,
    rows: list[dict],
    loaded_at: dt.datetime,
    quarantined: list[tuple[dict, str]] = (),
) -> None:
    """Load one export file's rows into the source's raw table (replacing an earlier file of
    the same name, as ingest does), with its ledger row and its quarantined rows (raw values
    keyed by the file's headers, reason)."""
    load_id = uuid.uuid4().hex
    con = duckdb.connect(str(db))
    try:
        con.execute(f"delete from {RAW_SCHEMA}.{source} where _file_name = ?", [file_name])
        con.execute(f"delete from {QUARANTINE} where file_name = ?", [file_name])
        con.execute(
            f"update {LEDGER} set superseded_by = ? where file_name = ? and superseded_by is null",
            [load_id, file_name],
        )
        for number, row in enumerate(rows, start=1):
            values = row | {
                "_load_id": load_id,
                "_file_name": file_name,
                "_row_number": number,
                "_loaded_at": loaded_at,
            }
            names = ", ".join(f'"{name}"' for name in values)
            con.execute(
                f"insert into {RAW_SCHEMA}.{source} ({names}) "
                f"values ({', '.join('?' * len(values))})",
                list(values.values()),
            )
        for number, (raw_values, reason) in enumerate(quarantined, start=len(rows) + 1):
            con.execute(
                f"insert into {QUARANTINE} values (?, ?, ?, ?, ?, ?)",
                [load_id, source, file_name, number, reason, json.dumps(raw_values)],
            )
        read = len(rows) + len(quarantined)
        con.execute(
            f"insert into {LEDGER} (load_id, source, file_name, file_path, file_hash, status, "
            "rows_read, rows_loaded, rows_quarantined, loaded_at, system) "
            "values (?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?)",
            [
                load_id,
                source,
                file_name,
                f"/drop/{file_name}",
                uuid.uuid4().hex,
                read,
                len(rows),
                len(quarantined),
                loaded_at,
                source.split("_")[0],
            ],
        )
    finally:
        con.close()


def dbt(home: Path, *args: str, project: Path = REPO / "dbt", succeed: bool = True) -> str:
    """Run dbt (the project in ``project``) on the warehouse in ``home``; fail the test with
    dbt's output if it fails (or, with ``succeed=False``, if it does not)."""
    from dagster_project.resources import DBT_EXECUTABLE

    done = subprocess.run(
        [DBT_EXECUTABLE, *args],
        cwd=project,
        env={**os.environ, "MEDOPS_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode == 0) == succeed, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


def company_project(root: Path, seeds: dict[str, str]) -> Path:
    """A copy of the dbt project and its seeds with some seed files replaced (name -> CSV
    text), as a company edits its code sets; returns the copy's dbt folder."""
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    shutil.copytree(REPO / "dbt", root / "dbt", ignore=ignore)
    shutil.copytree(REPO / "seeds", root / "seeds")
    for name, text in seeds.items():
        (root / "seeds" / f"{name}.csv").write_text(text, encoding="utf-8")
    return root / "dbt"


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
