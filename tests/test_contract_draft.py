"""`medops contract draft`: files in the shape of public exports of other systems (a
pipeline with deal stages and engage dates, an accounts-receivable file with US dates, a
receivables list with title rows) get the right source, types, date orders and code
suggestions, and the draft, loaded as a contract, ingests the file it was drawn from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import xlsxwriter
from click.testing import CliRunner
from ingest_support import write_export

from ingest.contracts import load_contract
from ingest.draft import draft_contract, render
from ingest.load import ingest_path
from medops.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PIPELINE_HEADER = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value"
)
PIPELINE = [
    "1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054",
    "Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Won,2016-10-25,2017-03-11,4514",
    "EC4QE1BX,Darcel Schlecht,MG Special,Cancity,Won,2016-10-25,2017-03-07,50",
    "ZZY4516Q,Anna Snelling,GTX Pro,Ron-tech,Lost,2016-10-29,2017-03-01,0",
    "HAXMC4IX,James Ascencio,MG Advanced,,Engaging,2016-10-29,,",
    "UP409DSB,Maureen Marcano,GTX Plus Pro,,Prospecting,,,",
]
RECEIVABLES_HEADER = (
    "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,"
    "Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate"
)
RECEIVABLES = [
    "391,0379-NEVHP,4/6/2013,611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0",
    "406,8976-AMJEO,3/3/2012,7900770,1/26/2013,2/25/2013,61.74,Yes,3/3/2013,Electronic,36,6",
    "391,2820-XGXSB,1/26/2012,9231909,7/3/2013,8/2/2013,65.88,No,7/8/2013,Electronic,5,0",
    "818,6627-ELFBK,11/26/2012,15752855,10/25/2012,11/24/2012,72.27,Yes,11/28/2012,Paper,34,4",
]


def columns_of(draft) -> dict[str, tuple]:
    return {c.header: (c.name, c.type, c.date_format) for c in draft.columns}


def ingest_with_draft(tmp_path: Path, export: Path) -> tuple:
    """Write the draft as a contract, load it, and ingest the export with it alone."""
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "draft.yml").write_text(render(draft_contract(export)), encoding="utf-8")
    contract = load_contract(folder / "draft.yml")
    con = duckdb.connect()
    [report] = ingest_path(con, export, [contract])
    return contract, report, con


def test_pipeline_export_is_drafted_onto_the_current_opportunities(tmp_path):
    export = write_export(tmp_path / "sales_pipeline.csv", PIPELINE_HEADER, PIPELINE)
    draft = draft_contract(export)
    assert draft.source.source == "crm_opportunities_current"
    assert columns_of(draft) == {
        "opportunity_id": ("opportunity_id", "text", None),
        "sales_agent": ("owner_name", "text", None),
        "product": ("product", "text", None),
        "account": ("account_name", "text", None),
        "deal_stage": ("current_stage", "text", None),
        "engage_date": ("created_on", "date", None),
        "close_date": ("close_on", "date", None),
        "close_value": ("amount", "decimal", None),
    }
    stage = next(c for c in draft.columns if c.name == "current_stage")
    assert stage.values == {
        "Engaging": None,
        "Lost": "lost",
        "Prospecting": "qualification",
        "Won": "won",
    }
    assert "no date" in draft.export_date_note
    assert draft.lacks[0].startswith("the source: current stage only, no stage history")

    contract, report, con = ingest_with_draft(tmp_path, export)
    assert contract.table == "crm_opportunities_current"
    # Engaging has no code yet: that deal waits in quarantine, the rest load
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (6, 5, 1)
    assert report.reasons == {"unknown code in current_stage": 1}


def test_receivables_export_with_us_dates_and_yes_no(tmp_path):
    export = write_export(tmp_path / "receivables.csv", RECEIVABLES_HEADER, RECEIVABLES)
    draft = draft_contract(export)
    assert draft.source.source == "erp_ar_invoice_ledger"
    got = columns_of(draft)
    assert got["InvoiceDate"] == ("invoiced_on", "date", "mdy")
    assert got["DueDate"] == ("due_on", "date", "mdy")
    assert got["SettledDate"] == ("settled_on", "date", "mdy")
    assert got["invoiceNumber"] == ("invoice_id", "text", None)  # an id, though all digits
    assert got["Disputed"] == ("disputed", "boolean", None)
    assert got["InvoiceAmount"] == ("invoice_amount", "decimal", None)
    assert draft.primary_key == ["invoice_id"]

    _, report, con = ingest_with_draft(tmp_path, export)
    assert (report.rows_read, report.rows_loaded) == (4, 4)
    assert con.execute(
        "select invoice_id, invoiced_on, settled_on, disputed from raw.erp_ar_invoice_ledger "
        "order by invoiced_on limit 1"
    ).fetchone() == ("15752855", dt.date(2012, 10, 25), dt.date(2012, 11, 28), True)


def test_excel_errors_neither_type_a_column_nor_become_blank_tokens(tmp_path):
    rows = [*RECEIVABLES[:3], RECEIVABLES[3].replace("72.27", "#N/A")]
    export = write_export(tmp_path / "receivables.csv", RECEIVABLES_HEADER, rows)
    draft = draft_contract(export)
    assert columns_of(draft)["InvoiceAmount"] == ("invoice_amount", "decimal", None)
    # a lookup that found nothing is quarantined by ingest, not read as blank
    assert "#N/A" not in draft.missing_tokens


def test_ambiguous_dates_are_left_for_a_person(tmp_path):
    export = write_export(
        tmp_path / "visits.csv", "visit_no,visited", ["V1,1/2/2024", "V2,3/4/2024", "V3,5/6/2024"]
    )
    [_, visited] = draft_contract(export).columns
    assert (visited.type, visited.date_format) == ("date", None)
    assert visited.notes == [
        "dates has dates that read both day-first and month-first (data row 1: '1/2/2024') "
        "and none that settles the order; declare it with format: dmy or format: mdy"
    ]
    assert "# CHECK: dates has dates that read both" in render(draft_contract(export))


def test_command_writes_a_draft_for_a_ledger_with_title_rows(tmp_path):
    export = next((EXAMPLES / "kingdee_receivables" / "export").iterdir())
    out = tmp_path / "ledger.yml"
    result = CliRunner().invoke(main, ["contract", "draft", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "应收单列表_20240701.csv: 15 columns, 65 rows; most likely feeds erp_ar_invoice_ledger"
    )
    contract = load_contract(out)
    assert (contract.header_row, contract.encoding, contract.summary_rows) == (
        3,
        "gb18030",
        ("合计",),
    )
    assert contract.primary_key == ("invoice_id",)


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    name = "empty.csv"
    (tmp_path / name).write_bytes(b"")
    result = CliRunner().invoke(main, ["contract", "draft", str(tmp_path / name)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {name}: file is empty\n"


def test_a_workbook_with_a_title_row_is_drafted_onto_the_tickets(tmp_path):
    export = tmp_path / "tickets_20240701.xlsx"
    workbook = xlsxwriter.Workbook(str(export))
    sheet = workbook.add_worksheet("工单")
    sheet.write_row(0, 0, ["工单导出 2024-07-01"])
    sheet.write_row(1, 0, ["工单编号", "创建时间", "优先级", "工单状态", "解决时间"])
    sheet.write_row(2, 0, ["T1", "2024-03-05 09:00", "高", "已解决", "2024-03-05 15:00"])
    sheet.write_row(3, 0, ["T2", "2024-03-06 10:00", "紧急", "处理中"])
    sheet.write_row(4, 0, ["T3", "2024-03-07 11:00", "中", "待受理"])
    workbook.close()
    draft = draft_contract(export)
    assert (draft.source.source, draft.header_row, draft.rows) == ("svc_tickets", 2, 3)
    assert columns_of(draft)["创建时间"] == ("created_at", "timestamp", None)
    priority = next(c for c in draft.columns if c.name == "priority")
    assert priority.values == {"中": "p3_medium", "紧急": "p1_critical", "高": "p2_high"}
    assert "account_id: required by svc_tickets" in "\n".join(draft.lacks)


def test_a_european_export_with_decimal_commas_and_question_marks(tmp_path):
    export = write_export(
        tmp_path / "werkstatt.csv",
        "Auftrag;Datum;Betrag;Erledigt;Report Date",
        [
            "A-1;25.03.2024;1.234,50;ja;02.04.2024",
            "A-2;03.04.2024;?;nein;02.04.2024",
            "A-3;?;12,00;?;02.04.2024",
        ],
    )
    draft = draft_contract(export)
    assert (draft.delimiter, draft.missing_tokens) == (";", ["?"])
    got = {c.header: (c.type, c.date_format, c.decimal) for c in draft.columns}
    assert got["Datum"] == ("date", "dmy", None)
    assert got["Betrag"] == ("decimal", None, ",")
    # 02.04.2024 alone reads both ways; Datum settles the file's order
    assert got["Report Date"] == ("date", "dmy", None)
    [report_date] = [c for c in draft.columns if c.header == "Report Date"]
    assert report_date.notes == ["no value settles day/month order here; dmy like Datum"]
    text = render(draft)
    assert "export_date: {column: report_date}" in text
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "werkstatt.yml").write_text(text, encoding="utf-8")
    contract = load_contract(folder / "werkstatt.yml")
    con = duckdb.connect()
    [report] = ingest_path(con, export, [contract])
    assert (report.rows_read, report.rows_loaded, report.export_date_from) == (3, 3, "column")
    assert con.execute(
        f"select datum, betrag, _export_date from raw.{contract.table} order by auftrag"
    ).fetchall() == [
        (dt.date(2024, 3, 25), 1234.5, dt.date(2024, 4, 2)),
        (dt.date(2024, 4, 3), None, dt.date(2024, 4, 2)),
        (None, 12.0, dt.date(2024, 4, 2)),
    ]
