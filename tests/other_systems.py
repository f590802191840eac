"""Exports of systems that are not ours, written for the tests from public knowledge of how
those systems export (the values are invented): a Salesforce Lightning formatted report, a
销售易 商机 list, a 用友U8 应收单 list and 收款单 list, a 钉钉 签到 record, a Chinese service
desk's 工单 list and a ServiceNow incident list. tests/data/other_systems/ holds each one's rows
as text (<name>.csv) and the contract an analyst makes of its `medops contract draft`
(<name>.yml); the writers below lay the rows out as the system does (title and filter rows, a
merged title, footers, GB18030 with CRLF, Excel date cells where the system stores dates,
numbers as numbers). Used by tests/test_other_systems.py."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl

CONTRACTS = Path(__file__).resolve().parent / "data" / "other_systems"
FILE_NAMES = {
    # Lightning names a formatted export "<report name>-<YYYY-MM-DD-HH-MM-SS>.xlsx"
    "salesforce_formatted_report": "Opportunity Pipeline - China-2026-03-31-18-05-12.xlsx",
    "xiaoshouyi_opportunities": "商机_20260331.xlsx",
    "u8_receivables": "应收单列表_20260331.xlsx",
    "u8_payments": "收款单列表_20260331.csv",
    "dingtalk_checkins": "签到记录_20260331.xlsx",
    "service_desk_tickets": "工单列表_20260312.xlsx",
    "servicenow_incident_list": "incident_list.xlsx",
}


def rows(name: str) -> list[dict[str, str]]:
    """An export's data rows as text, by header."""
    with (CONTRACTS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _iso_date(text: str) -> dt.date | str:
    """A date the system stored as a date (2026-04-20) becomes a date cell; one typed as text
    (2026/6/30) stays text."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _moment(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _number(text: str) -> float | None:
    return float(text) if text else None


# per export, the columns the system writes as typed cells, and how
CELLS: dict[str, dict[str, Callable]] = {
    "xiaoshouyi_opportunities": {"商机金额(元)": _number, "结单日期": _iso_date},
    "u8_receivables": {"单据日期": _iso_date, "到期日": _iso_date, "本币金额": _number},
    "dingtalk_checkins": {"经度": _number, "纬度": _number},
    "service_desk_tickets": {"服务评价": lambda t: int(t) if t else None},
    "servicenow_incident_list": {"Opened": _moment, "Resolved": _moment, "Closed": _moment},
}


def _table(name: str) -> list[list]:
    """The header and the rows, each cell as the system writes it."""
    data = rows(name)
    cells = CELLS.get(name, {})
    header = list(data[0])
    body = [[cells.get(h, lambda t: t or None)(row[h]) for h in header] for row in data]
    return [header, *body]


def _save(folder: Path, name: str, sheet_name: str, table: list[list], merged: str = "") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_name
    for row in table:
        sheet.append(row)  # a date or datetime becomes a date cell
    if merged:
        sheet.merge_cells(merged)
    book.save(folder / FILE_NAMES[name])
    return folder / FILE_NAMES[name]


def write_salesforce(folder: Path) -> Path:
    """The table starts in column B, under the report's name and its filters; a Total row, the
    confidentiality notice and the copyright line at the bottom."""
    name = "salesforce_formatted_report"
    title = [
        [None, "Opportunity Pipeline - China"],
        [None, "Filtered By:"],
        [None, "    Opportunity Owner: Role equals China Sales"],
        [None, "    Close Date: Current and Next FY"],
        [],
    ]
    table = [[None, *row] for row in _table(name)]
    footer = [
        [None, "Total", None, None, None, None, "CNY 87,950,500.50"],
        [],
        [None, "Confidential Information - Do Not Distribute"],
        [None, "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."],
    ]
    return _save(folder, name, "Opportunity Pipeline", title + table + footer)


def write_xiaoshouyi(folder: Path) -> Path:
    """Sheet 商机, the header on row 1."""
    return _save(folder, "xiaoshouyi_opportunities", "商机", _table("xiaoshouyi_opportunities"))


def write_u8_receivables(folder: Path) -> Path:
    """A merged title row, a 制表日期/账套 row, the header on row 3, a 合计 row."""
    name = "u8_receivables"
    table = _table(name)
    total = sum(float(row["本币金额"]) for row in rows(name))
    return _save(
        folder,
        name,
        "应收单列表",
        [
            ["应收单列表"],
            ["制表日期：2026-03-31", None, None, "账套：[001]迈瑞康医疗器械有限公司"],
            *table,
            ["合计", None, None, None, None, None, total],
        ],
        merged=f"A1:{openpyxl.utils.get_column_letter(len(table[0]))}1",
    )


def write_u8_payments(folder: Path) -> Path:
    """Saved as CSV by the ERP: GB18030, CRLF line ends (the title row and the 合计 row are in
    the text)."""
    text = (CONTRACTS / "u8_payments.csv").read_text(encoding="utf-8")
    path = folder / FILE_NAMES["u8_payments"]
    path.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    return path


def write_dingtalk(folder: Path) -> Path:
    """A title row with the period above the header."""
    table = _table("dingtalk_checkins")
    title = [["签到记录（2026-03-01 至 2026-03-31）"]]
    return _save(folder, "dingtalk_checkins", "签到记录", title + table)


def write_desk(folder: Path) -> Path:
    return _save(folder, "service_desk_tickets", "工单列表", _table("service_desk_tickets"))


def write_servicenow(folder: Path) -> Path:
    """ServiceNow's Excel export: one sheet, "Page 1", date-time cells."""
    return _save(folder, "servicenow_incident_list", "Page 1", _table("servicenow_incident_list"))


WRITERS = {
    "salesforce_formatted_report": write_salesforce,
    "xiaoshouyi_opportunities": write_xiaoshouyi,
    "u8_receivables": write_u8_receivables,
    "u8_payments": write_u8_payments,
    "dingtalk_checkins": write_dingtalk,
    "service_desk_tickets": write_desk,
    "servicenow_incident_list": write_servicenow,
}


def write_drop(folder: Path) -> dict[str, Path]:
    """Every export into ``folder``; returns each export's path by name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: write(folder) for name, write in WRITERS.items()}
