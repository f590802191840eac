"""Ingest: every row read is loaded or quarantined, once, whatever the encoding."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from ingest_support import rows_by_key, write_export

from ingest.contracts import load_contracts
from ingest.load import ingest_path
from ingest.readers import UnreadableFileError, detect_encoding

STATEMENT_HEADER = "对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号"


@pytest.fixture()
def con(tmp_path_factory):
    connection = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def contracts():
    return load_contracts()


def write_statements(folder: Path, rows: list[str], encoding: str = "gb18030") -> Path:
    path = folder / "erp" / "erp_statements_20261121.csv"
    return write_export(path, STATEMENT_HEADER, rows, encoding)


def loaded_statements(con) -> dict[str, tuple]:
    return rows_by_key(
        con,
        "select statement_id, account_id, statement_on, due_on, statement_amount "
        "from raw.erp_statements",
    )


def test_values_are_typed_from_every_written_form(tmp_path, con, contracts):
    write_statements(
        tmp_path,
        [
            'S001,0012,2024-03,2024/3/5,2024年4月5日,"1,234.50",E1',
            "S002,0013,2024-03,2024-03-05 14:30,45390,¥1.2万,E2",
            "Ｓ003 , 0014 ,2024-03,20240305,2024-04-05,(100),E3",
        ],
    )
    [report] = ingest_path(con, tmp_path, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 3, 0)
    assert report.encoding == "gb18030"
    got = loaded_statements(con)
    import datetime as dt

    assert got["S001"] == ("0012", dt.date(2024, 3, 5), dt.date(2024, 4, 5), 1234.5)
    # 45390 is an Excel serial day number: 2024-04-08
    assert got["S002"] == ("0013", dt.date(2024, 3, 5), dt.date(2024, 4, 8), 12000.0)
    # full-width letters and stray spaces are folded; (100) is a negative amount
    assert got["S003"] == ("0014", dt.date(2024, 3, 5), dt.date(2024, 4, 5), -100.0)


def test_bad_rows_are_quarantined_with_their_reason(tmp_path, con, contracts):
    write_statements(
        tmp_path,
        [
            "S001,0012,2024-03,2024-03-05,2024-04-05,100,E1",
            "S001,0012,2024-03,2024-03-05,2024-04-05,100,E1",
            "S001,0099,2024-03,2024-03-05,2024-04-05,999,E1",
            "S004,,2024-03,2024-13-45,2024-04-05,100,E1",
            "S005,0012,2024-03,2024-03-05,2024-04-05,N/A,E1",
        ],
    )
    [report] = ingest_path(con, tmp_path, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 1, 4)
    reasons = dict(con.execute("select row_number, reason from raw._ingest_quarantine").fetchall())
    assert reasons == {
        2: "duplicate row: same as data row 1",
        3: "duplicate key: (S001) first seen at data row 1 with other values",
        4: "missing value in account_id; invalid date in statement_on: '2024-13-45'",
        5: "missing value in statement_amount",
    }
    raw = json.loads(
        con.execute(
            "select raw_values from raw._ingest_quarantine where row_number = 4"
        ).fetchone()[0]
    )
    assert raw["对账日期"] == "2024-13-45"
    assert report.reasons == {
        "duplicate row": 1,
        "duplicate key": 1,
        "missing value in account_id": 1,
        "invalid date in statement_on": 1,
        "missing value in statement_amount": 1,
    }


def test_rerun_skips_and_changed_file_replaces(tmp_path, con, contracts):
    path = write_statements(tmp_path, ["S001,0012,2024-03,2024-03-05,2024-04-05,100,E1"])
    ingest_path(con, tmp_path, contracts)
    [again] = ingest_path(con, tmp_path, contracts)
    assert again.status == "skipped"
    assert con.execute("select count(*) from raw.erp_statements").fetchone()[0] == 1

    write_statements(
        tmp_path,
        [
            "S001,0012,2024-03,2024-03-05,2024-04-05,150,E1",
            "S002,0012,2024-04,2024-04-05,2024-05-05,80,E1",
        ],
    )
    [replaced] = ingest_path(con, tmp_path, contracts)
    assert replaced.status == "loaded"
    assert loaded_statements(con)["S001"][-1] == 150.0
    assert con.execute("select count(*) from raw.erp_statements").fetchone()[0] == 2
    ledger = con.execute(
        "select status, superseded_by is null from raw._ingest_ledger order by loaded_at"
    ).fetchall()
    assert ledger == [("loaded", False), ("loaded", True)]
    assert path.exists()


def test_unknown_and_unreadable_files_are_quarantined_whole(tmp_path, con, contracts):
    (tmp_path / "misc").mkdir()
    (tmp_path / "misc" / "notes.txt").write_text("hello")
    write_statements(tmp_path, [])
    (tmp_path / "erp" / "erp_statements_20261122.csv").write_bytes(b"")
    (tmp_path / "erp" / "erp_invoices_20261121.csv").write_bytes(
        "发票号码,开票日期\n001,2024-01-01\n".encode("gb18030")
    )
    reports = {r.file: r for r in ingest_path(con, tmp_path, contracts)}
    assert reports["notes.txt"].status == "rejected"
    assert reports["erp_statements_20261121.csv"].rows_read == 0
    assert reports["erp_statements_20261122.csv"].message == "file is empty"
    assert "required columns missing: statement_id" in reports["erp_invoices_20261121.csv"].message
    quarantined = con.execute("select file_name from raw._ingest_quarantine order by 1").fetchall()
    assert [q[0] for q in quarantined] == [
        "erp_invoices_20261121.csv",
        "erp_statements_20261122.csv",
        "notes.txt",
    ]


def test_encoding_detection_never_guesses_into_mojibake():
    name = "王𠇔 上海市第一人民医院"
    assert detect_encoding(name.encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(name.encode("utf-8")) == "utf-8"
    assert detect_encoding(name.encode("gb18030")) == "gb18030"
    assert detect_encoding(name.encode("utf-16")) == "utf-16"
    with pytest.raises(UnreadableFileError):
        detect_encoding(b"\xff\xfe\xfd"[1:] + b"\x81\x20")
