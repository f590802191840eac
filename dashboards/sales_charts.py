"""Charts and tables of the sales overview page (``pages/sales_overview.py``): bookings against
quota, the team league and customer retention. Pure functions of the frames
``dashboards.sales_data`` returns."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from dashboards.charts import ACCENT, PRIMARY, _formatted, _labelled, _layout, format_cny
from dashboards.i18n import t

# --- sales overview -----------------------------------------------------------------------------

QUOTA_COLOUR = "#c0504d"


def bookings_chart(monthly: pd.DataFrame, lang: str) -> go.Figure:
    """Bookings (bars) against quota (line) per month, in 万元 (Chinese) or CNY M (English)."""
    scale, axis_key = (1e4, "axis_amount_zh") if lang == "zh" else (1e6, "axis_amount_en")
    months = pd.to_datetime(monthly["month_start"])
    bookings_label, quota_label = t("series_bookings", lang), t("series_quota", lang)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=months,
            y=monthly["bookings"] / scale,
            name=bookings_label,
            marker={"color": PRIMARY},
            customdata=[format_cny(v) for v in monthly["bookings"]],
            hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + bookings_label + "</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=monthly["quota"] / scale,
            name=quota_label,
            mode="lines+markers",
            line={"color": QUOTA_COLOUR, "width": 2.5},
            customdata=[format_cny(v) for v in monthly["quota"]],
            hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + quota_label + "</extra>",
        )
    )
    fig.update_xaxes(tickformat="%Y-%m", dtick="M1", title=None, showgrid=False)
    fig.update_yaxes(
        title=t(axis_key, lang), rangemode="tozero", gridcolor="#e5e9ef", tickformat=",~f"
    )
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
    )
    return _layout(fig, height=360)


LEAGUE_COLUMNS = {
    "region_name": "col_region",
    "team_name": "col_team",
    "bookings": "col_bookings",
    "quota": "col_quota",
    "attainment": "col_attainment",
    "deals_won": "col_deals_won",
    "revenue": "col_revenue",
}


def league_table(league: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per team with labelled columns; rows without a team are labelled so."""
    team_names = league["team_name"].where(league["team_id"] != "", t("no_team", lang))
    return _labelled(league.assign(team_name=team_names), LEAGUE_COLUMNS, lang)


def style_league_table(table: pd.DataFrame, lang: str) -> Styler:
    """Amounts as ``¥1,234,567``, attainment as ``75.0%``, ``—`` where there is no quota."""
    formats: dict[str, Any] = {key: format_cny for key in ("col_bookings", "col_quota")}
    formats |= {"col_revenue": format_cny, "col_attainment": "{:.1%}", "col_deals_won": "{:,.0f}"}
    return _formatted(table, lang, formats)


def league_excel_formats(lang: str) -> dict[str, str]:
    """Excel number formats of :func:`league_table` for :func:`table_to_excel`."""
    amounts = ("col_bookings", "col_quota", "col_revenue")
    return {t(key, lang): "¥#,##0" for key in amounts} | {t("col_attainment", lang): "0.0%"}


RETENTION_SERIES = {
    "repeat_purchase_rate": ("series_repeat_purchase", PRIMARY),
    "retention_rate": ("series_retention", ACCENT),
    "cross_sell_rate": ("series_cross_sell", QUOTA_COLOUR),
}
RETENTION_COLUMNS = {
    "quarter": "col_quarter",
    "customers_active": "col_customers_active",
    "customers_new": "col_customers_new",
    "customers_returning": "col_customers_returning",
    "customers_previous_quarter": "col_customers_previous_quarter",
    "customers_retained": "col_customers_retained",
    "customers_churned": "col_customers_churned",
    "customers_cross_sold": "col_customers_cross_sold",
    "repeat_purchase_rate": "col_repeat_purchase_rate",
    "retention_rate": "col_retention_rate",
    "cross_sell_rate": "col_cross_sell_rate",
}
_RETENTION_RATES = ("col_repeat_purchase_rate", "col_retention_rate", "col_cross_sell_rate")


def quarter_labels(quarters: pd.DataFrame, lang: str) -> pd.Series:
    """``2025-Q1``, with a running mark on the quarter that is not over yet."""
    starts = pd.to_datetime(quarters["quarter_start"])
    labels = starts.dt.year.astype(str) + "-Q" + starts.dt.quarter.astype(str)
    running = ~quarters["is_complete_quarter"].astype(bool)
    return labels.where(~running, labels + t("quarter_running", lang))


def retention_chart(quarters: pd.DataFrame, lang: str) -> go.Figure:
    """Repeat-purchase, retention and cross-sell rates per quarter."""
    labels = quarter_labels(quarters, lang).tolist()
    fig = go.Figure()
    for column, (key, colour) in RETENTION_SERIES.items():
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=quarters[column],
                name=t(key, lang),
                mode="lines+markers",
                line={"color": colour, "width": 2.5},
                hovertemplate="%{x}: %{y:.1%}<extra>" + t(key, lang) + "</extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", gridcolor="#e5e9ef")
    fig.update_xaxes(title=None, showgrid=False, type="category")
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
    )
    return _layout(fig, height=320)


def retention_table(quarters: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per quarter with labelled columns: customer counts, then the three rates."""
    return _labelled(
        quarters.assign(quarter=quarter_labels(quarters, lang)), RETENTION_COLUMNS, lang
    )


def style_retention_table(table: pd.DataFrame, lang: str) -> Styler:
    counts = [key for key in RETENTION_COLUMNS.values() if key.startswith("col_customers")]
    formats: dict[str, Any] = dict.fromkeys(counts, "{:,.0f}")
    return _formatted(table, lang, formats | dict.fromkeys(_RETENTION_RATES, "{:.1%}"))


def retention_excel_formats(lang: str) -> dict[str, str]:
    return {t(key, lang): "0.0%" for key in _RETENTION_RATES}
