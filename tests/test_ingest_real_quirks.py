"""Quirks of real exports that once loaded wrong values, lost rows or stopped the run, each
written the way the systems or people that make them write it. Expected values by hand."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile

import xlsxwriter
import xlwt
from ingest_support import rows_by_key, write_export
from real_style_drop import write_xlsx

from ingest.contracts import load_contracts
from ingest.load import check_path, ingest_path

PAYMENTS_HEADER = "回款单号,客户编码,对账单号,回款日期,回款金额"
CAMPAIGNS_HEADER = ("活动编号", "活动名称", "开始日期", "预算")


def payments(con) -> dict[str, tuple]:
    return rows_by_key(
        con, "select payment_id, account_id, payment_amount from raw.erp_payments order by 1"
    )


def quarantined(con) -> dict[int, tuple]:
    return rows_by_key(con, "select row_number, reason from raw._ingest_quarantine order by 1")


def test_amounts_as_finance_writes_them(tmp_path, con):
    drop = tmp_path / "drop"
    write_export(
        drop / "erp_payments_20261121.csv",
        PAYMENTS_HEADER,
        [
            # a refund: the sign after the currency mark (the critical min-0 check must see it)
            'P1,C1,S1,2026-11-20,"¥-5,000.00"',
            'P2,C1,S1,2026-11-20,"CNY -2,000"',
            "P3,C1,S1,2026-11-20,12.5万元",
            # a script's pandas writes a blank as nan; inf is no amount either
            "P4,C1,S1,2026-11-20,nan",
            "P5,C1,S1,2026-11-20,inf",
            # a bank account number shifted into the amount: too large for DECIMAL(18, 2)
            "P6,C1,S1,2026-11-20,6222021234567890123",
            # Excel's guards of leading zeros, and a zero-width space copied from a web page
            'P7,="0012345",S1,2026-11-20,100',
            "P8,'0012346,S1,2026-11-20,100",
            "P9,0012347\u200b,S1,2026-11-20,100",
        ],
        encoding="gb18030",
    )
    [report] = ingest_path(con, drop, load_contracts())

    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (9, 6, 3)
    assert payments(con) == {
        "P1": ("C1", -5000.0),
        "P2": ("C1", -2000.0),
        "P3": ("C1", 125000.0),
        "P7": ("0012345", 100.0),
        "P8": ("0012346", 100.0),
        "P9": ("0012347", 100.0),
    }
    # rows are counted from the first data row
    assert quarantined(con) == {
        4: ("missing value in payment_amount",),
        5: ("invalid decimal in payment_amount: 'inf'",),
        6: ("invalid decimal in payment_amount: '6222021234567890123'",),
    }


def test_timestamps_with_fractions_and_chinese_units(tmp_path, con):
    drop = tmp_path / "drop"
    write_export(
        drop / "crm_visits_20261121.csv",
        "活动记录编号,员工工号,客户编码,活动类型,签到时间",
        [
            "V1,E1,C1,拜访,2026-03-05 14:30:00.000",
            "V2,E1,C1,拜访,2026-03-09 00:00:00.5",
            "V3,E1,C1,电话,2026年3月5日 14时05分",
            "V4,E1,C1,电话,2026年3月5日14时05分30秒",
            # a 12-hour clock as Chinese Windows writes it
            "V5,E1,C1,拜访,2026/3/5 下午 03:05:00",
            "V6,E1,C1,拜访,2026/3/6 上午 12:10:00",
        ],
    )
    [report] = ingest_path(con, drop, load_contracts())

    assert report.rows_loaded == 6, report
    assert rows_by_key(con, "select visit_id, checked_in_at from raw.crm_visits") == {
        "V1": (dt.datetime(2026, 3, 5, 14, 30),),
        "V2": (dt.datetime(2026, 3, 9, 0, 0, 0, 500000),),
        "V3": (dt.datetime(2026, 3, 5, 14, 5),),
        "V4": (dt.datetime(2026, 3, 5, 14, 5, 30),),
        "V5": (dt.datetime(2026, 3, 5, 15, 5),),
        "V6": (dt.datetime(2026, 3, 6, 0, 10),),
    }


def test_export_date_from_a_file_name_with_the_time(tmp_path, con):
    drop = tmp_path / "drop"
    older = write_export(
        drop / "erp_payments_20261120083000.csv", PAYMENTS_HEADER, ["P1,C1,S1,2026-11-19,7255.74"]
    )
    newer = write_export(
        drop / "erp_payments_20261121083000.csv", PAYMENTS_HEADER, ["P1,C1,S1,2026-11-19,7000.00"]
    )
    # copied in the wrong order: the modification times say the opposite of the names
    os.utime(newer, (1_700_000_000, 1_700_000_000))
    os.utime(older, (1_800_000_000, 1_800_000_000))
    ingest_path(con, drop, load_contracts())

    assert rows_by_key(
        con, "select file_name, export_date, export_date_from from raw._ingest_ledger"
    ) == {
        older.name: (dt.date(2026, 11, 20), "file name"),
        newer.name: (dt.date(2026, 11, 21), "file name"),
    }


def test_a_totals_row_and_an_id_excel_turned_into_a_number(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    write_xlsx(
        drop / "crm_campaigns_20261121.xlsx",
        [
            ("活动编号", "活动名称", "预算"),
            ("CP01", "华东区学术会", 150000),
            ("CP02", "华南区巡展", 200000),
            ("合计", None, 350000),
        ],
    )
    write_export(
        drop / "erp_invoices_20261121.csv",
        "发票号码,对账单号,开票日期,开票金额",
        ["1.23457E+17,S1,2026-11-20,100", "044031900111,S1,2026-11-20,200"],
    )
    reports = {r.source: r for r in ingest_path(con, drop, load_contracts())}

    assert rows_by_key(con, "select campaign_id, budget from raw.crm_campaigns") == {
        "CP01": (150000.0,),
        "CP02": (200000.0,),
    }
    assert rows_by_key(con, "select invoice_id, invoice_amount from raw.erp_invoices") == {
        "044031900111": (200.0,)
    }
    reasons = rows_by_key(con, "select source, reason from raw._ingest_quarantine order by source")
    assert reasons["crm_campaigns"] == ("summary row (合计), not data",)
    assert reasons["erp_invoices"] == (
        "invoice_id in scientific notation ('1.23457E+17'): Excel turned the ID into a number "
        "and dropped its last digits; export the column as text",
    )
    assert (
        reports["crm_campaigns"].rows_quarantined == reports["erp_invoices"].rows_quarantined == 1
    )


def test_a_file_name_in_gbk_bytes_loads_under_its_chinese_name(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    # a zip packed on Chinese Windows and unpacked on Linux: the name's bytes are GBK
    gbk_name = "erp_payments_华东_20261121.csv".encode("gbk")
    with open(os.fsencode(drop) + b"/" + gbk_name, "wb") as file:
        file.write(f"{PAYMENTS_HEADER}\nP1,C1,S1,2026-11-20,100\n".encode("gb18030"))
    write_export(drop / "erp_payments_20261120.csv", PAYMENTS_HEADER, ["P2,C2,S2,2026-11-19,50"])
    reports = ingest_path(con, drop, load_contracts())

    assert sorted((r.file, r.status) for r in reports) == [
        ("erp_payments_20261120.csv", "loaded"),
        ("erp_payments_华东_20261121.csv", "loaded"),
    ]
    assert payments(con) == {"P1": ("C1", 100.0), "P2": ("C2", 50.0)}


def test_two_branches_files_of_one_name_are_refused_not_merged(tmp_path, con):
    drop = tmp_path / "drop"
    write_export(
        drop / "erp" / "bj" / "erp_payments_20260310.csv",
        PAYMENTS_HEADER,
        ["BJ001,C1,S1,2026-03-09,100", "BJ002,C1,S1,2026-03-09,200"],
    )
    write_export(
        drop / "erp" / "sh" / "erp_payments_20260310.csv",
        PAYMENTS_HEADER,
        ["SH001,C2,S2,2026-03-09,300"],
    )
    # the same file twice (copied into two folders) is one export, loaded once
    for folder in ("a", "b"):
        write_export(
            drop / "erp" / folder / "erp_payments_20260311.csv",
            PAYMENTS_HEADER,
            ["GZ001,C3,S3,2026-03-10,400"],
        )
    # the dry run says the same before anything is written
    checked = check_path(drop, load_contracts())
    assert sorted(r.status for r in checked) == ["loaded", "loaded", "rejected", "rejected"]
    reports = ingest_path(con, drop, load_contracts())

    # refused whole, unread (like a file that cannot be opened), each with the reason
    by_status = sorted((r.status, r.rows_loaded) for r in reports)
    assert by_status == [("loaded", 1), ("rejected", 0), ("rejected", 0), ("skipped", 0)]
    [message] = {r.message for r in reports if r.status == "rejected"}
    assert message.startswith("2 different files of this drop are named erp_payments_20260310.csv")
    assert "erp/bj/erp_payments_20260310.csv, erp/sh/erp_payments_20260310.csv" in message
    assert payments(con) == {"GZ001": ("C3", 400.0)}


def test_quota_months_in_every_form_the_crm_writes(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    write_xlsx(
        drop / "crm_quotas_20261121.xlsx",
        [
            ("工号", "月份", "指标金额"),
            ("E1", "2023-11", 100000),
            ("E1", "2023年12月", 110000),
            ("E2", "2023/11", 90000),
            ("E2", "202312", 95000),
            ("E3", dt.datetime(2023, 11, 1), 80000),  # an Excel date cell
            # no month the marts could join on: quarantined, not a failed build
            ("E3", "2023年13月", 85000),
            ("E3", "十二月", 85000),
        ],
    )
    [report] = ingest_path(con, drop, load_contracts())

    assert (report.rows_loaded, report.rows_quarantined) == (5, 2)
    assert con.execute(
        "select employee_id, quota_month from raw.crm_quotas order by 1, 2"
    ).fetchall() == [
        ("E1", "2023-11"),
        ("E1", "2023-12"),
        ("E2", "2023-11"),
        ("E2", "2023-12"),
        ("E3", "2023-11"),
    ]
    assert set(quarantined(con).values()) == {
        ("invalid month in quota_month: '2023年13月'",),
        ("invalid month in quota_month: '十二月'",),
    }


def test_footer_rows_and_a_header_with_its_unit(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    write_xlsx(
        drop / "crm_campaigns_20261121.xlsx",
        [
            ("活动编号", "活动名称", "预算（元）"),
            ("CP01", "华东区学术会", 150000),
            ("CP02", "华南区巡展", 150000),
            ("汇总", None, 300000),  # Excel's total row
            ("合计：2条", None, 300000),
            ("制表人：张三", None, None),
        ],
    )
    [report] = ingest_path(con, drop, load_contracts())

    assert (report.rows_loaded, report.rows_quarantined) == (2, 3)
    assert rows_by_key(con, "select campaign_id, budget from raw.crm_campaigns") == {
        "CP01": (150000.0,),
        "CP02": (150000.0,),
    }
    assert "budget" not in report.missing_columns


def test_a_file_downloaded_again_loads_after_the_first_download(tmp_path, con):
    drop = tmp_path / "drop"
    header = "办事处编码,办事处名称"
    # path order would load the second download first (" " sorts before ".")
    write_export(drop / "crm_offices_20261121 (1).csv", header, ["OF1,上海办事处（浦东）"])
    write_export(drop / "crm_offices_20261121.csv", header, ["OF1,上海办事处"])
    ingest_path(con, drop, load_contracts())

    # rows of one export date go to the file loaded last (staging's latest_export_rows)
    assert [
        name
        for (name,) in con.execute(
            "select file_name from raw._ingest_ledger order by loaded_at"
        ).fetchall()
    ] == ["crm_offices_20261121.csv", "crm_offices_20261121 (1).csv"]


def write_xlsx_with_formulas(path, rows: list[tuple]) -> None:
    """A workbook as Excel saves it: a formula cell keeps its formula and its last result, here
    written as ("=formula", result). Excel stores the errors newer than 2007's (#SPILL!,
    #CALC!) as error cells (t="e") like the older ones; xlsxwriter writes them as text, so its
    sheet is rewritten here."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, tuple):
                sheet.write_formula(r, c, value[0], None, value[1])
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, dates)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    with zipfile.ZipFile(path) as source:
        items = [(item, source.read(item)) for item in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item, data in items:
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(
                    rb't="str"(><f[^>]*>[^<]*</f><v>#(?:SPILL|CALC)!</v>)', rb't="e"\1', data
                )
            out.writestr(item, data)


def test_excel_error_cells_in_a_workbook_are_quarantined_naming_the_error(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    day = dt.date(2026, 3, 5)
    write_xlsx_with_formulas(
        drop / "crm_campaigns_20261121.xlsx",
        [
            CAMPAIGNS_HEADER,
            ("CP01", "华东区学术会", day, 150000),
            ("CP02", "华南区巡展", day, ("=150000/D7", "#DIV/0!")),
            # a name looked up in another sheet that has no such campaign
            ("CP03", ("=VLOOKUP(A4,活动表!A:B,2,FALSE)", "#N/A"), day, 80000),
            # a dynamic array blocked by the next cell: calamine refused the whole workbook
            ("CP04", "西南区沙龙", day, ("=SEQUENCE(2)", "#SPILL!")),
            ("CP05", "华北区巡展", ("=开始!B2", "#REF!"), 60000),
        ],
    )
    [report] = ingest_path(con, drop, load_contracts())

    assert (report.status, report.rows_loaded, report.rows_quarantined) == ("loaded", 1, 4)
    assert rows_by_key(con, "select campaign_id, campaign_name, budget from raw.crm_campaigns") == {
        "CP01": ("华东区学术会", 150000.0)
    }
    fix = "fix the formula in the source and export again"
    assert quarantined(con) == {
        2: (f"Excel error #DIV/0! in budget: {fix}",),
        3: (f"Excel error #N/A in campaign_name: {fix}",),
        4: (f"Excel error #SPILL! in budget: {fix}",),
        5: (f"Excel error #REF! in starts_on: {fix}",),
    }


def test_excel_errors_in_a_csv_saved_from_excel(tmp_path, con):
    drop = tmp_path / "drop"
    write_export(
        drop / "erp_payments_20261121.csv",
        PAYMENTS_HEADER,
        [
            "P1,C1,S1,2026-11-20,#DIV/0!",
            # a statement number looked up from the bank slip: once read as blank
            "P2,C1,#N/A,2026-11-20,100",
            "P3,C1,#REF!,2026-11-20,100",
            "P4,#NAME?,S1,2026-11-20,100",
            "P5,C1,S1,2026-11-20,100",
        ],
        encoding="gb18030",
    )
    [report] = ingest_path(con, drop, load_contracts())

    assert (report.rows_loaded, report.rows_quarantined) == (1, 4)
    assert payments(con) == {"P5": ("C1", 100.0)}
    fix = "fix the formula in the source and export again"
    assert quarantined(con) == {
        1: (f"Excel error #DIV/0! in payment_amount: {fix}",),
        2: (f"Excel error #N/A in statement_id: {fix}",),
        3: (f"Excel error #REF! in statement_id: {fix}",),
        4: (f"Excel error #NAME? in account_id: {fix}",),
    }


def test_a_time_without_its_date_is_quarantined(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    # a time-only cell is a fraction of a day: it read as 1899-12-31 09:00
    write_xlsx(
        drop / "crm_campaigns_20261121.xlsx",
        [
            CAMPAIGNS_HEADER,
            ("CP01", "华东区学术会", dt.datetime(2026, 3, 5), 150000),
            ("CP02", "华南区巡展", dt.time(9, 0), 150000),
        ],
    )
    write_export(
        drop / "crm_visits_20261121.csv",
        "活动记录编号,员工工号,客户编码,活动类型,签到时间",
        [
            "V1,E1,C1,拜访,2026-03-05 09:00",
            "V2,E1,C1,拜访,09:00",
            "V3,E1,C1,拜访,9:30:00",
            "V4,E1,C1,电话,下午 3:05",
        ],
    )
    ingest_path(con, drop, load_contracts())

    assert rows_by_key(con, "select campaign_id, starts_on from raw.crm_campaigns") == {
        "CP01": (dt.date(2026, 3, 5),)
    }
    assert rows_by_key(con, "select visit_id, checked_in_at from raw.crm_visits") == {
        "V1": (dt.datetime(2026, 3, 5, 9, 0),)
    }
    reasons = con.execute(
        "select source, row_number, reason from raw._ingest_quarantine order by 1, 2"
    ).fetchall()
    assert reasons == [
        (
            "crm_campaigns",
            2,
            "starts_on has a time but no date: '1899-12-31 09:00:00'; export it with its date",
        ),
        ("crm_visits", 2, "checked_in_at has a time but no date: '09:00'; export it with its date"),
        (
            "crm_visits",
            3,
            "checked_in_at has a time but no date: '9:30:00'; export it with its date",
        ),
        (
            "crm_visits",
            4,
            "checked_in_at has a time but no date: '下午 3:05'; export it with its date",
        ),
    ]


def test_files_named_as_workbooks_that_are_not_say_what_they_are(tmp_path, con):
    drop = tmp_path / "drop"
    drop.mkdir()
    # a web ERP's "export to Excel": an HTML table under a workbook's name, in GBK
    (drop / "crm_campaigns_20261121.xlsx").write_bytes(
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta http-equiv='
        '"Content-Type" content="text/html; charset=gb2312"></head><body><table border="1">'
        "<tr><td>活动编号</td><td>活动名称</td></tr><tr><td>CP01</td><td>华东区学术会</td></tr>"
        "</table></body></html>".encode("gbk")
    )
    # a CSV renamed by hand
    (drop / "crm_campaigns_20261122.xlsx").write_bytes(
        "活动编号,活动名称\nCP01,华东区学术会\n".encode("gbk")
    )
    (drop / "crm_campaigns_20261123.xlsx").write_bytes(b"")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("campaigns.csv", "活动编号,活动名称\n")
    (drop / "crm_campaigns_20261124.xlsx").write_bytes(archive.getvalue())
    # a legacy .xls an old system names .xlsx: a workbook all the same, read by its content
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for c, value in enumerate(("活动编号", "活动名称", "预算")):
        sheet.write(0, c, value)
        sheet.write(1, c, ("CP09", "西北区巡展", 90000)[c])
    book.save(str(drop / "crm_campaigns_20261125.xlsx"))
    reports = {r.file: r for r in ingest_path(con, drop, load_contracts())}

    assert reports.pop("crm_campaigns_20261125.xlsx").status == "loaded"
    assert {name: (r.status, r.message) for name, r in reports.items()} == {
        "crm_campaigns_20261121.xlsx": (
            "rejected",
            "an HTML page saved with a workbook name, not a workbook: open it in Excel and save "
            "as .xlsx, or export as CSV",
        ),
        "crm_campaigns_20261122.xlsx": (
            "rejected",
            "a text file named .xlsx, not a workbook: export it again as a workbook, or as CSV "
            "named .csv",
        ),
        "crm_campaigns_20261123.xlsx": ("rejected", "file is empty"),
        "crm_campaigns_20261124.xlsx": (
            "rejected",
            "a zip archive holding campaigns.csv, not a workbook: export it again",
        ),
    }
    assert rows_by_key(con, "select campaign_id, budget from raw.crm_campaigns") == {
        "CP09": (90000.0,)
    }
