"""Chart and table builders of the cockpit (Plotly figures, pandas tables, Excel export).

Pure functions of the frames that ``dashboards.data`` returns; nothing here reads data or
draws on the page.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards.i18n import t

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
PRIMARY = "#1f4e79"
ACCENT = "#2e8b57"
FUNNEL_COLOURS = ("#1f4e79", "#2b6599", "#3a7cb8", "#5b97cc", "#2e8b57")


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_cny(value: float | None) -> str:
    """An amount in CNY rounded to the yuan, e.g. ``¥1,234,567``; ``—`` when unknown."""
    if _is_missing(value):
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.0f}"


def format_cny_compact(value: float | None, lang: str) -> str:
    """A large amount short enough for a KPI card: ``¥155.0万`` / ``¥1.13亿`` in Chinese,
    ``¥1.55M`` in English; ``—`` when unknown."""
    if _is_missing(value):
        return "—"
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if lang == "zh":
        if amount >= 1e8:
            return f"{sign}¥{amount / 1e8:,.2f}亿"
        if amount >= 1e4:
            return f"{sign}¥{amount / 1e4:,.1f}万"
    elif amount >= 1e6:
        return f"{sign}¥{amount / 1e6:,.2f}M"
    return format_cny(value)


def format_percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal, e.g. ``40.0%``; ``—`` when unknown."""
    return "—" if _is_missing(value) else f"{value:.1%}"


def format_count(value: int) -> str:
    return f"{value:,}"


def format_days(value: float | None) -> str:
    """Days with one decimal, e.g. ``58.0``; ``—`` when unknown."""
    return "—" if _is_missing(value) else f"{value:,.1f}"


def stage_names(stages: pd.DataFrame, lang: str) -> pd.Series:
    """The stage name column in the chosen language."""
    return stages["stage_name_zh" if lang == "zh" else "stage_name_en"]


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT_FAMILY, "size": 13},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


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
    formats = {t(key, lang): "{:,.0f}" for key in counts}
    formats |= {t(key, lang): "{:,.1f}" for key in days}
    formats[t("col_conversion", lang)] = "{:.1%}"
    formats[t("col_amount", lang)] = format_cny
    return table.style.format(formats, na_rep="—")


def conversion_column_config(lang: str) -> dict[str, Any]:
    """Column widths for ``st.dataframe`` of :func:`conversion_table`."""
    return {
        t("col_stage_order", lang): st.column_config.NumberColumn(width="small"),
        t("col_stage", lang): st.column_config.TextColumn(width="small"),
    }


def table_to_excel(table: pd.DataFrame, sheet_name: str, lang: str) -> bytes:
    """The conversion table as an .xlsx file (xlsxwriter), with percent and CNY formats."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        table.to_excel(writer, sheet_name=sheet_name, index=False)
        workbook = writer.book
        sheet = writer.sheets[sheet_name]
        header = workbook.add_format({"bold": True, "bg_color": "#dde6f0", "border": 1})
        formats = {
            t("col_conversion", lang): workbook.add_format({"num_format": "0.0%"}),
            t("col_amount", lang): workbook.add_format({"num_format": "¥#,##0"}),
            t("col_median_days", lang): workbook.add_format({"num_format": "0.0"}),
            t("col_p75_days", lang): workbook.add_format({"num_format": "0.0"}),
            t("col_p90_days", lang): workbook.add_format({"num_format": "0.0"}),
        }
        for index, column in enumerate(table.columns):
            sheet.write(0, index, column, header)
            sheet.set_column(index, index, max(12, len(str(column)) * 2), formats.get(column))
        sheet.freeze_panes(1, 0)
    return buffer.getvalue()
