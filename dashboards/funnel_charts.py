"""Charts and tables of the sales funnel page (``pages/sales_funnel.py``): the funnel, the monthly
trend, the stage conversion table, the breakdown by region, rep, product line, channel or lead
source, and the lost reasons. Pure functions of the frames ``dashboards.funnel_data`` returns."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards.charts import ACCENT, PRIMARY, _formatted, _labelled, _layout, format_cny
from dashboards.i18n import t

FUNNEL_COLOURS = ("#1f4e79", "#2b6599", "#3a7cb8", "#5b97cc", "#2e8b57")


def stage_names(stages: pd.DataFrame, lang: str) -> pd.Series:
    """The stage name column in the chosen language."""
    return stages["stage_name_zh" if lang == "zh" else "stage_name_en"]


def funnel_chart(stages: pd.DataFrame, lang: str) -> go.Figure:
    """Opportunities reaching each stage, top to bottom in stage order."""
    stages = stages.sort_values("stage_order")
    fig = go.Figure(
        go.Funnel(
            y=stage_names(stages, lang).tolist(),
            x=stages["opportunities_reached"].tolist(),
            textinfo="value+percent initial",
            textposition="inside",
            marker={"color": list(FUNNEL_COLOURS[: len(stages)]) or None},
            connector={"fillcolor": "#e3eaf2", "line": {"width": 0}},
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    return _layout(fig, height=360)


def trend_chart(trend: pd.DataFrame, lang: str) -> go.Figure:
    """New opportunities (reached the first stage) and deals won, per month."""
    months = pd.to_datetime(trend["month_start"])
    fig = go.Figure()
    for column, label, colour in (
        ("opportunities_new", t("series_new", lang), PRIMARY),
        ("opportunities_won", t("series_won", lang), ACCENT),
    ):
        fig.add_trace(
            go.Scatter(
                x=months,
                y=trend[column],
                name=label,
                mode="lines+markers",
                line={"color": colour, "width": 2.5},
                hovertemplate="%{x|%Y-%m}: %{y:,}<extra>" + label + "</extra>",
            )
        )
    fig.update_xaxes(tickformat="%Y-%m", dtick="M1", title=None, showgrid=False)
    peak = int(trend[["opportunities_new", "opportunities_won"]].to_numpy().max(initial=0))
    fig.update_yaxes(
        title=t("axis_opportunities", lang),
        rangemode="tozero",
        gridcolor="#e5e9ef",
        tickformat=",d",
        dtick=1 if peak < 8 else None,  # counts: no fractional ticks on small numbers
    )
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
    )
    return _layout(fig, height=360)


CONVERSION_COLUMNS = {
    "stage_order": "col_stage_order",
    "stage_name": "col_stage",
    "opportunities_reached": "col_reached",
    "opportunities_advanced": "col_advanced",
    "conversion_rate": "col_conversion",
    "amount_reached": "col_amount",
    "stays_completed": "col_stays",
    "median_days_in_stage": "col_median_days",
    "p75_days_in_stage": "col_p75_days",
    "p90_days_in_stage": "col_p90_days",
}


def conversion_table(stages: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per stage with labelled columns: reached, advanced, conversion (a ratio),
    amount (CNY) and median / P75 / P90 days in stage."""
    table = stages.sort_values("stage_order").assign(stage_name=stage_names(stages, lang))
    table = table[list(CONVERSION_COLUMNS)]
    return table.rename(columns={col: t(key, lang) for col, key in CONVERSION_COLUMNS.items()})


def style_conversion_table(table: pd.DataFrame, lang: str) -> Styler:
    """Display formats of :func:`conversion_table` for ``st.dataframe``: counts with
    separators, conversion as ``80.0%``, amounts as ``¥1,234,567``, days with one decimal and
    ``—`` where there is no figure (the final stage has no conversion, open stays no days)."""
    counts = ("col_reached", "col_advanced", "col_stays")
    days = ("col_median_days", "col_p75_days", "col_p90_days")
    formats: dict[str, Any] = {key: "{:,.0f}" for key in counts}
    formats |= {key: "{:,.1f}" for key in days}
    formats |= {"col_conversion": "{:.1%}", "col_amount": format_cny}
    return _formatted(table, lang, formats)


def conversion_column_config(lang: str) -> dict[str, Any]:
    """Column widths for ``st.dataframe`` of :func:`conversion_table`."""
    return {
        t("col_stage_order", lang): st.column_config.NumberColumn(width="small"),
        t("col_stage", lang): st.column_config.TextColumn(width="small"),
    }


# --- funnel breakdown and lost reasons ------------------------------------------------------------

BREAKDOWN_COLUMNS = {
    "group_name": "col_group",
    "opportunities": "col_entered",
    "won": "col_won",
    "win_rate": "col_win_rate",
    "won_amount": "col_won_amount",
    "average_deal_size": "col_average_deal_size",
    "median_days_to_win": "col_median_days_to_win",
}


def _conversion_labels(stages: pd.DataFrame, lang: str) -> dict[str, str]:
    """``conversion_<stage_code>`` column -> its label (``需求确认转化率``), in stage order."""
    ordered = stages.sort_values("stage_order")
    names = stage_names(ordered, lang)
    return {
        f"conversion_{code}": t("col_conversion_of", lang).format(stage=name)
        for code, name in zip(ordered["stage_code"], names, strict=True)
    }


def breakdown_table(
    breakdown: pd.DataFrame,
    stages: pd.DataFrame,
    lang: str,
    code_labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per group with labelled columns: the group's name (``code_labels`` names the
    codes of a code level; a group without a key is labelled as unassigned), deals entered,
    won, win rate, won amount, average deal size, median days to win, then one conversion
    column per funnel stage before won."""
    if code_labels is not None:
        names = breakdown["group_key"].map(lambda key: code_labels.get(key, key))
    else:
        names = breakdown["group_name"]
    names = names.where(breakdown["group_key"].notna(), t("group_unassigned", lang))
    conversions = {
        column: label
        for column, label in _conversion_labels(stages, lang).items()
        if column in breakdown.columns
    }
    table = breakdown.assign(group_name=names)[[*BREAKDOWN_COLUMNS, *conversions]]
    labels = {column: t(key, lang) for column, key in BREAKDOWN_COLUMNS.items()}
    return table.rename(columns=labels | conversions)


def _breakdown_rate_labels(table: pd.DataFrame, lang: str) -> list[str]:
    suffix = t("col_conversion_of", lang).format(stage="")
    return [t("col_win_rate", lang)] + [c for c in table.columns if c.endswith(suffix)]


def style_breakdown_table(table: pd.DataFrame, lang: str) -> Styler:
    """Counts with separators, rates as ``40.0%``, amounts as ``¥1,234,567``, days ``58.0``."""
    formats: dict[str, Any] = {key: "{:,.0f}" for key in ("col_entered", "col_won")}
    formats |= {"col_won_amount": format_cny, "col_average_deal_size": format_cny}
    formats |= {"col_median_days_to_win": "{:,.1f}"}
    rates = dict.fromkeys(_breakdown_rate_labels(table, lang), "{:.1%}")
    return _formatted(table, lang, formats).format(rates, na_rep="—")


def breakdown_excel_formats(table: pd.DataFrame, lang: str) -> dict[str, str]:
    """Excel number formats of :func:`breakdown_table` for :func:`table_to_excel`."""
    amounts = {t(key, lang): "¥#,##0" for key in ("col_won_amount", "col_average_deal_size")}
    rates = dict.fromkeys(_breakdown_rate_labels(table, lang), "0.0%")
    return amounts | rates | {t("col_median_days_to_win", lang): "0.0"}


LOST_COLOUR = "#c0504d"
LOST_REASON_COLUMNS = {
    "reason_name": "col_lost_reason",
    "opportunities_lost": "col_opportunities_lost",
    "amount_lost": "col_amount_lost",
    "share": "col_share_lost",
}


def lost_reasons_table(reasons: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per lost reason with labelled columns; a missing reason is labelled so."""
    names = reasons["reason_name"].where(
        reasons["lost_reason"].notna(), t("reason_not_given", lang)
    )
    return _labelled(reasons.assign(reason_name=names), LOST_REASON_COLUMNS, lang)


def style_lost_reasons_table(table: pd.DataFrame, lang: str) -> Styler:
    formats: dict[str, Any] = {"col_opportunities_lost": "{:,.0f}", "col_amount_lost": format_cny}
    return _formatted(table, lang, formats | {"col_share_lost": "{:.1%}"})


def lost_reasons_excel_formats(lang: str) -> dict[str, str]:
    return {t("col_amount_lost", lang): "¥#,##0", t("col_share_lost", lang): "0.0%"}


def lost_reasons_chart(table: pd.DataFrame, lang: str) -> go.Figure:
    """Deals lost per reason (the labelled table of :func:`lost_reasons_table`), most first."""
    reasons, counts = t("col_lost_reason", lang), t("col_opportunities_lost", lang)
    fig = go.Figure(
        go.Bar(
            x=table[counts].tolist(),
            y=table[reasons].tolist(),
            orientation="h",
            marker={"color": LOST_COLOUR},
            text=table[counts].tolist(),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None, automargin=True)
    fig.update_xaxes(title=counts, rangemode="tozero", gridcolor="#e5e9ef", tickformat=",d")
    return _layout(fig, height=max(220, 32 * len(table) + 80))
