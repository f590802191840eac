"""Incremental build and determinism (issue 19, items 2 and 7).

On a copy of the end-to-end warehouse, a next day of exports arrives: new visits and order lines
in files of their own, a visit re-exported with a correction, and the payments file sent again
under its own name with rows dropped and amounts changed (ingest replaces the earlier load). The
incremental `dbt run` must give, table for table, what a `--full-refresh` run gives on the same
raw tables; and two full-refresh runs must give byte-identical tables (content hashes).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import load_contracts
from ingest.load import ingest_path
from medops.generator.next_day import read_export_csv, write_export_csv
from medops.generator.schema import SPECS
from tests.thin_exports import dbt

pytestmark = pytest.mark.slow

INCREMENTAL_MODELS = [
    "stg_crm__visits",
    "stg_crm__opportunity_stage_history",
    "stg_erp__orders",
    "stg_erp__statements",
    "stg_erp__invoices",
    "stg_erp__payments",
    "stg_erp__expense_claims",
    "stg_service__ticket_history",
]
SCHEMAS = ("staging", "intermediate", "marts")


def _column(spec_name: str, name: str, header: list[str]) -> int:
    spec = SPECS[spec_name]
    return header.index(next(c.header for c in spec.columns if c.name == name))


def write_next_day(exports: Path, out: Path) -> dict[str, int]:
    """The next morning's files; returns what they should do to the staging row counts."""
    visits = SPECS["crm_visits"]
    header, rows = read_export_csv(next(exports.glob("crm/crm_visits_*.csv")), visits)
    visit_id = _column("crm_visits", "visit_id", header)
    checked_in = _column("crm_visits", "checked_in_at", header)
    longitude = _column("crm_visits", "check_in_longitude", header)
    new_visits = []
    for row in rows[-5:]:
        row = list(row)
        row[visit_id] += "N"
        row[checked_in] = "2026-11-21" + row[checked_in][10:]
        new_visits.append(row)
    corrected = list(next(r for r in rows if r[longitude]))
    corrected[longitude] = f"{float(corrected[longitude]) + 0.001:.6f}"
    write_export_csv(
        out / "crm" / "crm_visits_20261122.csv", visits, header, [*new_visits, corrected]
    )

    orders = SPECS["erp_orders"]
    header, rows = read_export_csv(next(exports.glob("erp/erp_orders_*.csv")), orders)
    line_no = _column("erp_orders", "line_no", header)
    new_lines = [[*r[:line_no], str(int(r[line_no]) + 100), *r[line_no + 1 :]] for r in rows[:3]]
    write_export_csv(out / "erp" / "erp_orders_20261122.csv", orders, header, new_lines)

    # the payments file again, same name: three payments gone, two amounts swapped
    payments = SPECS["erp_payments"]
    path = next(exports.glob("erp/erp_payments_*.csv"))
    header, rows = read_export_csv(path, payments)
    amount = _column("erp_payments", "payment_amount", header)
    rows = [list(r) for r in rows[:-3]]
    rows[0][amount], rows[1][amount] = rows[1][amount], rows[0][amount]
    write_export_csv(out / "erp" / path.name, payments, header, rows)
    return {"stg_crm__visits": 5, "stg_erp__orders": 3, "stg_erp__payments": -3}


def per_table(db: Path, query: str) -> dict[str, list[tuple]]:
    """`query` (with `{table}`) on every staging, intermediate and mart table of `db`."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ? "
            "order by all",
            [list(SCHEMAS)],
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(query.format(table=f'{schema}."{table}"')).fetchall()
            for schema, table in tables
        }
    finally:
        con.close()


def table_rows(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows in a canonical order."""
    return per_table(db, "select * from {table} order by all")


def content_hashes(db: Path) -> dict[str, list[tuple]]:
    """Rows and an order-independent hash of every table's content (exact values: a float
    that differs in its last bit gives another hash)."""
    return per_table(db, "select count(*), coalesce(bit_xor(hash(t)), 0) from {table} as t")


def test_next_day_incremental_run_equals_full_refresh(clean_build, tmp_path):
    home, exports, result = clean_build
    assert result.success
    copy = tmp_path / "home"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    db = copy / "warehouse.duckdb"
    expected_change = write_next_day(exports, tmp_path / "next_day")
    before = content_hashes(db)

    con = duckdb.connect(str(db))
    try:
        reports = ingest_path(con, tmp_path / "next_day", load_contracts())
    finally:
        con.close()
    assert sorted((r.file, r.status) for r in reports) == [
        ("crm_visits_20261122.csv", "loaded"),
        ("erp_orders_20261122.csv", "loaded"),
        (next(exports.glob("erp/erp_payments_*.csv")).name, "loaded"),
    ], [r.as_dict() for r in reports]

    selection = ["--select", *(f"{model}+" for model in INCREMENTAL_MODELS)]
    dbt(copy, "run", *selection)
    incremental = table_rows(db)
    for model, change in expected_change.items():
        [(rows_before, _)] = before[f"staging.{model}"]
        assert len(incremental[f"staging.{model}"]) == rows_before + change, model

    dbt(copy, "run", "--full-refresh", *selection)
    full = table_rows(db)
    assert incremental.keys() == full.keys()
    differing = [name for name in full if incremental[name] != full[name]]
    assert differing == [], differing

    first_hashes = content_hashes(db)
    dbt(copy, "run", "--full-refresh", *selection)
    second_hashes = content_hashes(db)
    assert [n for n in first_hashes if first_hashes[n] != second_hashes[n]] == []
