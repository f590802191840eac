"""Contracts that describe real files: date orders and formats, time zones, decimal marks,
booleans, missing-value tokens, the export date. Expected values are written out by hand or
computed with the standard library, independently of ingest's Polars expressions."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from ingest_support import rows_by_key, write_export

from ingest.conform import conform
from ingest.contracts import ContractError, load_contract, load_contracts
from ingest.load import ingest_path
from ingest.readers import ROW_NUMBER, ROW_PROBLEM
from medops.cli import main

CONTRACT = """
source: field_visits
system: crm
description: Visits from a European partner's tool (test-only contract).
file_pattern: "field_visits_*.csv"
format: csv
missing_values: ["?"]
timezone: Europe/Berlin
export_date: {column: exported_on}
primary_key: [visit_id]
columns:
  visit_id: {header: [Visit], type: text, required: true}
  visited_on: {header: [Date], type: date, format: dmy}
  started_at: {header: [Start], type: timestamp, format: mdy}
  booked_at: {header: [Booked], type: timestamp, format: "%d.%m.%Y %H.%M"}
  cost: {header: [Cost], type: decimal, decimal: ",", thousands: "."}
  billable: {header: [Billable], type: boolean}
  urgent: {header: [Urgent], type: boolean, true_words: ["J"], false_words: ["N"]}
  logged_at: {header: [Logged], type: timestamp}
  exported_on: {header: [Exported], type: date}
"""
HEADER = "Visit;Date;Start;Booked;Cost;Billable;Urgent;Logged;Exported"
BERLIN, SHANGHAI = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Shanghai")


def berlin_to_warehouse(*parts: int) -> dt.datetime:
    """Wall-clock time in Berlin as the warehouse keeps it: Shanghai time, naive."""
    return dt.datetime(*parts, tzinfo=BERLIN).astimezone(SHANGHAI).replace(tzinfo=None)


@pytest.fixture()
def contracts(tmp_path):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "field_visits.yml").write_text(
        CONTRACT.replace("format: csv", "format: csv\ndelimiter: ';'"), encoding="utf-8"
    )
    return load_contracts([folder])


def drop(tmp_path: Path, files: dict[str, list[str]]) -> Path:
    for name, rows in files.items():
        write_export(tmp_path / "drop" / name, HEADER, rows)
    return tmp_path / "drop"


VISITS = (
    "select visit_id, visited_on, started_at, booked_at, cost, billable, urgent, logged_at, "
    "_export_date from raw.field_visits"
)


def test_declared_formats_time_zones_marks_booleans_and_tokens(tmp_path, con, contracts):
    folder = drop(
        tmp_path,
        {
            "field_visits_20240307.csv": [
                "V1;25/03/2024;3/5/2024 2:30 PM;05.03.2024 14.30;1.234,50;是;J;"
                "2024-03-05T06:30:00Z;2024-03-06",
                "V2;5-3-24;12/25/2024 00:15;?;-12,5;false;N;2024-07-05 10:00;?",
                "V3;31/02/2024;1/2/2024;?;1,5.0;maybe;N;?;?",
                "V4;?;?;?;?;?;?;?;?",
                "V5;?;03-05-2024;?;?;?;?;?;?",
            ]
        },
    )
    [report] = ingest_path(con, folder, contracts)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 4, 1)
    got = rows_by_key(con, VISITS)
    assert got["V1"] == (
        dt.date(2024, 3, 25),
        berlin_to_warehouse(2024, 3, 5, 14, 30),
        berlin_to_warehouse(2024, 3, 5, 14, 30),
        1234.5,
        True,
        True,
        dt.datetime(2024, 3, 5, 14, 30),  # 06:30 UTC, by its own offset, not Berlin's
        dt.date(2024, 3, 6),  # the export-date column
    )
    assert got["V2"] == (
        dt.date(2024, 3, 5),
        berlin_to_warehouse(2024, 12, 25, 0, 15),
        None,
        -12.5,
        False,
        False,
        berlin_to_warehouse(2024, 7, 5, 10, 0),  # summer time: +6 h, not +7 h
        dt.date(2024, 3, 7),  # no value in the column: the file name's date
    )
    # "?" means blank, here as everywhere in the file
    assert got["V4"] == (None, None, None, None, None, None, None, dt.date(2024, 3, 7))
    # a date alone in a timestamp column is its midnight; its -2024 is no UTC offset
    assert got["V5"][1] == berlin_to_warehouse(2024, 3, 5, 0, 0)
    reasons = con.execute("select row_number, reason from raw._ingest_quarantine").fetchall()
    assert reasons == [
        (
            3,
            "invalid date in visited_on: '31/02/2024'; invalid decimal in cost: '1,5.0'; "
            "invalid boolean in billable: 'maybe'",
        )
    ]
    assert report.export_date == dt.date(2024, 3, 7)


def test_undeclared_day_month_order_is_inferred_or_refused(tmp_path, con, contracts):
    folder = drop(
        tmp_path,
        {
            # the order is settled by 25/3: day-first
            "field_visits_20240301.csv": ["A1;;;;;;;3/5/2024 10:00;", "A2;;;;;;;25/3/2024 09:00;"],
            # no value settles it: refused, not guessed
            "field_visits_20240302.csv": ["B1;;;;;;;3/5/2024 10:00;", "B2;;;;;;;4/6/2024 11:00;"],
            # settled both ways
            "field_visits_20240303.csv": ["C1;;;;;;;25/3/2024;", "C2;;;;;;;3/25/2024;"],
        },
    )
    reports = {r.file: r for r in ingest_path(con, folder, contracts)}
    inferred = reports["field_visits_20240301.csv"]
    assert (inferred.status, inferred.rows_loaded) == ("loaded", 2)
    assert inferred.message == "dates in logged_at read day-first (from the values)"
    assert rows_by_key(con, VISITS)["A1"][6] == berlin_to_warehouse(2024, 5, 3, 10, 0)
    assert reports["field_visits_20240302.csv"].status == "rejected"
    assert reports["field_visits_20240302.csv"].rows_read == 2  # read, then refused whole
    assert reports["field_visits_20240302.csv"].message == (
        "ambiguous dates: column logged_at has dates that read both day-first and month-first "
        "(data row 1: '3/5/2024 10:00') and none that settles the order; declare it with "
        "format: dmy or format: mdy"
    )
    assert reports["field_visits_20240303.csv"].message == (
        "ambiguous dates: column logged_at mixes day-first dates (data row 1: '25/3/2024') "
        "and month-first ones (data row 2: '3/25/2024')"
    )
    assert set(rows_by_key(con, VISITS)) == {"A1", "A2"}


def test_two_digit_years_written_first_are_not_read_day_first(tmp_path, con, contracts):
    """Chinese systems write the year first, some with two digits: 26/3/5 is 2026-03-05. Read
    day-first (the first part is over 12) it was 26 March 2005."""
    folder = drop(
        tmp_path,
        {
            # a one-digit last part is no year: 26/3/5 reads year-first only, and so the column
            "field_visits_20260401.csv": ["Y1;;;;;;;26/3/5 10:00;", "Y2;;;;;;;26-03-25 09:30;"],
            # each value reads both ways (2026-03-05 or 26 March 2005); day-first, the years
            # would be the days of the month (2005, 2025): year-first it is
            "field_visits_20260402.csv": ["Z1;;;;;;;26-03-05 10:00;", "Z2;;;;;;;26-03-25 10:00;"],
            # day-first, as a British system writes: year-first the years would be 2005,
            # 2017 and 2028
            "field_visits_20260403.csv": [
                "D1;;;;;;;05/03/24 10:00;",
                "D2;;;;;;;17/04/24 10:00;",
                "D3;;;;;;;28/05/24 10:00;",
            ],
            # one year either way, both near today (2024 or 2025): refused, not guessed
            "field_visits_20260404.csv": ["W1;;;;;;;25/03/24 10:00;", "W2;;;;;;;25/04/24 10:00;"],
        },
    )
    reports = {r.file: r for r in ingest_path(con, folder, contracts)}
    refused = reports["field_visits_20260404.csv"]
    for name, order in (
        ("field_visits_20260401.csv", "year-first"),
        ("field_visits_20260402.csv", "year-first"),
        ("field_visits_20260403.csv", "day-first"),
    ):
        report = reports[name]
        assert (report.status, report.message) == (
            "loaded",
            f"dates in logged_at read {order} (from the values)",
        )
    assert {key: row[6] for key, row in rows_by_key(con, VISITS).items()} == {
        "Y1": berlin_to_warehouse(2026, 3, 5, 10, 0),
        "Y2": berlin_to_warehouse(2026, 3, 25, 9, 30),
        "Z1": berlin_to_warehouse(2026, 3, 5, 10, 0),
        "Z2": berlin_to_warehouse(2026, 3, 25, 10, 0),
        "D1": berlin_to_warehouse(2024, 3, 5, 10, 0),
        "D2": berlin_to_warehouse(2024, 4, 17, 10, 0),
        "D3": berlin_to_warehouse(2024, 5, 28, 10, 0),
    }
    assert (refused.status, refused.message) == (
        "rejected",
        "ambiguous dates: column logged_at has dates that read both day-first and year-first "
        "(data row 1: '25/03/24 10:00') and none that settles the order; declare it with "
        "format: dmy or format: ymd",
    )

    # declared, the order reads two-digit years first, and four-digit ones as ever
    declared = tmp_path / "declared"
    declared.mkdir()
    (declared / "field_visits.yml").write_text(
        CONTRACT.replace("format: csv", "format: csv\ndelimiter: ';'").replace(
            "logged_at: {header: [Logged], type: timestamp}",
            "logged_at: {header: [Logged], type: timestamp, format: ymd}",
        ),
        encoding="utf-8",
    )
    write_export(
        tmp_path / "drop" / "field_visits_20260402.csv",
        HEADER,
        ["Z1;;;;;;;26-03-05 10:00;", "Z2;;;;;;;2026-03-25 10:00;"],
    )
    [report] = ingest_path(
        con, tmp_path / "drop" / "field_visits_20260402.csv", load_contracts([declared])
    )
    assert (report.status, report.rows_loaded) == ("loaded", 2)
    assert {key: row[6] for key, row in rows_by_key(con, VISITS).items() if key[0] == "Z"} == {
        "Z1": berlin_to_warehouse(2026, 3, 5, 10, 0),
        "Z2": berlin_to_warehouse(2026, 3, 25, 10, 0),
    }


def test_export_date_from_the_file_name_pattern_or_the_modification_time(tmp_path, con):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "field_visits.yml").write_text(
        CONTRACT.replace("export_date: {column: exported_on}", "")
        .replace("format: csv", "format: csv\ndelimiter: ';'")
        .replace('"field_visits_*.csv"', '"field_visits*.csv"'),
        encoding="utf-8",
    )
    contracts = load_contracts([folder])
    files = drop(
        tmp_path,
        {
            "field_visits_2024-03-07.csv": ["D1;;;;;;;;"],
            "field_visits.csv": ["D2;;;;;;;;"],
        },
    )
    # 2024-03-08 20:00 UTC is already 2024-03-09 in Shanghai
    stamp = dt.datetime(2024, 3, 8, 20, 0, tzinfo=dt.UTC).timestamp()
    os.utime(files / "field_visits.csv", (stamp, stamp))
    reports = {r.file: r for r in ingest_path(con, files, contracts)}
    assert (
        reports["field_visits_2024-03-07.csv"].export_date_from,
        reports["field_visits.csv"].export_date_from,
    ) == ("file name", "modification time")
    assert con.execute(
        "select visit_id, _export_date from raw.field_visits order by visit_id"
    ).fetchall() == [("D1", dt.date(2024, 3, 7)), ("D2", dt.date(2024, 3, 9))]
    assert con.execute(
        "select file_name, export_date, export_date_from from raw._ingest_ledger order by 1"
    ).fetchall() == [
        ("field_visits.csv", dt.date(2024, 3, 9), "modification time"),
        ("field_visits_2024-03-07.csv", dt.date(2024, 3, 7), "file name"),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("type: date, format: dmy}", "format 'dym' is neither one of"),
        ("timezone: Europe/Berlin", "unknown time zone 'Mars/Olympus'"),
        ("export_date: {column: exported_on}", "export_date column 'exported' is not declared"),
        ("format: dmy}", "unknown key 'formt'; did you mean 'format'"),
        ("type: boolean}", "default applies to text columns"),
        ("required: true}", "cannot be both required and optional"),
    ],
)
def test_contract_mistakes_are_named_at_load(tmp_path, change, message):
    broken = {
        "type: date, format: dmy}": "type: date, format: dym}",
        "timezone: Europe/Berlin": "timezone: Mars/Olympus",
        "export_date: {column: exported_on}": "export_date: {column: exported}",
        "format: dmy}": "formt: dmy}",
        "type: boolean}": "type: boolean, default: 'yes'}",
        "required: true}": "required: true, optional: true}",
    }[change]
    path = tmp_path / "field_visits.yml"
    path.write_text(CONTRACT.replace(change, broken, 1), encoding="utf-8")
    with pytest.raises(ContractError, match=message):
        load_contract(path)


def test_optional_columns_are_not_drift_and_defaults_fill_blanks(tmp_path):
    """The accounts contract's coordinate columns: a file without them (every generated
    export) reports no missing column; a blank or absent 坐标系 is the contract's default."""
    accounts = next(c for c in load_contracts() if c.source == "crm_accounts")
    header = {"客户编码": ["A1", "A2"], "客户名称": ["甲医院", "乙医院"], "客户类型": ["医院"] * 2}
    frame = pl.DataFrame(header).with_row_index(ROW_NUMBER, offset=1)
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(ROW_PROBLEM))
    without = conform(frame, accounts)
    assert "longitude" not in without.missing_columns
    assert "phone" in without.missing_columns  # an ordinary column is still reported
    assert without.loaded["coordinate_system"].to_list() == ["gcj02", "gcj02"]
    with_frame = frame.with_columns(pl.Series("坐标系", ["百度", None]))
    assert conform(with_frame, accounts).loaded["coordinate_system"].to_list() == ["bd09", "gcj02"]
    broken = accounts.path.read_text(encoding="utf-8").replace("default: gcj02", "default: baidu")
    (tmp_path / "crm_accounts.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(ContractError, match="default 'baidu' is not one of the codes"):
        load_contract(tmp_path / "crm_accounts.yml")


def test_check_names_the_ambiguous_file_and_writes_nothing(tmp_path):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "field_visits.yml").write_text(
        CONTRACT.replace("format: csv", "format: csv\ndelimiter: ';'"), encoding="utf-8"
    )
    drop(
        tmp_path,
        {
            "field_visits_20240301.csv": ["A1;;;;;;;25/3/2024 09:00;"],
            "field_visits_20240302.csv": ["B1;;;;;;;3/5/2024 10:00;"],
        },
    )
    home = tmp_path / "home"
    result = CliRunner().invoke(
        main,
        ["ingest", "--check", "--contracts", str(folder), str(tmp_path / "drop")],
        env={"MEDOPS_HOME": str(home)},
    )
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "would load   field_visits_20240301.csv -> field_visits: read 1, loaded 1, "
        "quarantined 0, exported 2024-03-01 (from the file name)  "
        "(dates in logged_at read day-first (from the values))",
        "would reject field_visits_20240302.csv -> field_visits, exported 2024-03-02 (from the "
        "file name)  (ambiguous dates: column logged_at has dates that read both day-first and "
        "month-first (data row 1: '3/5/2024 10:00') and none that settles the order; declare "
        "it with format: dmy or format: mdy)",
    ]
    assert not (home / "warehouse.duckdb").exists()

    (folder / "field_visits.yml").write_text("source: [", encoding="utf-8")
    broken = CliRunner().invoke(main, ["ingest", "--contracts", str(folder), str(tmp_path)])
    assert broken.exit_code == 1
    assert broken.stderr.startswith(f"Error: {folder / 'field_visits.yml'}: not valid YAML")


def test_totals_and_footer_rows_are_quarantined_as_not_data(tmp_path, con):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "field_visits.yml").write_text(
        CONTRACT.replace("format: csv", "format: csv\ndelimiter: ';'")
        + 'summary_rows: [合计, "Copyright*"]\n',
        encoding="utf-8",
    )
    files = drop(
        tmp_path,
        {
            "field_visits_20240301.csv": [
                "V1;;;;12,5;;;;",
                "合 计;;;;12,5;;;;",
                "合计：;;;;12,5;;;;",
                "Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.",
            ]
        },
    )
    [report] = ingest_path(con, files, load_contracts([folder]))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 1, 3)
    assert con.execute(
        "select row_number, reason from raw._ingest_quarantine order by row_number"
    ).fetchall() == [
        (2, "summary row (合 计), not data"),
        (3, "summary row (合计:), not data"),
        (
            4,
            "summary row (Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.), "
            "not data",
        ),
    ]


CHECK_INS = """
source: check_ins
system: crm
file_pattern: "check_ins*.xlsx"
format: xlsx
primary_key: [check_in_id]
columns:
  check_in_id: {from: [工号, 日期, 时间], type: text, required: true}
  employee_id: {header: [工号], type: text, required: true}
  checked_in_at: {from: [日期, 时间], type: timestamp, required: true}
"""


def test_a_column_made_from_several_headers(tmp_path, con):
    """A moment exported as a date and a time of day (text or workbook cells, as 钉钉 and 企业微信
    write them) is one timestamp; an export without row ids gets one from the columns that tell
    its rows apart; a row with a part blank gets none, and is quarantined when it is required."""
    (tmp_path / "check_ins.yml").write_text(CHECK_INS, encoding="utf-8")
    contract = load_contract(tmp_path / "check_ins.yml")
    book = openpyxl.Workbook()
    for row in [
        ("工号", "日期", "时间"),
        ("E1", "2026-03-02", "09:12"),
        ("E1", dt.date(2026, 3, 2), dt.time(14, 38, 5)),  # a date cell and a time cell
        ("E2", "2026/3/3", "下午 3:05"),
        ("E2", "2026/3/4", None),
    ]:
        book.active.append(row)
    book.save(tmp_path / "check_ins_20260305.xlsx")
    [report] = ingest_path(con, tmp_path / "check_ins_20260305.xlsx", [contract])
    assert (report.rows_loaded, report.reasons) == (
        3,
        {"missing value in check_in_id": 1, "missing value in checked_in_at": 1},
    )
    assert report.unmapped_columns == []  # 日期 and 时间 are read, not schema drift
    assert con.execute(
        "select check_in_id, employee_id, checked_in_at from raw.check_ins order by 3"
    ).fetchall() == [
        ("E1 2026-03-02 09:12", "E1", dt.datetime(2026, 3, 2, 9, 12)),
        ("E1 2026-03-02 14:38:05", "E1", dt.datetime(2026, 3, 2, 14, 38, 5)),
        ("E2 2026/3/3 下午 3:05", "E2", dt.datetime(2026, 3, 3, 15, 5)),
    ]
    both = CHECK_INS.replace(
        "from: [日期, 时间], type: timestamp", "from: [日期, 时间], header: 日期"
    )
    (tmp_path / "check_ins.yml").write_text(both, encoding="utf-8")
    with pytest.raises(ContractError, match="from names two or more headers"):
        load_contract(tmp_path / "check_ins.yml")
