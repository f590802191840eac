"""The cockpit's download buttons: every page offers its tables as .xlsx the same way.

A download holds what the page's query returned for the session's scope (the scope is applied
in SQL, see ``dashboards.access``), so it never holds a row or an unmasked value the user
may not see on the page; every download is written to the audit log with the page's filters.
"""

from __future__ import annotations

import pandas as pd

from dashboards import audit
from dashboards.charts import table_to_excel

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_MAX = 31  # Excel's limit


def excel_download(
    container,
    label: str,
    workbook: bytes,
    file_name: str,
    key: str | None = None,
    width: str = "stretch",
) -> None:
    """A button on ``container`` (``st`` or a column) that downloads ``workbook`` (.xlsx bytes)
    as ``file_name`` and audits the download."""
    container.download_button(
        label,
        data=workbook,
        file_name=file_name,
        mime=XLSX_MIME,
        icon=":material/download:",
        on_click=audit.record_download,
        width=width,
        key=key,
    )


def table_download(
    container,
    label: str,
    table: pd.DataFrame,
    *,
    sheet_name: str,
    lang: str,
    number_formats: dict[str, str] | None,
    file_name: str,
    key: str | None = None,
) -> None:
    """``excel_download`` of a labelled table as one sheet (``charts.table_to_excel``)."""
    workbook = table_to_excel(
        table, sheet_name=sheet_name[:SHEET_NAME_MAX], lang=lang, number_formats=number_formats
    )
    excel_download(container, label, workbook, file_name, key)
