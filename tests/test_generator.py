"""The demo export generator: files as docs/EXPORTS.md specifies, determinism, planted dirt.

Expected headers are read from docs/EXPORTS.md itself, not from the generator's schema, so a
drift between the spec and the generator fails here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from medops.generator import generate_exports

REPO = Path(__file__).resolve().parent.parent
SCALE = 0.01
DIRTY = 0.05  # high enough that every kind of dirt occurs at the small test scale


def spec_headers() -> dict[str, tuple[str, list[str]]]:
    """entity -> (format, headers in order), parsed from docs/EXPORTS.md."""
    text = (REPO / "docs" / "EXPORTS.md").read_text(encoding="utf-8")
    out: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        m = re.match(r"`(\w+)/(\w+)_\*\.(\w+)`", block)
        assert m, block[:80]
        headers: list[str] = []
        for line in block.splitlines():
            if not line.startswith("| ") or line.startswith("| header") or line.startswith("|---"):
                continue
            cell = line.split("|")[1].strip()
            headers.extend(h.strip() for h in cell.split(" / "))
        out[m.group(2)] = (m.group(3), headers)
    return out


SPEC = spec_headers()


def encoding_of(entity: str) -> str:
    return "gb18030" if entity.startswith("erp_") else "utf-8-sig"


def path_of(root: Path, entity: str) -> Path:
    fmt = SPEC[entity][0]
    folder = {"crm": "crm", "erp": "erp", "svc": "service"}[entity.split("_")[0]]
    return root / folder / f"{entity}_20261121.{fmt}"


def read_rows(path: Path) -> list[list[str]]:
    """All rows (header first) as the file shows them, blanks as ''."""
    if path.suffix == ".csv":
        enc = encoding_of(path.name.rsplit("_", 1)[0])
        return list(csv.reader(io.StringIO(path.read_bytes().decode(enc), newline="")))
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for row in wb.worksheets[0].iter_rows(values_only=True):
        rows.append(["" if v is None else v for v in row])
    wb.close()
    return rows


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("drop")
    summary = generate_exports(out, scale=SCALE, seed=42, dirty_rate=DIRTY)
    return out, summary


@pytest.fixture(scope="module")
def clean_drop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("clean")
    return out, generate_exports(out, scale=SCALE, seed=42, dirty_rate=0.0)


def test_same_seed_gives_identical_bytes(drop, tmp_path: Path) -> None:
    root, _ = drop
    again = generate_exports(tmp_path / "again", scale=SCALE, seed=42, dirty_rate=DIRTY)
    assert again["files"] == drop[1]["files"]
    assert tree_hashes(root) == tree_hashes(tmp_path / "again")


def test_different_seed_gives_different_files(drop, tmp_path: Path) -> None:
    root, _ = drop
    generate_exports(tmp_path / "other", scale=SCALE, seed=7, dirty_rate=DIRTY)
    a, b = tree_hashes(root), tree_hashes(tmp_path / "other")
    exports = [k for k in a if not k.startswith("_")]
    assert all(a[k] != b[k] for k in exports if "org_units" not in k and "offices" not in k)


def test_every_spec_file_exists_with_exact_header(drop) -> None:
    root, summary = drop
    assert len(SPEC) == 27
    for entity, (_, headers) in SPEC.items():
        path = path_of(root, entity)
        assert path.exists(), path
        rows = read_rows(path)
        assert rows[0] == headers, entity
        assert len(rows) - 1 == summary["files"][str(path.relative_to(root))] > 0


def test_encodings(drop) -> None:
    root, _ = drop
    for entity in SPEC:
        path = path_of(root, entity)
        if path.suffix != ".csv":
            continue
        raw = path.read_bytes()
        if entity.startswith("erp_"):
            raw.decode("gb18030")
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert not raw.startswith(b"\xef\xbb\xbf")
        else:
            assert raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
    # Characters outside GBK really occur, so a GBK reader would fail.
    products = path_of(root, "erp_products").read_bytes().decode("gb18030")
    assert "µ" in products
    with pytest.raises(UnicodeEncodeError):
        products.encode("gbk")


def test_identifiers_keep_leading_zeros(clean_drop) -> None:
    root, _ = clean_drop
    accounts = read_rows(path_of(root, "crm_accounts"))
    ids = [r[0] for r in accounts[1:]]
    assert all(isinstance(i, str) and len(i) == 7 and i.startswith("00") for i in ids)
    credit = [r[10] for r in accounts[1:] if r[10]]
    assert all(isinstance(c, str) and len(c) == 18 for c in credit)
    invoices = read_rows(path_of(root, "erp_invoices"))
    assert all(re.fullmatch(r"0\d{7}", r[0]) for r in invoices[1:])
    employees = read_rows(path_of(root, "crm_employees"))
    assert all(isinstance(r[6], str) and re.fullmatch(r"1[3-9]\d{9}", r[6]) for r in employees[1:])
    products = read_rows(path_of(root, "erp_products"))
    assert all(r[0].startswith("0") for r in products[1:])
    # ERP amounts are written like 1,234.50.
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", r[3]) for r in invoices[1:])


def test_xlsx_dates_are_serial_numbers(clean_drop) -> None:
    root, _ = clean_drop
    wb = openpyxl.load_workbook(path_of(root, "svc_tickets"), read_only=True)
    row = next(wb.worksheets[0].iter_rows(min_row=2, max_row=2))
    created = row[6]
    assert isinstance(created.value, datetime)  # a number cell with a date format
    wb.close()
    accounts = read_rows(path_of(root, "crm_accounts"))
    assert isinstance(accounts[1][12], (int, float))  # 创建日期 as a bare serial number


def test_ticket_timestamps_in_order(drop) -> None:
    root, _ = drop
    t = pl.read_parquet(root / "_answer_key" / "truth" / "tickets.parquet")
    stages = [
        "created_at",
        "accepted_at",
        "dispatched_at",
        "arrived_at",
        "resolved_at",
        "closed_at",
    ]
    for a, b in zip(stages, stages[1:], strict=False):
        assert t.filter(pl.col(b) < pl.col(a)).height == 0, (a, b)
    assert (
        t.filter((pl.col("resolution_mode") == "远程") & pl.col("arrived_at").is_not_null()).height
        == 0
    )
    # A stage only after the one before it: a timestamp never follows a blank one.
    for a, b in zip(stages[:3], stages[1:3], strict=False):
        assert t.filter(pl.col(a).is_null() & pl.col(b).is_not_null()).height == 0
    breaches = pl.read_csv(root / "_answer_key" / "sla_breaches.csv")
    assert breaches.height > 0


def test_dirty_cells_are_in_the_files(drop) -> None:
    root, _ = drop
    dirty = pl.read_csv(
        root / "_answer_key" / "dirty_cells.csv",
        schema_overrides={"clean_value": pl.Utf8, "written_value": pl.Utf8},
    )
    kinds = set(dirty["kind"])
    expected = {
        "missing_required",
        "missing_optional",
        "date_format",
        "full_width",
        "stray_space",
        "duplicate_row",
        "unknown_code",
    }
    assert expected <= kinds
    files: dict[str, list[list]] = {}
    checked = dict.fromkeys(expected, 0)
    for rec in dirty.iter_rows(named=True):
        if rec["file"] not in files:
            files[rec["file"]] = read_rows(root / rec["file"])
        rows = files[rec["file"]]
        line = rows[rec["row_number"]]
        if rec["kind"] == "duplicate_row":
            original = int(rec["written_value"].rsplit(" ", 1)[1])
            assert line == rows[original]
        else:
            col = rows[0].index(rec["column"])
            written = "" if rec["written_value"] is None else rec["written_value"]
            assert line[col] == written, rec
            assert written != (rec["clean_value"] or ""), rec
        checked[rec["kind"]] += 1
    assert all(v > 0 for v in checked.values())
    # The count of damaged rows follows the rate (binomial, loose bounds).
    total_rows = sum(
        json.loads((root / "_answer_key" / "manifest.json").read_text())["files"].values()
    )
    assert 0.5 * DIRTY * total_rows < dirty.height < 1.5 * DIRTY * total_rows


def test_zero_rate_is_clean(clean_drop) -> None:
    root, summary = clean_drop
    dirty = pl.read_csv(root / "_answer_key" / "dirty_cells.csv")
    assert dirty.height == 0 and summary["dirty_cells"] == 0
    # Clean files match the truth copies row for row.
    leads = pl.read_csv(path_of(root, "crm_leads"), encoding="utf8", infer_schema=False)
    truth = pl.read_parquet(root / "_answer_key" / "truth" / "leads.parquet")
    assert leads.height == truth.height
    assert leads["线索编号"].to_list() == truth["lead_id"].to_list()


def test_answer_key_matches_files(drop) -> None:
    root, summary = drop
    key = root / "_answer_key"
    manifest = json.loads((key / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == summary["files"]
    assert manifest["export_date"] == "2026-11-21"
    assert manifest["history_start"] == "2023-11-01"
    for rel, n in manifest["files"].items():
        assert len(read_rows(root / rel)) - 1 == n
    planted = manifest["planted"]
    for name in [
        "discount_deviations",
        "orders_without_contract",
        "inflated_claims",
        "stale_opportunities",
        "unallocated_payments",
        "suspicious_checkins",
    ]:
        df = pl.read_csv(key / f"{name}.csv")
        assert df.height == planted[name] > 0, name
    dups = pl.read_csv(key / "duplicate_customers.csv", schema_overrides={"account_id": pl.Utf8})
    variants = dups.filter(pl.col("variant_kind") != "original")
    assert variants.height == planted["duplicate_account_records"] > 0
    assert (
        dups.filter(pl.col("variant_kind") == "original").height == planted["duplicate_customers"]
    )
    accounts = pl.read_parquet(key / "truth" / "accounts.parquet")
    assert set(dups["account_id"]) <= set(accounts["account_id"])
    # Every truth table the KPI tests need is there, with typed columns.
    for table in [
        "opportunities",
        "opportunity_stage_history",
        "accounts",
        "employees",
        "org_units",
        "statements",
        "payments",
        "tickets",
    ]:
        assert (key / "truth" / f"{table}.parquet").exists(), table
    stmts = pl.read_parquet(key / "truth" / "statements.parquet")
    assert stmts.schema["due_on"] == pl.Date and stmts.schema["statement_amount"] == pl.Float64
    inflated = pl.read_csv(key / "inflated_claims.csv")
    assert (inflated["claimed_km"] >= 1.5 * inflated["true_km"]).all()


def test_org_is_complete_at_small_scale(clean_drop) -> None:
    root, _ = clean_drop
    units = pl.read_parquet(root / "_answer_key" / "truth" / "org_units.parquet")
    levels = units.group_by("unit_level").len()
    count = dict(zip(levels["unit_level"], levels["len"], strict=True))
    assert count["公司"] == 1 and count["大区"] >= 3 and count["省区"] >= 4 and count["团队"] >= 6
    emp = pl.read_parquet(root / "_answer_key" / "truth" / "employees.parquet")
    assert (emp["job_role"] == "销售代表").sum() >= 15
    assert (emp["job_role"] == "服务工程师").sum() >= 3
    history = pl.read_parquet(root / "_answer_key" / "truth" / "opportunity_stage_history.parquet")
    assert history.select(pl.struct("opportunity_id", "entered_at").is_unique().all()).item()
    assert history["entered_at"].max() <= datetime(2026, 11, 20, 23, 59, 59)
    opps = pl.read_parquet(root / "_answer_key" / "truth" / "opportunities.parquet")
    assert opps["created_on"].min() >= date(2023, 11, 1)
