"""Ingest of a generated drop with planted dirt: the answer key says what happens to each row."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.contracts import load_contracts
from ingest.load import ingest_path
from medops.generator import generate_exports

CLEAN_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
QUARANTINING_KINDS = {"missing_required", "unknown_code", "duplicate_row"}
REPAIRABLE_KINDS = {"date_format", "full_width", "stray_space"}


@pytest.fixture(scope="module")
def dirty_load(tmp_path_factory):
    exports = tmp_path_factory.mktemp("exports")
    generate_exports(exports, scale=0.01, seed=5, dirty_rate=0.02)
    con = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"))
    reports = ingest_path(con, exports)
    yield exports, con, reports
    con.close()


def answer_key(exports: Path) -> tuple[dict, pl.DataFrame]:
    key = exports / "_answer_key"
    manifest = json.loads((key / "manifest.json").read_text(encoding="utf-8"))
    dirty = pl.read_csv(key / "dirty_cells.csv", infer_schema=False).with_columns(
        pl.col("row_number").cast(pl.Int64),
        pl.col("file").str.split("/").list.last().alias("file_name"),
    )
    return manifest, dirty


def parse_clean_datetime(text: str) -> datetime:
    """The generator's clean form of a date, read with the standard library."""
    for fmt in CLEAN_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def test_every_row_read_is_loaded_or_quarantined(dirty_load):
    exports, con, reports = dirty_load
    manifest, _ = answer_key(exports)
    written = {Path(name).name: rows for name, rows in manifest["files"].items()}
    assert {r.file for r in reports} == set(written)
    for report in reports:
        assert report.status == "loaded", report
        assert report.rows_read == written[report.file], report.file
        assert report.rows_read == report.rows_loaded + report.rows_quarantined, report.file
        [(in_table,)] = con.execute(
            f"select count(*) from raw.{report.source} where _file_name = ?", [report.file]
        ).fetchall()
        assert in_table == report.rows_loaded
    assert sum(r.rows_quarantined for r in reports) > 50


def headers_where(contracts: dict, wanted) -> set[tuple[str, str]]:
    """(source, header) of every column the predicate picks, under each of its headers."""
    return {
        (source, header)
        for source, contract in contracts.items()
        for col in contract.columns
        if wanted(col)
        for header in col.headers
    }


def test_quarantine_holds_exactly_the_planted_bad_rows(dirty_load):
    exports, con, _ = dirty_load
    _, dirty = answer_key(exports)
    contracts = {c.source: c for c in load_contracts()}
    required_headers = headers_where(contracts, lambda col: col.required)
    coded_headers = headers_where(contracts, lambda col: bool(col.values))
    source_of = {
        f: next(s for s, c in contracts.items() if c.matches(f))
        for f in dirty["file_name"].unique()
    }
    quarantined = set(
        con.execute("select file_name, row_number from raw._ingest_quarantine").fetchall()
    )

    planted_bad = set()
    must_quarantine = set()
    for row in dirty.iter_rows(named=True):
        place = (row["file_name"], row["row_number"])
        header = (source_of[row["file_name"]], row["column"])
        if row["kind"] in QUARANTINING_KINDS:
            planted_bad.add(place)
        if (
            row["kind"] == "duplicate_row"
            or (row["kind"] == "missing_required" and header in required_headers)
            or (row["kind"] == "unknown_code" and header in coded_headers)
        ):
            must_quarantine.add(place)
    assert must_quarantine, "the answer key planted nothing to quarantine"
    assert must_quarantine <= quarantined
    # nothing is quarantined that the generator did not break
    assert quarantined <= planted_bad


def test_repairable_dirt_is_loaded_with_the_clean_value(dirty_load):
    exports, con, _ = dirty_load
    _, dirty = answer_key(exports)
    contracts = {c.source: c for c in load_contracts()}
    broken = set(
        dirty.filter(pl.col("kind").is_in(list(QUARANTINING_KINDS)))
        .select("file_name", "row_number")
        .iter_rows()
    )
    checked = 0
    for row in dirty.filter(pl.col("kind").is_in(list(REPAIRABLE_KINDS))).iter_rows(named=True):
        if (row["file_name"], row["row_number"]) in broken:
            continue
        contract = next(c for c in contracts.values() if c.matches(row["file_name"]))
        column = next(c for c in contract.columns if row["column"] in c.headers)
        [(value,)] = con.execute(
            f'select "{column.name}" from raw.{contract.table} '
            "where _file_name = ? and _row_number = ?",
            [row["file_name"], row["row_number"]],
        ).fetchall()
        expected = row["clean_value"]
        if column.values:
            expected = column.values[expected]
        if column.type in ("date", "timestamp"):
            clean = parse_clean_datetime(expected)
            if column.type == "date":
                assert value == clean.date(), row
            else:
                # some planted forms ("2024-03-05 14:30") carry no seconds to recover
                assert value.replace(second=0) == clean.replace(second=0), row
        elif column.type in ("int", "decimal"):
            assert value == pytest.approx(float(expected.replace(",", ""))), row
        else:
            assert value == expected, row
        checked += 1
    assert checked > 100


def test_second_run_loads_nothing_twice(dirty_load):
    exports, con, reports = dirty_load
    before = con.execute("select count(*) from raw._ingest_ledger").fetchone()[0]
    again = ingest_path(con, exports)
    assert {r.status for r in again} == {"skipped"}
    assert con.execute("select count(*) from raw._ingest_ledger").fetchone()[0] == before
    for report in reports:
        [(rows,)] = con.execute(f"select count(*) from raw.{report.source}").fetchall()
        assert rows == report.rows_loaded
