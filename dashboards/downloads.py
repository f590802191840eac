"""The cockpit's download buttons: every page offers its tables as .xlsx the same way.

A download holds what the page's query returned for the session's scope (the scope is applied
in SQL, see ``dashboards.access``), so it never holds a row or an unmasked value the user
may not see on the page; every download is written to the audit log with the page's filters.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboards import audit
from dashboards.charts import table_to_excel
from dashboards.data import CACHE_TTL_SECONDS

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
    workbook = _workbook(
        content_digest(table), table, sheet_name[:SHEET_NAME_MAX], lang, number_formats
    )
    excel_download(container, label, workbook, file_name, key)


def content_digest(table: pd.DataFrame) -> str:
    """A digest of every cell, column name and type of ``table``: the workbook cache's key.
    (Streamlit's own hash of a DataFrame samples the rows of a large one; two scopes' tables
    that differ outside the sample must not share a workbook.)"""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(d)) for c, d in table.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _workbook(
    digest: str,
    _table: pd.DataFrame,
    sheet_name: str,
    lang: str,
    number_formats: dict[str, str] | None,
) -> bytes:
    """The .xlsx of a table, built once per content: writing 12,000 rows with xlsxwriter took
    1.9 s of every run of the sales alerts page. Keyed by ``digest``, the table's
    ``content_digest`` (the leading underscore keeps Streamlit from hashing ``_table``)."""
    return table_to_excel(_table, sheet_name=sheet_name, lang=lang, number_formats=number_formats)
