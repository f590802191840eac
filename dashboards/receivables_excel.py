"""The aging report as finance files it: one sheet per drill-down level, a bold header row that
stays in view, one column per aging bucket, a totals row, amounts in CNY format.

Pure function of the frames ``dashboards.receivables_data.aging_table`` returns.
"""

from __future__ import annotations

import io

import pandas as pd

CNY_FORMAT = "¥#,##0.00"
SHEET_NAME_MAX = 31  # Excel's limit


def new_workbook(buffer: io.BytesIO):
    """An in-memory workbook and the cockpit's formats for its title, header and CNY cells
    (every download of the cockpit looks the same)."""
    import xlsxwriter  # imported here: the cockpit only needs it when someone downloads

    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    heading = workbook.add_format({"bold": True, "font_size": 12})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#dde6f0", "border": 1, "text_wrap": True, "valign": "top"}
    )
    return workbook, heading, header, workbook.add_format({"num_format": CNY_FORMAT})


def aging_workbook(
    sheets: dict[str, pd.DataFrame],
    columns: dict[str, str],
    name_title: str,
    total_title: str,
    title: str,
) -> bytes:
    """An .xlsx with one sheet per entry of ``sheets`` (sheet name -> aging table).

    ``columns`` maps the amount columns to show (bucket codes, ``total``, ``overdue`` …), in
    order, to their titles. Row 1 holds ``title`` (what, as of when), row 2 the header, then
    one row per member, then the totals row.
    """
    buffer = io.BytesIO()
    workbook, heading, header, money = new_workbook(buffer)
    total_label = workbook.add_format({"bold": True, "top": 2})
    total_money = workbook.add_format({"bold": True, "top": 2, "num_format": CNY_FORMAT})
    for sheet_name, table in sheets.items():
        sheet = workbook.add_worksheet(sheet_name[:SHEET_NAME_MAX])
        sheet.write(0, 0, title, heading)
        sheet.write(1, 0, name_title, header)
        sheet.set_column(0, 0, 28)
        for index, title_text in enumerate(columns.values(), start=1):
            sheet.write(1, index, title_text, header)
            sheet.set_column(index, index, 16, money)
        for row, record in enumerate(table.itertuples(index=False), start=2):
            values = record._asdict()
            sheet.write_string(row, 0, str(values["name"] if values["name"] else values["key"]))
            for index, column in enumerate(columns, start=1):
                sheet.write_number(row, index, float(values[column]), money)
        totals_row = len(table) + 2
        sheet.write(totals_row, 0, total_title, total_label)
        for index, column in enumerate(columns, start=1):
            sheet.write_number(totals_row, index, float(table[column].sum()), total_money)
        sheet.freeze_panes(2, 1)
    workbook.close()
    return buffer.getvalue()
