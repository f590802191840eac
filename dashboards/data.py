"""Queries of the cockpit against the published marts.

The cockpit reads only the published copy of the marts (``medops.settings.paths().published``),
never the warehouse. The nightly build swaps that file with ``os.replace``, so every query opens
its own short-lived read-only connection and closes it; nothing holds the file open between
reruns. Each cached query takes a ``Published`` (path and modification time) as its first
argument, so a newly published file is never answered from the cache of the previous one.

All user choices reach the SQL as bound parameters, never by string formatting.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.access import Scope, open_scoped
from dashboards.auth_session import session_scope
from medops.settings import paths

CACHE_TTL_SECONDS = 300
SALES_FUNNEL_MARTS = (
    "fct_funnel_stage_reached",
    "dim_product_lines",
    "dim_sales_channels",
    "dim_lead_sources",
    "dim_lost_reasons",
)


class Published(NamedTuple):
    """The published file as it is now (its path and a version that changes on each swap),
    as seen by one scope. Every cached query takes it first, so the cache is keyed by both."""

    path: str
    version: int
    scope: Scope | None = None

    @property
    def published_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.version / 1e9)


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


def published_path() -> Path:
    """Where the cockpit expects the published marts (``$MEDOPS_HOME/published.duckdb``)."""
    return paths().published


def current_published(scope: Scope | None = None) -> Published | None:
    """The published file seen with ``scope`` (by default the logged-in session's), or None
    when no build has published one yet."""
    path = published_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return Published(str(path), stat.st_mtime_ns, scope or session_scope())


def fetch_df(source: Published, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rows of ``sql`` on the published file as the source's scope sees it, over a connection
    opened for this query only."""
    con = open_scoped(source.path, source.scope, sql)
    try:
        return con.execute(sql, params or {}).df()
    finally:
        con.close()


def fetch_rows(source: Published, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Like ``fetch_df``, as a list of tuples."""
    con = open_scoped(source.path, source.scope, sql)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def thin_export_shapes(source: Published, area: str) -> list[str]:
    """The thin export shapes (``rpt_export_shapes``) that the figures of ``area`` rest on;
    none when the published copy predates that mart."""
    if missing_marts(source, ("rpt_export_shapes",)):
        return []
    rows = fetch_rows(
        source,
        "select source_shape from rpt_export_shapes where area = $area order by source_shape",
        {"area": area},
    )
    return [shape for (shape,) in rows]


def missing_marts(source: Published, required: tuple[str, ...]) -> list[str]:
    """The tables of ``required`` that the published file does not contain."""
    rows = fetch_rows(
        source,
        "select table_name from information_schema.tables where table_schema = 'main'",
    )
    present = {name for (name,) in rows}
    return [name for name in required if name not in present]


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


# --- data quality -------------------------------------------------------------------------------

INGEST_FILES_MART = "rpt_ingest_files"
QUARANTINE_REASONS_MART = "rpt_quarantine_reasons"
VALIDATION_MART = "rpt_validation_latest"
FRESHNESS_MART = "rpt_source_freshness"
DATA_QUALITY_MARTS = (INGEST_FILES_MART, QUARANTINE_REASONS_MART, VALIDATION_MART, FRESHNESS_MART)
# Files no contract matched have no source; filters and tables show them under this key.
NO_SOURCE = ""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def ingest_kpis(source: Published) -> dict[str, Any]:
    """Headline figures over the files in force, from ``rpt_ingest_files``.

    Keys: files, files_rejected, rows_read, rows_loaded, rows_quarantined and
    quarantine_share (rows quarantined / rows read from the files that loaded; None when no
    row was read from a loaded file). Rows of files rejected whole count in rows_read only.
    """
    row = fetch_rows(
        source,
        """
        select
            count(*) as files,
            count(*) filter (where status = 'rejected') as files_rejected,
            coalesce(sum(rows_read), 0) as rows_read,
            coalesce(sum(rows_loaded), 0) as rows_loaded,
            coalesce(sum(rows_quarantined), 0) as rows_quarantined,
            coalesce(sum(rows_read) filter (where status = 'loaded'), 0) as rows_read_loaded,
        from rpt_ingest_files
        """,
    )[0]
    files, files_rejected, rows_read, rows_loaded, rows_quarantined, rows_read_loaded = map(
        int, row
    )
    return {
        "files": files,
        "files_rejected": files_rejected,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "quarantine_share": rows_quarantined / rows_read_loaded if rows_read_loaded else None,
    }


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def source_freshness(source: Published) -> pd.DataFrame:
    """One row per source that delivered a file, from ``rpt_source_freshness``, by system and
    source: files, rows read / loaded / quarantined, last file, age and freshness status."""
    return fetch_df(
        source,
        """
        select
            system,
            source,
            files_in_force,
            files_rejected,
            rows_read,
            rows_loaded,
            rows_quarantined,
            last_file_name,
            last_file_status,
            last_loaded_at,
            age_hours,
            freshness_status,
            warn_after_hours,
            error_after_hours,
            measured_at,
        from rpt_source_freshness
        order by system nulls last, source
        """,
    )


@st.cache_data(ttl=60, show_spinner=False)
def source_arrivals(source: Published) -> pd.DataFrame:
    """Per source whose contract declares an arrival time: the latest expected day's time, the
    time after which it is late, its last load and whether it is late now (medops/arrivals.py;
    arrival = a file of it loaded into this published copy)."""
    from ingest.contracts import load_contracts
    from medops.arrivals import arrival_status

    loaded = dict(fetch_rows(source, "select source, last_loaded_at from rpt_source_freshness"))
    statuses = arrival_status(load_contracts(), loaded, dt.datetime.now(dt.UTC))
    columns = ["system", "source", "expected_by", "late_after", "last_arrival", "late"]
    return pd.DataFrame(
        [
            (
                s.system,
                s.source,
                s.expected_by.replace(tzinfo=None),
                s.late_after.replace(tzinfo=None),
                s.last_arrival.replace(tzinfo=None) if s.last_arrival else None,
                s.late,
            )
            for s in sorted(statuses, key=lambda s: (not s.late, s.system, s.source))
        ],
        columns=columns,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def quarantine_sources(source: Published) -> list[str]:
    """The sources with quarantined rows or rejected files (``NO_SOURCE`` for files no
    contract matched), most quarantined first."""
    rows = fetch_rows(
        source,
        """
        select coalesce(source, '') as source_key,
        from rpt_quarantine_reasons
        group by source_key
        order by sum(rows_quarantined) desc, source_key
        """,
    )
    return [key for (key,) in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def quarantine_reasons(source: Published, sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per source and reason kind over the files in force, most rows first: rows
    quarantined, files, and an example from the newest of those files (file, data row, full
    reason). An empty ``sources`` means all of them."""
    return fetch_df(
        source,
        """
        with reasons as (
            select
                coalesce(source, '') as source_key,
                *,
            from rpt_quarantine_reasons
            where $sources::varchar[] is null or list_contains($sources, coalesce(source, ''))
        )

        select
            source_key as source,
            reason_kind,
            bool_or(is_whole_file) as is_whole_file,
            cast(sum(rows_quarantined) as bigint) as rows_quarantined,
            count(*) as files,
            first(file_name order by loaded_at desc, file_name) as example_file_name,
            first(example_row_number order by loaded_at desc, file_name) as example_row_number,
            first(example_reason order by loaded_at desc, file_name) as example_reason,
        from reasons
        group by source_key, reason_kind
        order by rows_quarantined desc, source_key, reason_kind
        """,
        {"sources": list(sources) or None},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def validation_results(source: Published) -> pd.DataFrame:
    """One row per expectation of each source's latest validation run, failed ones first."""
    return fetch_df(
        source,
        """
        select
            system,
            source,
            expectation,
            column_names,
            success,
            element_count,
            unexpected_count,
            unexpected_percent,
            partial_unexpected,
            validated_at,
        from rpt_validation_latest
        order by success, unexpected_count desc nulls last, source, expectation, column_names
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def ingest_files(source: Published) -> pd.DataFrame:
    """One row per file in force, newest first, from ``rpt_ingest_files``."""
    return fetch_df(
        source,
        """
        select
            system,
            coalesce(source, '') as source,
            file_name,
            status,
            rows_read,
            rows_loaded,
            rows_quarantined,
            quarantine_share,
            encoding,
            unmapped_columns,
            missing_columns,
            message,
            loaded_at,
        from rpt_ingest_files
        order by loaded_at desc, file_name
        """,
    )


# --- sales overview -----------------------------------------------------------------------------

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
        """
        with months as (
            select month_start, from rpt_quota_attainment_monthly
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
        """
        with teams as (
            select team_id, team_name, region_name, province_unit_name,
            from rpt_quota_attainment_monthly
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
            from rpt_quota_attainment_monthly
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
            from rpt_quota_attainment_monthly
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
            from rpt_quota_attainment_monthly
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


# --- sales alerts -------------------------------------------------------------------------------

ALERTS_MART = "rpt_sales_alerts"


class AlertFilters(NamedTuple):
    """The alert page's filters; an empty list means all of them."""

    rules: tuple[str, ...] = ()
    region_names: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    owner_ids: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "rules": list(self.rules) or None,
            "region_names": list(self.region_names) or None,
            "team_ids": list(self.team_ids) or None,
            "owner_ids": list(self.owner_ids) or None,
        }


_ALERTS_WHERE = """
    ($rules::varchar[] is null or list_contains($rules, alert_rule))
    and ($region_names::varchar[] is null or list_contains($region_names, region_name))
    and ($team_ids::varchar[] is null or list_contains($team_ids, team_id))
    and ($owner_ids::varchar[] is null or list_contains($owner_ids, owner_id))
"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alert_rules(source: Published) -> pd.DataFrame:
    """One row per rule with open alerts: alert_rule, alert_name_zh, alert_name_en."""
    return fetch_df(
        source,
        """
        select
            alert_rule,
            any_value(alert_name_zh) as alert_name_zh,
            any_value(alert_name_en) as alert_name_en,
        from rpt_sales_alerts
        group by alert_rule
        order by alert_rule
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alert_owners(source: Published) -> pd.DataFrame:
    """One row per owner with open alerts: owner_id, owner_name, team_name, region_name,
    team_id."""
    return fetch_df(
        source,
        """
        select
            owner_id,
            any_value(owner_name) as owner_name,
            any_value(team_id) as team_id,
            any_value(team_name) as team_name,
            any_value(region_name) as region_name,
        from rpt_sales_alerts
        where owner_id is not null
        group by owner_id
        order by region_name nulls last, team_name nulls last, owner_name, owner_id
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alerts_as_of(source: Published) -> dt.datetime | None:
    """The moment the alerts describe (the CRM's latest exported event), None without any."""
    return fetch_rows(source, "select max(as_of_at) from rpt_sales_alerts")[0][0]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alert_counts(source: Published, filters: AlertFilters) -> dict[str, int]:
    """Open alerts per rule under the region, team and owner filters (the rule filter is
    ignored, so every rule keeps its count)."""
    rows = fetch_rows(
        source,
        f"""
        select alert_rule, count(*) as alerts,
        from rpt_sales_alerts
        where {_ALERTS_WHERE}
        group by alert_rule
        """,
        filters._replace(rules=()).params(),
    )
    return {rule: int(count) for rule, count in rows}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sales_alerts(source: Published, filters: AlertFilters) -> pd.DataFrame:
    """The open alerts under the filters, the longest untouched first."""
    return fetch_df(
        source,
        f"""
        select
            alert_rule,
            alert_name_zh,
            alert_name_en,
            subject_id,
            stage_code,
            owner_id,
            owner_name,
            manager_id,
            manager_name,
            team_id,
            team_name,
            province_unit_name,
            region_name,
            last_touch_at,
            as_of_at,
            days_since,
            threshold,
            threshold_unit,
            cast(amount as double) as amount,
        from rpt_sales_alerts
        where {_ALERTS_WHERE}
        order by days_since desc nulls last, alert_rule, subject_id
        """,
        filters.params(),
    )
