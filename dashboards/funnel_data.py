"""Queries of the sales funnel page (``pages/sales_funnel.py``) against ``fct_funnel_stage_reached``
and the code tables of product lines, channels and lead sources.

Same rules as ``dashboards.data``: a scoped cursor per query, bound
parameters for every user choice, results cached per published version and scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

SALES_FUNNEL_MARTS = (
    "fct_funnel_stage_reached",
    "dim_product_lines",
    "dim_sales_channels",
    "dim_lead_sources",
    "dim_lost_reasons",
)


# The funnel's list filters: parameter name -> column of fct_funnel_stage_reached. An empty
# list means all of them.
FUNNEL_LIST_FILTERS = {
    "region_ids": "region_id",
    "province_unit_ids": "province_unit_id",
    "team_ids": "team_id",
    "owner_ids": "owner_id",
    "product_lines": "product_line",
    "channels": "channel",
    "lead_sources": "lead_source",
}


class FunnelFilters(NamedTuple):
    """The funnel page's filters: the months deals entered the funnel, and lists of regions,
    province units, teams, reps, product lines, channels and lead sources (empty = all)."""

    month_from: dt.date
    month_to: dt.date
    region_ids: tuple[str, ...] = ()
    province_unit_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    owner_ids: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    lead_sources: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        chosen = {name: list(getattr(self, name)) or None for name in FUNNEL_LIST_FILTERS}
        return {"month_from": self.month_from, "month_to": self.month_to, **chosen}


# The cohort: opportunities whose first funnel stage was reached in the chosen months and that
# pass every list filter. Owner, team, product line, channel and lead source are attributes of
# the opportunity, the same on each of its rows, so filtering its first-stage row is enough.
_FUNNEL_LIST_CONDITIONS = "\n".join(
    f"and (${name}::varchar[] is null or list_contains(${name}, fct.{column}))"
    for name, column in FUNNEL_LIST_FILTERS.items()
)
_COHORT_SQL = f"""
    first_stage as (
        select min(stage_order) as stage_order,
        from fct_funnel_stage_reached
    ),

    won_stage as (
        select
            opportunity_id,
            reached_at as won_at,
        from fct_funnel_stage_reached
        where is_final_stage
    ),

    cohort as (
        select
            fct.*,
            fct.reached_at as entered_at,
            won_stage.won_at,
        from fct_funnel_stage_reached as fct
        inner join first_stage on fct.stage_order = first_stage.stage_order
        left join won_stage on fct.opportunity_id = won_stage.opportunity_id
        where
            fct.reached_month between $month_from and $month_to
            {_FUNNEL_LIST_CONDITIONS}
    )
"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def month_range(source: Published) -> list[dt.date]:
    """Every month from the first to the last month in which deals entered the funnel."""
    rows = fetch_rows(
        source,
        """
        with first_stage as (
            select min(stage_order) as stage_order,
            from fct_funnel_stage_reached
        ),

        bounds as (
            select
                min(fct.reached_month) as first_month,
                max(fct.reached_month) as last_month,
            from fct_funnel_stage_reached as fct
            inner join first_stage on fct.stage_order = first_stage.stage_order
        )

        select cast(month as date) as month,
        from bounds, generate_series(first_month, last_month, interval 1 month) as months(month)
        order by month
        """,
    )
    return [month for (month,) in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def funnel_org(source: Published) -> pd.DataFrame:
    """One row per rep who owns a deal in the funnel, with the rep's team, province unit and
    region (ids and names), for the drill-down pickers; ordered by region, province, team, rep.
    """
    return fetch_df(
        source,
        """
        select distinct
            region_id,
            region_name,
            province_unit_id,
            province_unit_name,
            team_id,
            team_name,
            owner_id,
            owner_name,
        from fct_funnel_stage_reached
        where owner_id is not null
        order by
            region_name nulls last,
            province_unit_name nulls last,
            team_name nulls last,
            owner_name,
            owner_id
        """,
    )


# Code tables published from the seeds: table, code column, name column prefix.
_CODE_NAMES = {
    "product_line": ("dim_product_lines", "product_line", "product_line_name"),
    "channel": ("dim_sales_channels", "channel", "channel_name"),
    "lead_source": ("dim_lead_sources", "lead_source", "lead_source_name"),
}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def code_names(source: Published, code: str, lang: str) -> dict[str, str]:
    """Names in ``lang`` of the codes of ``code`` (product_line, channel or lead_source) that
    occur in the funnel, in code-table order; a code missing from its table keeps its code."""
    table, column, name_prefix = _CODE_NAMES[code]
    rows = fetch_rows(
        source,
        f"""
        with used as (
            select distinct {column} as code,
            from fct_funnel_stage_reached
            where {column} is not null
        )

        select
            used.code,
            coalesce(names.{name_prefix}_{"zh" if lang == "zh" else "en"}, used.code),
        from used
        left join {table} as names on used.code = names.{column}
        order by names.{column} nulls last, used.code
        """,
    )
    return dict(rows)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def funnel_by_stage(source: Published, filters: FunnelFilters) -> pd.DataFrame:
    """One row per funnel stage for the filtered cohort, in stage order.

    Counted from ``fct_funnel_stage_reached`` (one row per opportunity and stage), so the
    conversion and the day percentiles are exact for any filter; the pre-aggregated medians of
    ``rpt_sales_funnel_monthly`` cannot be combined into a median. Stages no deal reached are
    kept with zero counts.
    """
    return fetch_df(
        source,
        f"""
        with {_COHORT_SQL},

        stages as (
            select distinct
                stage_order,
                stage_code,
                stage_name_zh,
                stage_name_en,
                is_final_stage,
            from fct_funnel_stage_reached
        ),

        per_stage as (
            select
                fct.stage_code,
                count(*) as opportunities_reached,
                count(*) filter (where fct.advanced_to_next_stage) as opportunities_advanced,
                cast(sum(fct.amount) as double) as amount_reached,
                count(fct.days_in_stage) as stays_completed,
                median(fct.days_in_stage) as median_days_in_stage,
                quantile_cont(fct.days_in_stage, 0.75) as p75_days_in_stage,
                quantile_cont(fct.days_in_stage, 0.9) as p90_days_in_stage,
            from fct_funnel_stage_reached as fct
            inner join cohort on fct.opportunity_id = cohort.opportunity_id
            group by fct.stage_code
        ),

        final as (
            select
                stages.stage_order,
                stages.stage_code,
                stages.stage_name_zh,
                stages.stage_name_en,
                coalesce(per_stage.opportunities_reached, 0) as opportunities_reached,
                coalesce(per_stage.opportunities_advanced, 0) as opportunities_advanced,
                case
                    when not stages.is_final_stage and per_stage.opportunities_reached > 0
                        then per_stage.opportunities_advanced / per_stage.opportunities_reached
                end as conversion_rate,
                coalesce(per_stage.amount_reached, 0) as amount_reached,
                coalesce(per_stage.stays_completed, 0) as stays_completed,
                per_stage.median_days_in_stage,
                per_stage.p75_days_in_stage,
                per_stage.p90_days_in_stage,
            from stages
            left join per_stage on stages.stage_code = per_stage.stage_code
        )

        select * from final
        order by stage_order
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def funnel_kpis(source: Published, filters: FunnelFilters) -> dict[str, Any]:
    """Headline figures of the filtered cohort.

    Keys: opportunities (reached the first stage), won (latest stage is won), win_rate
    (won / opportunities, None without opportunities), won_amount (CNY),
    median_days_to_win (first stage to won, over the won deals) and current_stage_only (deals
    whose export gave only their current stage: stages between are inferred, see DECISIONLOG
    "Thin exports").
    """
    df = fetch_df(
        source,
        f"""
        with {_COHORT_SQL}

        select
            count(*) as opportunities,
            count(*) filter (where cohort.is_won) as won,
            cast(coalesce(sum(cohort.amount) filter (where cohort.is_won), 0) as double)
                as won_amount,
            median((epoch(cohort.won_at) - epoch(cohort.entered_at)) / 86400.0)
                filter (where cohort.is_won) as median_days_to_win,
            count(*) filter (where not cohort.has_stage_history) as current_stage_only,
        from cohort
        """,
        filters.params(),
    )
    row = df.iloc[0]
    opportunities = int(row["opportunities"])
    won = int(row["won"])
    median_days = row["median_days_to_win"]
    return {
        "opportunities": opportunities,
        "won": won,
        "win_rate": won / opportunities if opportunities else None,
        "won_amount": float(row["won_amount"]),
        "median_days_to_win": None if pd.isna(median_days) else float(median_days),
        "current_stage_only": int(row["current_stage_only"]),
    }


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def monthly_trend(source: Published, filters: FunnelFilters) -> pd.DataFrame:
    """One row per month in the range: opportunities_new (deals of the filtered cohort that
    entered the funnel that month) and opportunities_won (deals of the cohort won that month;
    a deal won after the range counts in no month shown). Months without deals show zeros."""
    return fetch_df(
        source,
        f"""
        with {_COHORT_SQL},

        months as (
            select cast(month as date) as month_start,
            from generate_series(
                cast($month_from as date), cast($month_to as date), interval 1 month
            ) as months(month)
        ),

        new_deals as (
            select
                reached_month as month_start,
                count(*) as opportunities_new,
            from cohort
            group by reached_month
        ),

        won_deals as (
            select
                fct.reached_month as month_start,
                count(*) as opportunities_won,
            from fct_funnel_stage_reached as fct
            inner join cohort on fct.opportunity_id = cohort.opportunity_id
            where fct.is_final_stage and fct.is_won
            group by fct.reached_month
        )

        select
            months.month_start,
            cast(coalesce(new_deals.opportunities_new, 0) as bigint) as opportunities_new,
            cast(coalesce(won_deals.opportunities_won, 0) as bigint) as opportunities_won,
        from months
        left join new_deals on months.month_start = new_deals.month_start
        left join won_deals on months.month_start = won_deals.month_start
        order by months.month_start
        """,
        filters.params(),
    )


# Breakdown levels of the funnel: level -> (group key column, group name column). The org
# levels drill from company to rep; the others cut the same cohort another way.
FUNNEL_BREAKDOWNS = {
    "region": ("region_id", "region_name"),
    "province": ("province_unit_id", "province_unit_name"),
    "team": ("team_id", "team_name"),
    "owner": ("owner_id", "owner_name"),
    "product_line": ("product_line", None),
    "channel": ("channel", None),
    "lead_source": ("lead_source", None),
}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def funnel_breakdown(source: Published, filters: FunnelFilters, level: str) -> pd.DataFrame:
    """The filtered cohort split by ``level`` (a key of ``FUNNEL_BREAKDOWNS``), one row per
    group, most deals first: group_key, group_name (the org name; the code for code levels,
    which the page labels), opportunities (entered the funnel), won, win_rate, won_amount,
    average_deal_size (won amount ÷ won deals), median_days_to_win, and one conversion column
    ``conversion_<stage_code>`` per funnel stage before won (advanced ÷ reached, null when no
    deal of the group reached the stage).
    """
    key_column, name_column = FUNNEL_BREAKDOWNS[level]
    name_sql = f"any_value(cohort.{name_column or key_column})"
    groups = fetch_df(
        source,
        f"""
        with {_COHORT_SQL}

        select
            cohort.{key_column} as group_key,
            {name_sql} as group_name,
            count(*) as opportunities,
            count(*) filter (where cohort.is_won) as won,
            count(*) filter (where cohort.is_won) / count(*) as win_rate,
            cast(coalesce(sum(cohort.amount) filter (where cohort.is_won), 0) as double)
                as won_amount,
            cast(avg(cohort.amount) filter (where cohort.is_won) as double) as average_deal_size,
            median((epoch(cohort.won_at) - epoch(cohort.entered_at)) / 86400.0)
                filter (where cohort.is_won) as median_days_to_win,
        from cohort
        group by cohort.{key_column}
        order by opportunities desc, group_key nulls last
        """,
        filters.params(),
    )
    conversions = fetch_df(
        source,
        f"""
        with {_COHORT_SQL}

        select
            cohort.{key_column} as group_key,
            fct.stage_order,
            'conversion_' || fct.stage_code as column_name,
            count(*) filter (where fct.advanced_to_next_stage) / count(*) as conversion_rate,
        from fct_funnel_stage_reached as fct
        inner join cohort on fct.opportunity_id = cohort.opportunity_id
        where not fct.is_final_stage
        group by all
        """,
        filters.params(),
    )
    if conversions.empty:
        return groups
    # null group keys (deals without a team, say) must survive the pivot and the merge
    missing_key = "\x00"
    wide = conversions.assign(group_key=conversions["group_key"].fillna(missing_key))
    column_order = wide.sort_values("stage_order")["column_name"].drop_duplicates().tolist()
    wide = wide.pivot(index="group_key", columns="column_name", values="conversion_rate")
    wide = wide[column_order].reset_index()
    merged = groups.assign(group_key=groups["group_key"].fillna(missing_key)).merge(
        wide, on="group_key", how="left"
    )
    return merged.assign(group_key=merged["group_key"].replace(missing_key, None))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def funnel_lost_reasons(source: Published, filters: FunnelFilters, lang: str) -> pd.DataFrame:
    """Lost deals of the filtered cohort by lost reason, most first: lost_reason (as the CRM
    writes it; null when none was given), reason_name (its name in ``lang``), opportunities_lost,
    amount_lost (CNY) and share (of the cohort's lost deals)."""
    name_column = "lost_reason" if lang == "zh" else "lost_reason_name_en"
    return fetch_df(
        source,
        f"""
        with {_COHORT_SQL},

        lost as (
            select
                lost_reason,
                count(*) as opportunities_lost,
                cast(coalesce(sum(amount), 0) as double) as amount_lost,
            from cohort
            where is_lost
            group by lost_reason
        )

        select
            lost.lost_reason,
            coalesce(reasons.{name_column}, lost.lost_reason) as reason_name,
            lost.opportunities_lost,
            lost.amount_lost,
            lost.opportunities_lost / sum(lost.opportunities_lost) over () as share,
        from lost
        left join dim_lost_reasons as reasons on lost.lost_reason = reasons.lost_reason
        order by lost.opportunities_lost desc, lost.lost_reason nulls last
        """,
        filters.params(),
    )
