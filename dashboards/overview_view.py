"""Shared pieces of the one-screen overview pages: a KPI card with a link to the page that
explains it, and a labelled, formatted table."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import tables
from dashboards.charts import _formatted
from dashboards.i18n import current_language, t

PAGE_FILES = {
    "sales-overview": "pages/sales_overview.py",
    "sales-alerts": "pages/sales_alerts.py",
    "sales-forecast": "pages/sales_forecast.py",
    "receivables-aging": "pages/receivables_aging.py",
    "receivables-overview": "pages/receivables_overview.py",
    "service-cockpit": "pages/service_cockpit.py",
    "customer-360": "pages/customer_360.py",
}


def card(
    column, label: str, value: str, page: str, may_open: bool, help: str | None = None
) -> None:
    """A KPI card with its "?" ``help``; below it a link to ``page`` (a url path) when the
    user may open it."""
    with column:
        st.metric(label, value, help=help, border=True)
        if may_open:
            st.page_link(PAGE_FILES[page], label=t("overview_explain"), icon=":material/east:")


def table(frame: pd.DataFrame, columns: dict[str, str], formats: dict[str, Any]) -> None:
    """``frame``'s columns (name -> label key), labelled and formatted; "None" if empty."""
    if frame.empty:
        st.caption(t("overview_none"))
        return
    labelled = frame[list(columns)].rename(columns={c: t(k) for c, k in columns.items()})
    lang = current_language()
    tables.show(
        st,
        labelled,
        lambda shown: _formatted(shown, lang, formats),
        hide_index=True,
        width="stretch",
    )
