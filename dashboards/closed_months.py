"""Closed months on the pages: the figures frozen by the month-end close, not the marts' now.

The month-end close (dagster_project/defs/close.py) freezes a month's aging, quota attainment
and SLA attainment into append-only tables that the publish step copies as ``closed_<table>``,
and lists in ``_closed_months`` which months each holds. A page that reads one of those marts
reads ``frozen_rows(source, mart)`` instead of the mart's name: the frozen rows for the closed
months, the mart's rows for every other month (the current month always from the marts). A
correction in the exports after the close changes the marts but not what the page shows for
the closed month; it shows as an adjustment (the marts' figure now minus the frozen one).

The frozen tables carry the mart's columns, so ``dashboards.access`` gives them the same
scope filter and masking as the mart; ``_closed_months`` holds no rows of the marts and is
readable by every scope.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, missing_marts
from dashboards.i18n import t
from medops.publish import CLOSED_MONTHS_TABLE


class FrozenTable(NamedTuple):
    """A mart's frozen copy in the published file, the mart's column that says which month a
    row belongs to, and that column's value for a closed month (``closed_month`` its first day)."""

    table: str
    month_column: str
    month_value: str


FROZEN_TABLES = {
    # the close freezes the month-end as-of date of the aging snapshot
    "fct_ar_aging_snapshot": FrozenTable("closed_ar_aging", "as_of_date", "last_day(closed_month)"),
    "rpt_quota_attainment_monthly": FrozenTable(
        "closed_quota_attainment", "month_start", "closed_month"
    ),
    "rpt_service_sla_attainment_monthly": FrozenTable(
        "closed_sla_attainment", "month_start", "closed_month"
    ),
}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def closed_months(source: Published, mart: str) -> pd.DataFrame:
    """The months closed for ``mart``: ``month`` (the value of the mart's month column: the
    month's first day, or its last for the aging snapshot) and ``closed_at``; oldest first.
    Empty when nothing is closed, or the published copy predates the close's month list."""
    frozen = FROZEN_TABLES[mart]
    if missing_marts(source, (CLOSED_MONTHS_TABLE, frozen.table)):
        return pd.DataFrame({"month": [], "closed_at": []})
    months = fetch_df(
        source,
        f"""
        select {frozen.month_value} as month, closed_at,
        from {CLOSED_MONTHS_TABLE}
        where closed_table = $table
        order by month
        """,
        {"table": frozen.table},
    )
    return months.assign(month=pd.to_datetime(months["month"]).dt.date)


def frozen_rows(source: Published, mart: str) -> str:
    """SQL of a relation named like ``mart`` with its rows as the pages should show them: the
    frozen rows for closed months, the mart's for the others. Only the names and constants of
    ``FROZEN_TABLES`` go into it, never a value from a user or the data."""
    frozen = FROZEN_TABLES[mart]
    if closed_months(source, mart).empty:
        return mart
    return f"""(
        select * exclude (closed_month, closed_at) from {frozen.table}
        union all by name
        select * from {mart} where {frozen.month_column} not in ({closed_month_values(mart)})
    ) as {mart}"""


def closed_month_values(mart: str) -> str:
    """SQL of the closed months of ``mart`` as values of its month column (for a query that
    reads the mart's open months from elsewhere; only where ``closed_months`` is not empty)."""
    frozen = FROZEN_TABLES[mart]
    return (
        f"select {frozen.month_value} from {CLOSED_MONTHS_TABLE} "
        f"where closed_table = '{frozen.table}'"
    )


def closed_in(source: Published, mart: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    """The closed months of ``mart`` between ``first`` and ``last`` (both included)."""
    months = closed_months(source, mart)
    return months[(months["month"] >= first) & (months["month"] <= last)]


def show_closed_note(months: pd.DataFrame, what: str, adjustment: str | None = None) -> None:
    """Say on the page which of the months shown are closed and that ``what`` (a label key)
    shows their frozen figures, corrections since as adjustments (with the page's adjustment
    when it has one); nothing when none is closed."""
    if months.empty:
        return
    note = t("closed_months_note").format(
        months=", ".join(f"{month:%Y-%m}" for month in months["month"]),
        closed_at=", ".join(sorted({f"{at:%Y-%m-%d %H:%M}" for at in months["closed_at"]})),
        what=t(what),
    )
    if adjustment is not None:
        note += " " + t("closed_months_adjustment").format(adjustment=adjustment)
    st.info(note, icon=":material/lock:")
