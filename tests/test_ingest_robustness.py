"""Hostile and ambiguous files: each is rejected with its reason and a ledger entry, fast,
and every other file of the drop still loads. Counts and reasons are written out by hand."""

from __future__ import annotations

import time
from pathlib import Path

from ingest_support import rows_by_key, write_export

from ingest.contracts import BUNDLED_CONTRACTS_DIR, contract_dirs, load_contracts
from ingest.load import ingest_file, ingest_path

HEADER = "对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号"
GOOD_ROW = "S1,0012,2024-03,2024-03-05,2024-04-05,100.00,E1"
# a second contract whose pattern also matches erp_statements_*.csv
OVERLAPPING = """
source: erp_statements_branch
system: erp
table: erp_statements
description: A branch office's statements (test-only contract).
file_pattern: "erp_statements_*.csv"
format: csv
primary_key: [statement_id]
columns:
  statement_id: {header: [对账单号], type: text, required: true}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "drop" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_invoice(folder: Path) -> Path:
    return write_export(
        folder / "drop" / "erp_invoices_20240301.csv",
        "发票号码,对账单号,开票日期,开票金额",
        ["F1,S1,2024-03-06,100"],
    )


def ledger(con) -> dict[str, tuple]:
    return rows_by_key(
        con,
        "select file_name, status, rows_read, message from raw._ingest_ledger "
        "where superseded_by is null",
    )


def with_extra_contract(tmp_path: Path, name: str, text: str) -> list:
    folder = tmp_path / "contracts"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return load_contracts(contract_dirs([folder]))


def test_a_file_two_contracts_match_is_rejected_naming_both(tmp_path, con):
    contracts = with_extra_contract(tmp_path, "erp_statements_branch.yml", OVERLAPPING)
    write(tmp_path, "erp_statements_20240301.csv", f"{HEADER}\n{GOOD_ROW}\n")
    write_invoice(tmp_path)
    reports = {r.file: r for r in ingest_path(con, tmp_path / "drop", contracts)}

    rejected = reports["erp_statements_20240301.csv"]
    assert rejected.status == "rejected"
    assert rejected.message == (
        "matches several source contracts: erp_statements (erp_statements.yml), "
        "erp_statements_branch (erp_statements_branch.yml); make their file_pattern exclusive"
    )
    assert (
        reports["erp_invoices_20240301.csv"].status,
        reports["erp_invoices_20240301.csv"].rows_loaded,
    ) == ("loaded", 1)
    assert ledger(con)["erp_statements_20240301.csv"][:2] == ("rejected", 0)
    assert con.execute(
        "select reason from raw._ingest_quarantine where file_name = 'erp_statements_20240301.csv'"
    ).fetchall() == [(rejected.message,)]
    assert con.execute("select count(*) from raw.erp_statements").fetchone() == (0,)

    # the next night skips it, saying why, until the contracts change
    [_, again] = ingest_path(con, tmp_path / "drop", contracts)
    assert again.status == "skipped"
    assert again.message.startswith("same content already rejected as erp_statements_20240301.csv")
    fixed = load_contracts([BUNDLED_CONTRACTS_DIR])
    [_, retried] = ingest_path(con, tmp_path / "drop", fixed)
    assert (retried.status, retried.rows_loaded) == ("loaded", 1)


def test_hostile_files_are_rejected_fast_and_the_rest_loads(tmp_path, con):
    contracts = load_contracts([BUNDLED_CONTRACTS_DIR])
    # 6 million columns on one line, about 12 MB
    write(tmp_path, "erp_statements_20240301.csv", ",".join(["x"] * 6_000_000))
    # an unclosed quote: the last field runs on to the end of the file, past the field limit
    write(
        tmp_path,
        "erp_statements_20240302.csv",
        f'{HEADER}\n{GOOD_ROW}\nS2,0012,2024-03,2024-03-05,2024-04-05,1,"E1\n'
        + ("x" * 99 + "\n") * 11_000,
    )
    # a 200,000-character field: over the csv module's own limit (131,072), under ours
    long_field = "S3,0012,2024-03,2024-03-05,2024-04-05,1,E" + "9" * 200_000
    write(tmp_path, "erp_statements_20240303.csv", f"{HEADER}\n{long_field}\n{GOOD_ROW}\n")
    write(tmp_path, "erp_statements_20240304.csv", f"{HEADER}\n")
    write(tmp_path, "erp_statements_20240305.csv", f"{HEADER}\n{GOOD_ROW}\n")
    started = time.monotonic()
    reports = {r.file: r for r in ingest_path(con, tmp_path / "drop", contracts)}
    assert time.monotonic() - started < 60  # before limits: well over 5 minutes

    assert reports["erp_statements_20240301.csv"].message == (
        "the header has 6,000,000 columns, over the limit of 2,000 (limits.columns)"
    )
    assert reports["erp_statements_20240302.csv"].message == (
        "a field is longer than 1,048,576 characters (limits.field_chars), often an unclosed "
        "quote running on to the end of the file (record starting on line 3)"
    )
    long_one = reports["erp_statements_20240303.csv"]
    assert (long_one.status, long_one.rows_read, long_one.rows_loaded) == ("loaded", 2, 2)
    assert con.execute(
        "select length(owner_id) from raw.erp_statements where statement_id = 'S3'"
    ).fetchone() == (200_001,)
    header_only = reports["erp_statements_20240304.csv"]
    assert (header_only.status, header_only.rows_read) == ("loaded", 0)
    assert header_only.warnings == ["no data rows: the file holds only its header"]
    assert reports["erp_statements_20240305.csv"].rows_loaded == 1
    # every file has its ledger entry, rejected ones with the reason
    assert {name: entry[:2] for name, entry in ledger(con).items()} == {
        "erp_statements_20240301.csv": ("rejected", 0),
        "erp_statements_20240302.csv": ("rejected", 0),
        "erp_statements_20240303.csv": ("loaded", 2),
        "erp_statements_20240304.csv": ("loaded", 0),
        "erp_statements_20240305.csv": ("loaded", 1),
    }
    assert ledger(con)["erp_statements_20240304.csv"][2] == header_only.message


def test_size_and_time_limits_of_a_contract(tmp_path, con):
    limited = (BUNDLED_CONTRACTS_DIR / "erp_statements.yml").read_text(encoding="utf-8")
    folder = tmp_path / "contracts"
    folder.mkdir()
    # the same contract with a deadline no read can meet, and a tiny size limit
    (folder / "erp_statements.yml").write_text(
        limited.replace(
            "source: erp_statements", "source: erp_statements\nlimits: {seconds: 0.001}"
        ),
        encoding="utf-8",
    )
    (folder / "erp_invoices.yml").write_text(
        (BUNDLED_CONTRACTS_DIR / "erp_invoices.yml")
        .read_text(encoding="utf-8")
        .replace("source: erp_invoices", "source: erp_invoices\nlimits: {file_mb: 0.00001}"),
        encoding="utf-8",
    )
    contracts = load_contracts([folder])
    write(tmp_path, "erp_statements_20240301.csv", f"{HEADER}\n{GOOD_ROW}\n")
    write_invoice(tmp_path)
    reports = {r.file: r for r in ingest_path(con, tmp_path / "drop", contracts)}
    assert reports["erp_statements_20240301.csv"].message == (
        "reading took longer than 0.001 s (limits.seconds); the file was not loaded"
    )
    assert reports["erp_invoices_20240301.csv"].message == (
        "file is 0 MB, over the limit of 1e-05 MB (limits.file_mb)"
    )
    # under relaxed contracts both are read again (the worker killed at the deadline was
    # replaced), and load
    relaxed = load_contracts([BUNDLED_CONTRACTS_DIR])
    later = [(r.status, r.rows_loaded) for r in ingest_path(con, tmp_path / "drop", relaxed)]
    assert later == [("loaded", 1), ("loaded", 1)]


def test_a_file_that_vanished_or_that_the_warehouse_refuses_is_a_rejection(tmp_path, con):
    contracts = load_contracts([BUNDLED_CONTRACTS_DIR])
    gone = tmp_path / "drop" / "erp_statements_20240301.csv"
    report = ingest_file(con, gone, contracts)
    assert report.status == "rejected"
    assert report.message.startswith("cannot open the file: [Errno 2] No such file or directory")
    assert ingest_file(con, gone, contracts).status == "skipped"

    # a contract that retypes a column under an existing raw table: 对账日期 as text now
    write(tmp_path, "erp_statements_20240302.csv", f"{HEADER}\n{GOOD_ROW}\n")
    ingest_path(con, tmp_path / "drop", contracts)
    folder = tmp_path / "retyped"
    folder.mkdir()
    (folder / "erp_statements.yml").write_text(
        (BUNDLED_CONTRACTS_DIR / "erp_statements.yml")
        .read_text(encoding="utf-8")
        .replace("statement_on], type: date", "statement_on], type: text"),
        encoding="utf-8",
    )
    write(
        tmp_path,
        "erp_statements_20240303.csv",
        f"{HEADER}\nS9,0012,2024-03,2024年3月5日,2024-04-05,1,E1\n",
    )
    [*_, refused] = ingest_path(con, tmp_path / "drop", load_contracts([folder]))
    assert refused.status == "rejected"
    assert refused.message.startswith("the warehouse refused the rows for erp_statements: ")
    assert ledger(con)["erp_statements_20240303.csv"][:2] == ("rejected", 0)
