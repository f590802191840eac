"""A corpus of real-world bad export files: for each, the exact rows loaded and quarantined.

Each case writes one file the way some system or person would, ingests it, and states what
must happen to every row. Expected values are written out by hand.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
import xlwt

from ingest.contracts import BUNDLED_CONTRACTS_DIR, load_contracts
from ingest.load import ingest_path

STATEMENT_HEADER = [
    "对账单号",
    "客户编码",
    "结算期间",
    "对账日期",
    "到期日",
    "对账金额",
    "销售员工号",
]
STATEMENT_ROWS = [
    ["S001", "0012", "2024-03", "2024-03-05", "2024-04-05", "100.00", "E1"],
    ["S002", "0013", "2024-03", "2024-03-06", "2024-04-06", "200.00", "E1"],
    ["S003", "0014", "2024-03", "2024-03-07", "2024-04-07", "300.00", "E2"],
]

# Contracts only this test module knows: a new source added by YAML alone.
EXTRA_CONTRACTS = {
    "lab_devices.yml": """
source: lab_devices
system: service
description: One row per lab device from a distributor's workbook (test-only contract).
file_pattern: "lab_devices_*.xls*"
format: xlsx
sheet: 设备清单
header_row: 2
header_rows: 2
primary_key: [serial_no]
columns:
  serial_no: {header: [设备/序列号], type: text, required: true}
  installed_on: {header: [设备/装机日期], type: date, required: true}
  price: {header: [金额/含税], type: decimal}
  price_net: {header: [金额/不含税], type: decimal}
""",
    "legacy_devices.yml": """
source: legacy_devices
system: service
description: One row per device from an old ERP that still writes .xls (test-only contract).
file_pattern: "legacy_devices_*.xls"
format: xls
primary_key: [serial_no]
columns:
  serial_no: {header: [序列号], type: text, required: true}
  installed_on: {header: [装机日期], type: date, required: true}
""",
    "semicolon_claims.yml": """
source: semicolon_claims
system: erp
description: One row per claim from a European subsidiary's export (test-only contract).
file_pattern: "eu_claims_*.csv"
format: csv
delimiter: ";"
primary_key: [claim_id]
columns:
  claim_id: {header: [Claim ID], type: text, required: true}
  amount: {header: [Amount], type: decimal, required: true}
""",
    "app_events.yml": """
source: app_events
system: crm
description: One row per event of the mobile CRM app (test-only contract).
file_pattern: "app_events_*.jsonl"
format: jsonl
primary_key: [event_id]
columns:
  event_id: {header: [event_id], type: text, required: true}
  happened_at: {header: [time], type: timestamp, required: true}
""",
    "crm2_opportunities.yml": """
# A second CRM's opportunity export, in English, feeding the same raw table.
source: crm2_opportunities
system: crm
table: crm_opportunities
description: One row per opportunity from the acquired company's CRM (test-only contract).
file_pattern: "sfdc_opportunities_*.csv"
format: csv
primary_key: [opportunity_id]
columns:
  opportunity_id: {header: [Opportunity ID], type: text, required: true}
  account_id: {header: [Account Number], type: text, required: true}
  owner_id: {header: [Owner Employee ID], type: text, required: true}
  product_line:
    header: [Product Family]
    type: text
    required: true
    values: {Imaging: imaging_equipment, Reagents: lab_reagents}
  created_on: {header: [Created Date], type: date, required: true}
  current_stage:
    header: [Stage]
    type: text
    values: {Prospecting: qualification, Proposal/Price Quote: proposal, Closed Won: won}
  amount: {header: [Amount], type: decimal, min: 0}
""",
}


@pytest.fixture()
def warehouse(tmp_path_factory):
    con = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def contracts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contracts")
    for name, text in EXTRA_CONTRACTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_contracts([BUNDLED_CONTRACTS_DIR, folder])


@pytest.fixture()
def drop(tmp_path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    """CSV as exporting systems write it: fields quoted only where they must be."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue()


def ingest_one(con, drop: Path, contracts):
    [report] = ingest_path(con, drop, contracts)
    return report


def quarantine(con) -> dict[int | None, str]:
    return dict(con.execute("select row_number, reason from raw._ingest_quarantine").fetchall())


def column(con, table: str, name: str, key: str) -> dict:
    return dict(con.execute(f'select {key}, "{name}" from raw.{table}').fetchall())


@pytest.mark.parametrize(
    "encoding, prefix",
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("gbk", b""),
        ("gb18030", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-le", b""),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_every_text_encoding_loads_without_mojibake(warehouse, drop, contracts, encoding, prefix):
    rows = [["S001", "0012", "2024-03", "2024-03-05", "2024-04-05", "100", "张三丰"]]
    (drop / "erp_statements_20261121.csv").write_bytes(
        prefix + csv_text(STATEMENT_HEADER, rows).encode(encoding)
    )
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (1, 1, 0)
    assert column(warehouse, "erp_statements", "owner_id", "statement_id") == {"S001": "张三丰"}


def test_characters_outside_gbk_survive_gb18030(warehouse, drop, contracts):
    header = ["联系人编码", "客户编码", "姓名", "科室", "职务", "手机号"]
    rows = [["C1", "0012", "王𠇔", "检验科", "主任", "13812345678"]]
    (drop / "crm_contacts_20261121.csv").write_bytes(csv_text(header, rows).encode("gb18030"))
    report = ingest_one(warehouse, drop, contracts)
    assert report.encoding == "gb18030"
    assert column(warehouse, "crm_contacts", "contact_name", "contact_id") == {"C1": "王𠇔"}


def test_identifiers_stay_text_and_quoted_newlines_stay_in_their_cell(warehouse, drop, contracts):
    header = ["联系人编码", "客户编码", "姓名", "科室", "职务", "手机号"]
    text = csv_text(header, [["007", "000123", "李四", "设备科", "科长\n兼主任", "13800000000"]])
    (drop / "crm_contacts_20261121.csv").write_text(text, encoding="utf-8-sig")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded) == (1, 1)
    row = warehouse.execute(
        "select contact_id, account_id, title, mobile from raw.crm_contacts"
    ).fetchone()
    assert row == ("007", "000123", "科长 兼主任", "13800000000")


def test_amount_date_and_blank_forms(warehouse, drop, contracts):
    rows = [
        ["S1", "1", "2024-03", "2024/3/5", "2024年4月5日", "1,234.50", "-"],
        ["S2", "2", "2024-03", "2024-03-05 14:30", "2024-04-05", "￥1,234", "N/A"],
        ["S3", "3", "2024-03", "2024-03-05", "2024-04-05", "(1,234)", "NULL"],
        ["S4", "4", "2024-03", "2024-03-05", "2024-04-05", "１２３４", "E1"],
        ["S5", "5", "2024-03", "2024-03-05", "2024-04-05", "1.2万", "E1"],
        ["S6", "6", "2024-03", "2024-03-05", "2024-04-05", "-", "E1"],
    ]
    (drop / "erp_statements_20261121.csv").write_bytes(
        csv_text(STATEMENT_HEADER, rows).encode("gbk")
    )
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (6, 5, 1)
    assert quarantine(warehouse) == {6: "missing value in statement_amount"}
    amounts = column(warehouse, "erp_statements", "statement_amount", "statement_id")
    assert amounts == {"S1": 1234.5, "S2": 1234.0, "S3": -1234.0, "S4": 1234.0, "S5": 12000.0}
    owners = column(warehouse, "erp_statements", "owner_id", "statement_id")
    assert owners["S1"] is None and owners["S2"] is None and owners["S3"] is None
    dates = column(warehouse, "erp_statements", "due_on", "statement_id")
    assert dates["S1"] == dt.date(2024, 4, 5)


def test_truncated_csv_quarantines_the_cut_row(warehouse, drop, contracts):
    text = csv_text(STATEMENT_HEADER, STATEMENT_ROWS)
    (drop / "erp_statements_20261121.csv").write_text(text[: text.rindex("300.00")], "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert quarantine(warehouse) == {
        3: "row has 6 fields, the header has 7; missing value in statement_amount"
    }


def test_row_with_too_many_fields_keeps_the_extra_values(warehouse, drop, contracts):
    rows = [*STATEMENT_ROWS[:2], [*STATEMENT_ROWS[2], "surplus"]]
    (drop / "erp_statements_20261121.csv").write_text(csv_text(STATEMENT_HEADER, rows), "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_loaded, report.rows_quarantined) == (2, 1)
    assert quarantine(warehouse) == {
        3: 'row has 8 fields, the header has 7: extra values ["surplus"]'
    }


def test_empty_and_header_only_files(warehouse, drop, contracts):
    (drop / "erp_statements_20261121.csv").write_bytes(b"")
    (drop / "erp_statements_20261122.csv").write_text(csv_text(STATEMENT_HEADER, []), "utf-8")
    reports = {r.file: r for r in ingest_path(warehouse, drop, contracts)}
    empty, header_only = (
        reports["erp_statements_20261121.csv"],
        reports["erp_statements_20261122.csv"],
    )
    assert (empty.status, empty.message) == ("rejected", "file is empty")
    assert (header_only.status, header_only.rows_read, header_only.rows_loaded) == ("loaded", 0, 0)
    assert quarantine(warehouse) == {None: "file is empty"}


def test_ten_percent_broken_rows(warehouse, drop, contracts):
    rows = [
        [
            f"S{i:03d}",
            "0012",
            "2024-03",
            "2024-02-30" if i % 10 == 0 else "2024-03-05",
            "2024-04-05",
            "10",
            "E1",
        ]
        for i in range(1, 101)
    ]
    (drop / "erp_statements_20261121.csv").write_text(csv_text(STATEMENT_HEADER, rows), "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (100, 90, 10)
    assert quarantine(warehouse) == {
        i: "invalid date in statement_on: '2024-02-30'" for i in range(10, 101, 10)
    }


def test_mojibake_rows_are_quarantined(warehouse, drop, contracts):
    rows = [
        STATEMENT_ROWS[0],
        ["S002", "0013", "2024-03", "2024-03-06", "2024-04-06", "1", "锟斤拷"],
    ]
    (drop / "erp_statements_20261121.csv").write_text(csv_text(STATEMENT_HEADER, rows), "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert quarantine(warehouse) == {
        2: "mojibake in owner_id: the text was decoded wrongly before export"
    }


def write_lab_workbook(path: Path, *, date_1904: bool, sheet: str = "设备清单") -> None:
    """Two sheets; the data sheet has a title row, a two-row header with merged group cells,
    a date cell, a bare serial number, a formula with its cached value and trailing blanks."""
    book = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    book.add_worksheet("说明").write(0, 0, "本文件由经销商系统导出")
    data = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    data.merge_range(0, 0, 0, 3, "华东经销商设备清单（2024年）")
    data.merge_range(1, 0, 1, 1, "设备")
    data.merge_range(1, 2, 1, 3, "金额")
    data.write_row(2, 0, ["序列号", "装机日期", "含税", "不含税"])
    data.write_string(3, 0, "SN0001")
    data.write_datetime(3, 1, dt.datetime(2024, 3, 5), date_format)
    data.write_number(3, 2, 113)
    data.write_formula(3, 3, "=C4/1.13", None, 100)
    data.write_string(4, 0, "SN0002")
    serial_of_2024_03_06 = (
        dt.date(2024, 3, 6) - (dt.date(1904, 1, 1) if date_1904 else dt.date(1899, 12, 30))
    ).days
    data.write_number(4, 1, serial_of_2024_03_06)
    data.write_string(5, 0, "SN0003")
    data.write_string(5, 1, "not a date")
    data.write_string(8, 0, "")  # trailing empty rows that spreadsheets keep
    book.close()


@pytest.mark.parametrize("date_1904", [False, True])
def test_workbook_with_titles_merged_headers_formulas_and_both_date_systems(
    warehouse, drop, contracts, date_1904
):
    write_lab_workbook(drop / "lab_devices_20261121.xlsx", date_1904=date_1904)
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert quarantine(warehouse) == {3: "invalid date in installed_on: 'not a date'"}
    rows = warehouse.execute(
        "select serial_no, installed_on, price, price_net from raw.lab_devices order by 1"
    ).fetchall()
    assert rows == [
        ("SN0001", dt.date(2024, 3, 5), 113.0, 100.0),
        ("SN0002", dt.date(2024, 3, 6), None, None),
    ]


def test_workbook_without_the_contract_sheet_is_rejected(warehouse, drop, contracts):
    write_lab_workbook(drop / "lab_devices_20261121.xlsx", date_1904=False, sheet="Sheet1")
    report = ingest_one(warehouse, drop, contracts)
    assert report.status == "rejected"
    assert report.message == "sheet '设备清单' not found; the workbook has ['说明', 'Sheet1']"


def test_truncated_workbook_is_rejected_whole(warehouse, drop, contracts):
    path = drop / "lab_devices_20261121.xlsx"
    write_lab_workbook(path, date_1904=False)
    path.write_bytes(path.read_bytes()[:700])
    report = ingest_one(warehouse, drop, contracts)
    assert report.status == "rejected"
    assert report.message == (
        "workbook is damaged or cut short (a copy that did not finish?): copy it again"
    )
    assert quarantine(warehouse) == {None: report.message}


def test_legacy_xls_workbook(warehouse, drop, contracts):
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for col, value in enumerate(["序列号", "装机日期"]):
        sheet.write(0, col, value)
    sheet.write(1, 0, "SN9")
    sheet.write(1, 1, dt.datetime(2024, 3, 5), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    book.save(str(drop / "legacy_devices_20261121.xls"))
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded) == (1, 1)
    assert warehouse.execute(
        "select serial_no, installed_on from raw.legacy_devices"
    ).fetchall() == [("SN9", dt.date(2024, 3, 5))]


def test_other_delimiters(warehouse, drop, contracts):
    text = csv_text(["Claim ID", "Amount"], [["K1", "12.5"], ["K2", "x"]], delimiter=";")
    (drop / "eu_claims_20261121.csv").write_text(text, "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert quarantine(warehouse) == {2: "invalid decimal in amount: 'x'"}


def test_json_lines(warehouse, drop, contracts):
    lines = [
        json.dumps({"event_id": "A1", "time": "2024-03-05 08:00:00"}),
        "{broken",
        json.dumps({"event_id": "A2", "time": "2024-03-05 09:00:00", "device": "iPhone"}),
    ]
    (drop / "app_events_20261121.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert report.unmapped_columns == ["device"]
    assert quarantine(warehouse) == {
        2: "line is not valid JSON (Expecting property name enclosed in double quotes): "
        "{broken; missing value in event_id; missing value in happened_at"
    }


def test_a_second_crm_feeds_the_same_raw_table_by_yaml_alone(warehouse, drop, contracts):
    header = [
        "Opportunity ID",
        "Account Number",
        "Owner Employee ID",
        "Product Family",
        "Created Date",
        "Stage",
        "Amount",
    ]
    rows = [
        ["006A1", "0012", "E9", "Imaging", "2024-03-05", "Prospecting", "500000"],
        ["006A2", "0013", "E9", "Reagents", "2024-03-06", "Closed Won", "12000"],
        ["006A3", "0014", "E9", "Imaging", "2024-03-07", "Negotiation/Review", "1"],
    ]
    (drop / "sfdc_opportunities_20261121.csv").write_text(csv_text(header, rows), "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert (report.source, report.rows_loaded, report.rows_quarantined) == (
        "crm2_opportunities",
        2,
        1,
    )
    assert quarantine(warehouse) == {3: "unknown code in current_stage: 'Negotiation/Review'"}
    assert warehouse.execute(
        "select opportunity_id, product_line, current_stage, amount from raw.crm_opportunities "
        "order by 1"
    ).fetchall() == [
        ("006A1", "imaging_equipment", "qualification", 500000.0),
        ("006A2", "lab_reagents", "won", 12000.0),
    ]


def test_schema_drift_is_reported_not_dropped(warehouse, drop, contracts):
    header = [*STATEMENT_HEADER[:6], "业务员", "备注"]  # 销售员工号 renamed, 备注 added
    rows = [[*STATEMENT_ROWS[0][:6], "E1", "加急"]]
    (drop / "erp_statements_20261121.csv").write_text(csv_text(header, rows), "utf-8")
    report = ingest_one(warehouse, drop, contracts)
    assert report.rows_loaded == 1
    assert report.unmapped_columns == ["业务员", "备注"]
    assert report.missing_columns == ["owner_id"]
    [(extra,)] = warehouse.execute("select _extra from raw.erp_statements").fetchall()
    assert json.loads(extra) == {"业务员": "E1", "备注": "加急"}
