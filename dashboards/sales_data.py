"""Queries of the sales overview page (``pages/sales_overview.py``): quota attainment, revenue,
lead response, deal size and retention marts.

Same rules as ``dashboards.data``. Quota attainment of a month the month-end close has frozen
is read from its frozen rows (``dashboards.closed_months``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.closed_months import frozen_rows
from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

QUOTA_MART = "rpt_quota_attainment_monthly"
REVENUE_MART = "rpt_revenue_monthly"
LEAD_RESPONSE_MART = "rpt_lead_response_monthly"
DEAL_SIZE_MART = "rpt_deal_size_monthly"
RETENTION_MART = "rpt_customer_retention_quarterly"
SALES_OVERVIEW_MARTS = (
    QUOTA_MART,
    REVENUE_MART,
    LEAD_RESPONSE_MART,
    DEAL_SIZE_MART,
    RETENTION_MART,
)
# Rows of people with no team (not in the employee export, or above team level) are grouped
# under this key in the team league table.
NO_TEAM = ""


class SalesFilters(NamedTuple):
    """The sales overview's filters; empty region or team lists mean all of them."""

    month_from: dt.date
    month_to: dt.date
    region_names: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "month_from": self.month_from,
            "month_to": self.month_to,
            "region_names": list(self.region_names) or None,
            "team_ids": list(self.team_ids) or None,
        }


# The rows of a sales mart in the chosen months, regions and teams (all three marts carry
# month_start, region_name and team_id). Selecting teams leaves out the rows without a team.
_SALES_WHERE = """
    month_start between $month_from and $month_to
    and ($region_names::varchar[] is null or list_contains($region_names, region_name))
    and ($team_ids::varchar[] is null or list_contains($team_ids, team_id))
"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sales_month_range(source: Published) -> list[dt.date]:
    """Every month from the first to the last month with bookings, deals won, revenue or
    leads. Quota alone does not extend the range: quotas are planned for the whole year, and
    months not yet begun would count their quota against no bookings."""
    rows = fetch_rows(
        source,
        f"""
        with months as (
            select month_start, from {frozen_rows(source, QUOTA_MART)}
            where bookings_amount > 0 or deals_won > 0
            union all
            select month_start, from rpt_revenue_monthly
            union all
            select month_start, from rpt_lead_response_monthly
        ),

        bounds as (
            select
                min(month_start) as first_month,
                max(month_start) as last_month,
            from months
        )

        select cast(month as date) as month,
        from bounds, generate_series(first_month, last_month, interval 1 month) as months(month)
        order by month
        """,
    )
    return [month for (month,) in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sales_teams(source: Published) -> pd.DataFrame:
    """One row per team in any of the sales overview's marts: team_id, team_name,
    region_name, province_unit_name."""
    return fetch_df(
        source,
        f"""
        with teams as (
            select team_id, team_name, region_name, province_unit_name,
            from {frozen_rows(source, QUOTA_MART)}
            union
            select team_id, team_name, region_name, province_unit_name,
            from rpt_revenue_monthly
            union
            select team_id, team_name, region_name, province_unit_name,
            from rpt_lead_response_monthly
        )

        select
            team_id,
            any_value(team_name) as team_name,
            any_value(region_name) as region_name,
            any_value(province_unit_name) as province_unit_name,
        from teams
        where team_id is not null
        group by team_id
        order by region_name nulls last, province_unit_name nulls last, team_name, team_id
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sales_kpis(source: Published, filters: SalesFilters) -> dict[str, Any]:
    """Headline figures for the filters.

    Keys: bookings and quota (CNY), attainment (sum of bookings ÷ sum of quota, never an
    average of the monthly rates; None without quota), deals_won, revenue (order revenue,
    CNY), leads, leads_contacted_within_24h, share_contacted_within_24h (÷ all leads;
    None without leads) and average_deal_size (won amount ÷ deals won of the opportunities
    closed as won in the months, CNY; None without any).
    """
    row = fetch_rows(
        source,
        f"""
        with quota as (
            select
                cast(coalesce(sum(bookings_amount), 0) as double) as bookings,
                cast(sum(quota_amount) as double) as quota,
                coalesce(sum(deals_won), 0) as deals_won,
            from {frozen_rows(source, QUOTA_MART)}
            where {_SALES_WHERE}
        ),

        revenue as (
            select cast(coalesce(sum(revenue), 0) as double) as revenue,
            from rpt_revenue_monthly
            where {_SALES_WHERE}
        ),

        leads as (
            select
                coalesce(sum(leads), 0) as leads,
                coalesce(sum(leads_contacted_within_24h), 0) as leads_contacted_within_24h,
            from rpt_lead_response_monthly
            where {_SALES_WHERE}
        ),

        deal_size as (
            select cast(sum(won_amount) as double) / sum(deals_won) as average_deal_size,
            from rpt_deal_size_monthly
            where {_SALES_WHERE}
        )

        select
            quota.bookings,
            quota.quota,
            quota.deals_won,
            revenue.revenue,
            leads.leads,
            leads.leads_contacted_within_24h,
            deal_size.average_deal_size,
        from quota, revenue, leads, deal_size
        """,
        filters.params(),
    )[0]
    bookings, quota, deals_won, revenue, leads, within_24h, average_deal_size = row
    return {
        "bookings": float(bookings),
        "quota": None if quota is None else float(quota),
        "attainment": bookings / quota if quota else None,
        "deals_won": int(deals_won),
        "revenue": float(revenue),
        "leads": int(leads),
        "leads_contacted_within_24h": int(within_24h),
        "share_contacted_within_24h": within_24h / leads if leads else None,
        "average_deal_size": average_deal_size,
    }


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def bookings_by_month(source: Published, filters: SalesFilters) -> pd.DataFrame:
    """One row per month in the range: bookings and quota (CNY, 0 when none) and attainment
    (bookings ÷ quota of the month, null without quota)."""
    return fetch_df(
        source,
        f"""
        with months as (
            select cast(month as date) as month_start,
            from generate_series(
                cast($month_from as date), cast($month_to as date), interval 1 month
            ) as months(month)
        ),

        per_month as (
            select
                month_start,
                sum(bookings_amount) as bookings,
                sum(quota_amount) as quota,
            from {frozen_rows(source, QUOTA_MART)}
            where {_SALES_WHERE}
            group by month_start
        )

        select
            months.month_start,
            cast(coalesce(per_month.bookings, 0) as double) as bookings,
            cast(coalesce(per_month.quota, 0) as double) as quota,
            cast(per_month.bookings as double) / nullif(per_month.quota, 0) as attainment,
        from months
        left join per_month on months.month_start = per_month.month_start
        order by months.month_start
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def team_league(source: Published, filters: SalesFilters) -> pd.DataFrame:
    """One row per team (``NO_TEAM`` for rows without one), most bookings first: region,
    team, bookings, quota, attainment (sum ÷ sum), deals won and order revenue."""
    return fetch_df(
        source,
        f"""
        with quota as (
            select
                coalesce(team_id, '') as team_key,
                any_value(team_name) as team_name,
                any_value(region_name) as region_name,
                sum(bookings_amount) as bookings,
                sum(quota_amount) as quota,
                sum(deals_won) as deals_won,
            from {frozen_rows(source, QUOTA_MART)}
            where {_SALES_WHERE}
            group by team_key
        ),

        revenue as (
            select
                coalesce(team_id, '') as team_key,
                any_value(team_name) as team_name,
                any_value(region_name) as region_name,
                sum(revenue) as revenue,
            from rpt_revenue_monthly
            where {_SALES_WHERE}
            group by team_key
        ),

        final as (
            select
                coalesce(quota.team_key, revenue.team_key) as team_id,
                coalesce(quota.team_name, revenue.team_name) as team_name,
                coalesce(quota.region_name, revenue.region_name) as region_name,
                cast(coalesce(quota.bookings, 0) as double) as bookings,
                cast(quota.quota as double) as quota,
                cast(quota.bookings as double) / nullif(quota.quota, 0) as attainment,
                cast(coalesce(quota.deals_won, 0) as bigint) as deals_won,
                cast(coalesce(revenue.revenue, 0) as double) as revenue,
            from quota
            full outer join revenue on quota.team_key = revenue.team_key
        )

        select * from final
        order by bookings desc, revenue desc, region_name nulls last, team_name, team_id
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def retention_by_quarter(source: Published, filters: SalesFilters) -> pd.DataFrame:
    """One row per quarter that overlaps the chosen months (the first quarter of the exports
    left out: it has nothing earlier to compare with): customers active, new, returning,
    previous quarter, retained, churned and cross-sold, and the rates recomputed from the
    summed counts (repeat purchase = returning ÷ active, retention = retained ÷ previous
    quarter, cross-sell = cross-sold ÷ returning); is_complete_quarter is false for the
    running quarter."""
    return fetch_df(
        source,
        """
        with quarters as (
            select
                quarter_start,
                bool_and(is_complete_quarter) as is_complete_quarter,
                sum(customers_active) as customers_active,
                sum(customers_new) as customers_new,
                sum(customers_returning) as customers_returning,
                sum(customers_previous_quarter) as customers_previous_quarter,
                sum(customers_retained) as customers_retained,
                sum(customers_churned) as customers_churned,
                sum(customers_cross_sold) as customers_cross_sold,
            from rpt_customer_retention_quarterly
            where
                has_prior_history
                and quarter_start between date_trunc('quarter', cast($month_from as date))
                and $month_to
                and ($region_names::varchar[] is null or list_contains($region_names, region_name))
                and ($team_ids::varchar[] is null or list_contains($team_ids, team_id))
            group by quarter_start
        )

        select
            *,
            customers_returning / nullif(customers_active, 0) as repeat_purchase_rate,
            customers_retained / nullif(customers_previous_quarter, 0) as retention_rate,
            customers_cross_sold / nullif(customers_returning, 0) as cross_sell_rate,
        from quarters
        order by quarter_start
        """,
        filters.params(),
    )
