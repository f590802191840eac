"""Queries of the sales-forecast page against the published forecast and pipeline-health marts.

A forecast series is the company, one product line or one team (the marts hold no team x
product line series); the page's team and product-line filters pick the series with
:func:`series_for`. Pipeline health has team x product line rows and takes both filters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df

LATEST_MART = "rpt_forecast_latest"
BACKTEST_MART = "rpt_forecast_backtest"
ACCURACY_MART = "rpt_forecast_accuracy"
ACTUALS_MART = "rpt_forecast_actuals_monthly"
HEALTH_MART = "rpt_pipeline_health_monthly"
COVERAGE_MART = "rpt_pipeline_coverage_monthly"
FORECAST_MARTS = (
    LATEST_MART,
    BACKTEST_MART,
    ACCURACY_MART,
    ACTUALS_MART,
    HEALTH_MART,
    COVERAGE_MART,
)
METHODS = ("weighted_pipeline", "time_series")
MEASURES = ("bookings", "collections")


class Series(NamedTuple):
    """One forecast series: measure and (level, key) as the marts name them."""

    measure: str
    level: str
    key: str

    def params(self) -> dict[str, Any]:
        return {"measure": self.measure, "level": self.level, "key": self.key}


def series_for(measure: str, team_id: str | None, product_line: str | None) -> Series:
    """The series a filter choice shows: a team's when a team is chosen, else a product
    line's (bookings only: collections are not split by product line), else the company's."""
    if team_id:
        return Series(measure, "team", team_id)
    if product_line and measure == "bookings":
        return Series(measure, "product_line", product_line)
    return Series(measure, "company", "all")


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def series_options(source: Published) -> pd.DataFrame:
    """Teams and product lines that have a forecast series: level, key, name."""
    return fetch_df(
        source,
        f"""
        select distinct series_level, series_key, series_name
        from {ACTUALS_MART}
        where series_level in ('team', 'product_line') and measure = 'bookings'
        order by series_level, series_name nulls last, series_key
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def actuals(source: Published, series: Series, months: int) -> pd.DataFrame:
    """The series' last ``months`` months of actuals: month_start, actual_amount, is_complete."""
    return fetch_df(
        source,
        f"""
        select month_start, cast(actual_amount as double) as actual_amount, is_complete
        from {ACTUALS_MART}
        where measure = $measure and series_level = $level and series_key = $key
        qualify row_number() over (order by month_start desc) <= $months
        order by month_start
        """,
        series.params() | {"months": months},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def latest_forecast(source: Published, series: Series) -> pd.DataFrame:
    """Tonight's forecast of both methods with intervals and backtest accuracy beside it."""
    return fetch_df(
        source,
        f"""
        select forecast_method, origin_month, months_ahead, target_month, forecast_amount,
            lo_80, hi_80, lo_95, hi_95, backtest_mape, backtest_bias, backtest_months
        from {LATEST_MART}
        where measure = $measure and series_level = $level and series_key = $key
        order by forecast_method, target_month
        """,
        series.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def backtest(source: Published, series: Series, months_ahead: int) -> pd.DataFrame:
    """Past forecasts made ``months_ahead`` months before each complete target month, both
    methods, with the actual."""
    return fetch_df(
        source,
        f"""
        select forecast_method, origin_month, target_month, forecast_amount, lo_80, hi_80,
            actual_amount, error_amount, abs_pct_error
        from {BACKTEST_MART}
        where measure = $measure and series_level = $level and series_key = $key
            and months_ahead = $months_ahead and actual_amount is not null
        order by target_month, forecast_method
        """,
        series.params() | {"months_ahead": months_ahead},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def accuracy(source: Published, series: Series) -> pd.DataFrame:
    """Backtest accuracy of both methods for the series, per months ahead."""
    return fetch_df(
        source,
        f"""
        select forecast_method, months_ahead, mape, bias, months_compared,
            interval_80_hit_rate, first_origin_month, last_origin_month
        from {ACCURACY_MART}
        where measure = $measure and series_level = $level and series_key = $key
        order by months_ahead, forecast_method
        """,
        series.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def pipeline_health(
    source: Published, team_id: str | None, product_line: str | None, months: int
) -> pd.DataFrame:
    """Pipeline created, open at month start, overdue and slipped per month, summed over the
    chosen team and product line (all when not chosen), the last ``months`` months."""
    return fetch_df(
        source,
        f"""
        select
            month_start,
            sum(opportunities_created) as opportunities_created,
            sum(amount_created)::double as amount_created,
            sum(open_opportunities) as open_opportunities,
            sum(open_amount)::double as open_amount,
            sum(weighted_open_amount) as weighted_open_amount,
            sum(overdue_opportunities) as overdue_opportunities,
            sum(overdue_amount)::double as overdue_amount,
            sum(close_dates_pushed_out) as close_dates_pushed_out,
            sum(moved_out_of_month) as moved_out_of_month,
            sum(moved_out_amount)::double as moved_out_amount
        from {HEALTH_MART}
        where ($team_id is null or team_id = $team_id)
            and ($product_line is null or product_line = $product_line)
        group by month_start
        qualify row_number() over (order by month_start desc) <= $months
        order by month_start
        """,
        {"team_id": team_id, "product_line": product_line, "months": months},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def coverage(source: Published, team_id: str | None, months: int) -> pd.DataFrame:
    """Weighted open pipeline against quota per month for the team (all teams summed when
    none is chosen: coverage is recomputed from the sums, never averaged)."""
    return fetch_df(
        source,
        f"""
        select
            month_start,
            any_value(coverage_months) as coverage_months,
            sum(weighted_open_amount) as weighted_open_amount,
            sum(quota_amount)::double as quota_amount,
            sum(weighted_open_amount) / nullif(sum(quota_amount)::double, 0) as coverage
        from {COVERAGE_MART}
        where ($team_id is null or team_id = $team_id)
        group by month_start
        qualify row_number() over (order by month_start desc) <= $months
        order by month_start
        """,
        {"team_id": team_id, "months": months},
    )


def latest_origin(forecast: pd.DataFrame) -> dt.date | None:
    """The origin month of tonight's forecast (None when there is none)."""
    return None if forecast.empty else forecast["origin_month"].max()
