"""Queries of the finance (receivables) pages against the published marts.

Aging is read from ``fct_ar_aging_snapshot`` (one row per as-of date and open instalment), so
every level of the drill-down (company > region > team > rep > customer > statement) is a
``group by`` of the same rows and always adds up to the level above. A month-end the
month-end close has frozen is read from its frozen rows (``dashboards.closed_months``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.closed_months import FROZEN_TABLES, closed_months, frozen_rows
from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

AGING_MART = "fct_ar_aging_snapshot"
AGING_MARTS = (AGING_MART, "dim_ar_aging_buckets")
OVERVIEW_MARTS = (
    "rpt_ar_kpis_monthly",
    "rpt_ar_rep_league",
    "rpt_ar_unapplied_cash",
    "rpt_ar_expected_overdue",
)
COMPLIANCE_MARTS = ("rpt_contract_compliance_exceptions",)

# Drill-down levels, top first: (level, key column, label column).
LEVELS = (
    ("company", None, None),
    ("region", "region_id", "region_name"),
    ("team", "team_id", "team_name"),
    ("rep", "owner_id", "owner_name"),
    ("customer", "account_id", "account_name"),
    ("statement", "statement_id", "statement_id"),
)
# Aging by due date (default) or by document (statement) date.
BASES = {"due": "due_bucket_code", "document": "document_bucket_code"}


class AgingSelection(NamedTuple):
    """Where the drill-down stands: the as-of date, the basis and the chosen keys above the
    level shown (None = all)."""

    as_of_date: dt.date
    basis: str = "due"
    region_id: str | None = None
    team_id: str | None = None
    owner_id: str | None = None
    account_id: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "as_of_date": self.as_of_date,
            "region_id": self.region_id,
            "team_id": self.team_id,
            "owner_id": self.owner_id,
            "account_id": self.account_id,
        }


_SELECTION_WHERE = """
    as_of_date = $as_of_date
    and ($region_id::varchar is null or region_id = $region_id)
    and ($team_id::varchar is null or team_id = $team_id)
    and ($owner_id::varchar is null or owner_id = $owner_id)
    and ($account_id::varchar is null or account_id = $account_id)
"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def as_of_dates(source: Published) -> pd.DataFrame:
    """Every as-of date the snapshot holds (as ``datetime.date``), newest first, with whether
    it is a month-end, whether it is the latest and whether its month is closed."""
    dates = fetch_df(
        source,
        f"""
        select distinct as_of_date, is_month_end, as_of_date = max(as_of_date) over () as is_latest
        from {frozen_rows(source, AGING_MART)}
        order by as_of_date desc
        """,
    )
    dates = dates.assign(as_of_date=pd.to_datetime(dates["as_of_date"]).dt.date)
    return dates.assign(
        is_closed=dates["as_of_date"].isin(closed_months(source, AGING_MART)["month"])
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def buckets(source: Published) -> pd.DataFrame:
    """The aging buckets in report order, with their titles."""
    return fetch_df(
        source,
        "select bucket_code, bucket_order, bucket_name_zh, bucket_name_en "
        "from dim_ar_aging_buckets order by bucket_order",
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def choices(source: Published, selection: AgingSelection, level: str) -> list[tuple[str, str]]:
    """(key, label) of the members of ``level`` under the selection, most outstanding first."""
    _, key, label = next(row for row in LEVELS if row[0] == level)
    rows = fetch_rows(
        source,
        f"""
        select {key}, any_value({label}), sum(open_amount) as outstanding
        from {frozen_rows(source, AGING_MART)}
        where {_SELECTION_WHERE} and {key} is not null
        group by {key}
        order by outstanding desc, {key}
        """,
        selection.params(),
    )
    return [(str(k), str(name) if name is not None else str(k)) for k, name, _ in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def aging_table(source: Published, selection: AgingSelection, level: str) -> pd.DataFrame:
    """One row per member of ``level`` under the selection: ``key``, ``name``, the open amount
    per bucket (one column per bucket code, in report order), ``total`` and ``overdue``;
    most outstanding first."""
    bucket_codes = buckets(source)["bucket_code"].tolist()
    bucket_column = BASES[selection.basis]
    _, key, label = next(row for row in LEVELS if row[0] == level)
    key_sql = "'all'" if key is None else f"coalesce({key}, '')"
    label_sql = "'all'" if label is None else f"any_value({label})"
    pivots = ",\n".join(
        f"coalesce(sum(open_amount) filter (where {bucket_column} = '{code}'), 0)::double "
        f'as "{code}"'
        for code in bucket_codes
    )
    return fetch_df(
        source,
        f"""
        select
            {key_sql} as key,
            {label_sql} as name,
            {pivots},
            sum(open_amount)::double as total,
            coalesce(sum(open_amount) filter (where is_overdue), 0)::double as overdue,
            sum(late_fee_accrued)::double as late_fee,
        from {frozen_rows(source, AGING_MART)}
        where {_SELECTION_WHERE}
        group by all
        order by total desc, key
        """,
        selection.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def aging_adjustment(source: Published, selection: AgingSelection) -> float:
    """For a closed month-end: the open amount under the selection in the marts now minus the
    frozen one (the corrections made since the close, shown as an adjustment)."""
    frozen = FROZEN_TABLES[AGING_MART].table
    return fetch_rows(
        source,
        f"""
        select cast(
            (select coalesce(sum(open_amount), 0) from {AGING_MART} where {_SELECTION_WHERE})
            - (select coalesce(sum(open_amount), 0) from {frozen} where {_SELECTION_WHERE})
            as double)
        """,
        selection.params(),
    )[0][0]


# the month-end close's frozen AR KPIs, published beside the marts (medops/publish.py)
CLOSED_AR_KPIS = "closed_ar_kpis"
_TREND_COLUMNS = """
            shown.month_end,
            shown.outstanding_amount::double as outstanding,
            shown.overdue_amount::double as overdue,
            shown.share_overdue,
            shown.dso_days,
            shown.collection_effectiveness,
            shown.reconciliation_rate,
            shown.unapplied_cash_amount::double as unapplied_cash,
            shown.payments_amount::double as collections,"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def overdue_trend(source: Published) -> pd.DataFrame:
    """One row per month-end: outstanding, overdue, share overdue, DSO, CEI, reconciliation
    rate, unapplied cash and the month's collections. A closed month shows the figures frozen
    at its close (is_closed), with the corrections made since as outstanding_adjustment (the
    marts' outstanding now minus the frozen one)."""
    closed = fetch_rows(
        source,
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = $name",
        {"name": CLOSED_AR_KPIS},
    )[0][0]
    if not closed:
        return fetch_df(
            source,
            f"""
            select {_TREND_COLUMNS}
                false as is_closed,
                0.0 as outstanding_adjustment,
            from rpt_ar_kpis_monthly as shown
            order by month_end
            """,
        )
    return fetch_df(
        source,
        f"""
        with frozen as (
            select * exclude (closed_month, closed_at), true as is_closed from {CLOSED_AR_KPIS}
        ),

        shown as (
            select *, false as is_closed from rpt_ar_kpis_monthly as open_
            where not exists (select 1 from frozen where frozen.month_start = open_.month_start)
            union all by name
            select * from frozen
        )

        select {_TREND_COLUMNS}
            shown.is_closed,
            coalesce(now_.outstanding_amount - shown.outstanding_amount, 0)::double
                as outstanding_adjustment,
        from shown
        left join rpt_ar_kpis_monthly as now_ on shown.month_start = now_.month_start
        order by shown.month_end
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def rep_league(source: Published, as_of_date: dt.date) -> pd.DataFrame:
    """One row per rep with open receivables at the date, most overdue first."""
    return fetch_df(
        source,
        """
        select
            overdue_rank,
            owner_name,
            team_name,
            region_name,
            outstanding_amount::double as outstanding,
            overdue_amount::double as overdue,
            overdue_over_90_amount::double as overdue_over_90,
            share_overdue,
            overdue_customers,
            late_fee_accrued::double as late_fee,
        from rpt_ar_rep_league
        where as_of_date = $as_of_date
        order by overdue_rank, owner_id
        """,
        {"as_of_date": as_of_date},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def top_overdue_customers(source: Published, as_of_date: dt.date, top: int) -> pd.DataFrame:
    """The ``top`` customers by overdue amount at the date, with their unapplied cash."""
    return fetch_df(
        source,
        """
        with overdue as (
            select
                account_id,
                any_value(account_name) as account_name,
                any_value(owner_name) as owner_name,
                sum(open_amount) filter (where is_overdue)::double as overdue,
                max(days_past_due) as max_days_past_due,
            from fct_ar_aging_snapshot
            where as_of_date = $as_of_date
            group by account_id
        )

        select
            overdue.account_name,
            overdue.owner_name,
            overdue.overdue,
            overdue.max_days_past_due,
            coalesce(cash.unapplied_amount, 0)::double as unapplied_cash,
        from overdue
        left join rpt_ar_unapplied_cash as cash
            on cash.as_of_date = $as_of_date and overdue.account_id = cash.account_id
        where overdue.overdue > 0
        order by overdue.overdue desc, overdue.account_id
        limit $top
        """,
        {"as_of_date": as_of_date, "top": top},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def expected_overdue(source: Published) -> pd.DataFrame:
    """Open instalments falling due soon after the latest data date (the horizon is in the
    late-fee seed), soonest first: what reps should chase now."""
    return fetch_df(
        source,
        """
        select
            due_on,
            days_until_due,
            account_name,
            owner_name,
            team_name,
            statement_id,
            installment_no,
            open_amount::double as open_amount,
        from rpt_ar_expected_overdue
        order by due_on, open_amount desc, statement_id, installment_no
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def compliance_exceptions(source: Published, types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Compliance exceptions of the chosen types (all when empty), largest amount first."""
    return fetch_df(
        source,
        """
        select
            exception_type,
            contract_id,
            order_id,
            line_no,
            statement_id,
            account_name,
            owner_name,
            team_name,
            detected_on,
            expected_value,
            actual_value,
            amount_at_stake::double as amount_at_stake,
        from rpt_contract_compliance_exceptions
        where $types::varchar[] is null or list_contains($types, exception_type)
        order by amount_at_stake desc nulls last, exception_id
        """,
        {"types": list(types) or None},
    )
