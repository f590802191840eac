"""Queries of the one-screen overviews: the executive overview and the rep's "my day".

Like every cockpit query they read the published marts through the session's scope
(``dashboards.access``), so "my" is whatever the user may see: a rep's own rows, a team
lead's team. Each figure here is also on the page that explains it (linked from the card).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

EXECUTIVE_MARTS = (
    "rpt_quota_attainment_monthly",
    "rpt_revenue_monthly",
    "rpt_ar_kpis_monthly",
    "fct_ar_aging_snapshot",
    "rpt_service_sla_attainment_monthly",
    "rpt_service_kpis_monthly",
    "rpt_service_open_tickets",
    "rpt_sales_alerts",
)
MY_DAY_MARTS = (
    "rpt_sales_alerts",
    "fct_pipeline_as_of",
    "fct_ar_aging_snapshot",
    "rpt_service_open_tickets",
    "fct_visit_checkins",
)
TOP_RISKS = 5


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sales_year_to_date(source: Published) -> dict[str, float | dt.date | None]:
    """Bookings, quota and revenue of the latest year with bookings, over its months up to the
    latest month with bookings (months not yet begun do not count against the quota)."""
    (row,) = fetch_rows(
        source,
        """
        with last_month as (
            select max(month_start) as month_start,
            from rpt_quota_attainment_monthly
            where bookings_amount > 0
        ),

        quota as (
            select
                sum(quota.bookings_amount)::double as bookings,
                sum(quota.quota_amount)::double as quota,
            from rpt_quota_attainment_monthly as quota, last_month
            where
                year(quota.month_start) = year(last_month.month_start)
                and quota.month_start <= last_month.month_start
        ),

        revenue as (
            select sum(revenue.revenue)::double as revenue,
            from rpt_revenue_monthly as revenue, last_month
            where
                year(revenue.month_start) = year(last_month.month_start)
                and revenue.month_start <= last_month.month_start
        )

        select last_month.month_start, quota.bookings, quota.quota, revenue.revenue,
        from last_month, quota, revenue
        """,
    )
    month, bookings, quota, revenue = row
    return {"through": month, "bookings": bookings, "quota": quota, "revenue": revenue}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def service_latest(source: Published) -> dict[str, float | dt.date | None]:
    """SLA attainment (targets met / measured) and CSAT (rating-weighted) of the latest month
    with measured targets."""
    (row,) = fetch_rows(
        source,
        """
        with last_month as (
            select max(month_start) as month_start,
            from rpt_service_sla_attainment_monthly
        ),

        sla as (
            select sum(targets_met) / nullif(sum(targets_measured), 0) as attainment,
            from rpt_service_sla_attainment_monthly
            where month_start = (select month_start from last_month)
        ),

        csat as (
            select sum(csat_average * ratings) / nullif(sum(ratings), 0) as csat,
            from rpt_service_kpis_monthly
            where month_start = (select month_start from last_month)
        )

        select last_month.month_start, sla.attainment, csat.csat,
        from last_month, sla, csat
        """,
    )
    month, attainment, csat = row
    return {"month": month, "sla_attainment": attainment, "csat": csat}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def top_overdue_customers(source: Published, top: int = TOP_RISKS) -> pd.DataFrame:
    """The customers with the most overdue receivables at the latest as-of date."""
    return fetch_df(
        source,
        """
        select
            any_value(account_name) as account_name,
            sum(open_amount)::double as overdue,
            max(days_past_due) as max_days_past_due,
        from fct_ar_aging_snapshot
        where is_latest and is_overdue
        group by account_id
        order by overdue desc, account_id
        limit $top
        """,
        {"top": top},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def open_tickets(source: Published, breached_only: bool) -> pd.DataFrame:
    """Open service tickets (optionally only breached ones), oldest first."""
    return fetch_df(
        source,
        """
        select ticket_id, account_name, device_model, engineer_name, open_age_days, is_breached,
        from rpt_service_open_tickets
        where not $breached_only or is_breached
        order by open_age_days desc, ticket_id
        """,
        {"breached_only": breached_only},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alerts(source: Published, rule: str | None = None) -> pd.DataFrame:
    """Open sales alerts (optionally of one rule), biggest amounts first."""
    return fetch_df(
        source,
        """
        select
            alert_rule, alert_name_zh, alert_name_en, subject_id, owner_name, days_since,
            threshold_unit, amount::double as amount,
        from rpt_sales_alerts
        where $rule::varchar is null or alert_rule = $rule
        order by amount desc nulls last, days_since desc, subject_id
        """,
        {"rule": rule},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def deals_due(source: Published, month: dt.date) -> pd.DataFrame:
    """Open deals (latest pipeline version) expected to close in ``month`` or earlier."""
    return fetch_df(
        source,
        """
        select opportunity_id, stage_code, expected_close_on, amount::double as amount,
        from fct_pipeline_as_of
        where is_latest and closed_on is null and expected_close_on < $next_month
        order by expected_close_on, opportunity_id
        """,
        {"next_month": (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def overdue_statements(source: Published) -> pd.DataFrame:
    """Overdue instalments at the latest as-of date, most days overdue first."""
    return fetch_df(
        source,
        """
        select
            account_name, statement_id, installment_no, open_amount::double as open_amount,
            days_past_due, late_fee_accrued::double as late_fee,
        from fct_ar_aging_snapshot
        where is_latest and is_overdue
        order by days_past_due desc, statement_id, installment_no
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def visits_between(source: Published, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    """Visits from ``first_day`` to ``last_day``."""
    return fetch_df(
        source,
        """
        select visited_on, account_id, activity_type, has_check_in,
        from fct_visit_checkins
        where visited_on between $first_day and $last_day
        order by visited_on desc, visit_id
        """,
        {"first_day": first_day, "last_day": last_day},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def data_as_of(source: Published) -> dt.date | None:
    """The day the data describes: the latest receivables as-of date."""
    (row,) = fetch_rows(source, "select max(as_of_date) from fct_ar_aging_snapshot")
    return row[0]
