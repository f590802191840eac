"""Charts, KPI-card figures and labelled tables of the service pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from dashboards.charts import (
    ACCENT,
    PRIMARY,
    _formatted,
    _layout,
    format_cny,
    format_percent,
    format_points,
)
from dashboards.i18n import t

TARGET_COLOURS = {"accept": PRIMARY, "arrive": "#5b97cc", "resolve": ACCENT}
COST_COLOUR = "#c0504d"
# KPI card: figure format and how the card reads the target (seed service_kpi_targets)
KPI_CARDS = (
    ("sla_attainment", "percent"),
    ("median_accept_hours", "hours"),
    ("median_resolve_hours", "hours"),
    ("first_time_fix_rate", "percent"),
    ("repeat_fault_rate", "percent"),
    ("reopen_rate", "percent"),
    ("remote_share", "percent"),
    ("csat_average", "score"),
)


def sheet_name(title: str) -> str:
    """An Excel sheet name from a section title: no []:*?/\\ and at most 31 characters."""
    return "".join(" " if c in "[]:*?/\\" else c for c in title)[:31].strip()


def format_kpi(value: float | None, kind: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if kind == "percent":
        return format_percent(value)
    if kind == "hours":
        return f"{value:,.1f} h"
    return f"{value:.2f}"


def kpi_card(
    code: str, kind: str, value: float | None, targets: pd.DataFrame, lang: str
) -> dict[str, Any]:
    """Label, figure, and the gap to target as a delta Streamlit colours by direction."""
    row = targets.loc[targets["kpi_code"] == code]
    if row.empty:
        return {"code": code, "label": code, "value": format_kpi(value, kind), "delta": None}
    target = row.iloc[0]
    label = target["kpi_name_zh"] if lang == "zh" else target["kpi_name_en"]
    delta = None
    colour = "normal" if target["better"] == "higher" else "inverse"
    if value is not None and not pd.isna(value):
        gap = value - float(target["target_value"])
        shown = format_points(gap, lang) if kind == "percent" else format_kpi(gap, kind)
        if gap > 0 and kind != "percent":
            shown = "+" + shown
        delta = f"{shown} {t('service_target', lang)} {format_kpi(target['target_value'], kind)}"
    return {
        "code": code,
        "label": label,
        "value": format_kpi(value, kind),
        "delta": delta,
        "colour": colour,
    }


def attainment_chart(trend: pd.DataFrame, lang: str) -> go.Figure:
    """SLA attainment per month, one line per target."""
    fig = go.Figure()
    for target, colour in TARGET_COLOURS.items():
        rows = trend[trend["sla_target"] == target]
        if rows.empty:
            continue
        name = t(f"service_target_{target}", lang)
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(rows["month_start"]),
                y=rows["attainment"],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 2.5},
                hovertemplate="%{x|%Y-%m}: %{y:.1%}<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(tickformat="%Y-%m", title=None, showgrid=False)
    fig.update_yaxes(
        title=t("service_axis_attainment", lang), tickformat=".0%", gridcolor="#e5e9ef"
    )
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})
    return _layout(fig, height=320)


def pnl_chart(pnl: pd.DataFrame, lang: str) -> go.Figure:
    """Revenue and cost (bars) and margin (line) per month, in 万元 / CNY M."""
    scale, axis_key = (
        (1e4, "service_axis_amount_zh") if lang == "zh" else (1e6, "service_axis_amount_en")
    )
    months = pd.to_datetime(pnl["month_start"])
    fig = go.Figure()
    for column, key, colour in (
        ("revenue", "service_series_revenue", PRIMARY),
        ("total_cost", "service_series_cost", COST_COLOUR),
    ):
        name = t(key, lang)
        fig.add_trace(
            go.Bar(
                x=months,
                y=pnl[column].astype(float) / scale,
                name=name,
                marker={"color": colour},
                customdata=[format_cny(float(v)) for v in pnl[column]],
                hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + name + "</extra>",
            )
        )
    name = t("service_series_margin", lang)
    fig.add_trace(
        go.Scatter(
            x=months,
            y=pnl["margin"].astype(float) / scale,
            name=name,
            mode="lines+markers",
            line={"color": ACCENT, "width": 2.5},
            customdata=[format_cny(float(v)) for v in pnl["margin"]],
            hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + name + "</extra>",
        )
    )
    fig.update_xaxes(tickformat="%Y-%m", title=None, showgrid=False)
    fig.update_yaxes(title=t(axis_key, lang), gridcolor="#e5e9ef", tickformat=",~f")
    fig.update_layout(
        barmode="group", legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}
    )
    return _layout(fig, height=360)


def _labelled(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    return frame[list(columns)].rename(columns={c: t(k, lang) for c, k in columns.items()})


OPEN_COLUMNS = {
    "ticket_id": "service_col_ticket",
    "state": "service_col_state",
    "current_priority": "service_col_priority",
    "region_name": "service_col_region",
    "account_name": "service_col_account",
    "device_model": "service_col_model",
    "engineer_name": "service_col_engineer",
    "open_age_days": "service_col_age_days",
    "next_due_at": "service_col_due_at",
    "business_minutes_to_next_breach": "service_col_minutes_left",
}
PRIORITY_LABELS = {"p1_critical": "紧急", "p2_high": "高", "p3_medium": "中", "p4_low": "低"}


def open_tickets_table(tickets: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Open tickets with a state label: breached, at risk, in time."""
    state = (
        tickets["is_breached"]
        .map({True: "breached", False: None})
        .fillna(tickets["is_at_risk"].map({True: "at_risk", False: "in_time"}))
    )
    frame = tickets.assign(
        state=[t(f"service_state_{s}", lang) for s in state.fillna("in_time")],
        current_priority=tickets["current_priority"].map(
            lambda p: PRIORITY_LABELS.get(p, p) if lang == "zh" else p
        ),
    )
    return _labelled(frame, OPEN_COLUMNS, lang)


def style_open_tickets(table: pd.DataFrame, lang: str) -> Styler:
    return _formatted(
        table,
        lang,
        {
            "service_col_age_days": "{:,.1f}",
            "service_col_minutes_left": "{:,.0f}",
            "service_col_due_at": lambda v: "—" if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}",
        },
    )


ENGINEER_COLUMNS = {
    "engineer_name": "service_col_engineer",
    "region_name": "service_col_region",
    "tickets_resolved": "service_col_resolved",
    "sla_attainment": "service_col_sla",
    "first_time_fix_rate": "service_col_ftf",
    "csat_average": "service_col_csat",
    "work_hours": "service_col_hours",
    "travel_km": "service_col_km",
    "utilization": "service_col_utilization",
}
ENGINEER_FORMATS: dict[str, Any] = {
    "service_col_resolved": "{:,.0f}",
    "service_col_sla": "{:.1%}",
    "service_col_ftf": "{:.1%}",
    "service_col_csat": "{:.2f}",
    "service_col_hours": "{:,.1f}",
    "service_col_km": "{:,.0f}",
    "service_col_utilization": "{:.1%}",
}
RELIABILITY_COLUMNS = {
    "device_model": "service_col_model",
    "devices_installed": "service_col_devices",
    "device_years": "service_col_device_years",
    "tickets": "service_col_tickets",
    "failures_per_device_year": "service_col_failure_rate",
    "mean_days_between_failures": "service_col_mtbf",
    "mean_time_to_repair_hours": "service_col_mttr",
}
RELIABILITY_FORMATS: dict[str, Any] = {
    "service_col_devices": "{:,.0f}",
    "service_col_device_years": "{:,.1f}",
    "service_col_tickets": "{:,.0f}",
    "service_col_failure_rate": "{:.2f}",
    "service_col_mtbf": "{:,.0f}",
    "service_col_mttr": "{:,.1f}",
}
STOCK_COLUMNS = {
    "warehouse_id": "service_col_warehouse",
    "warehouse_province": "service_col_province",
    "part_lines": "service_col_part_lines",
    "stock_value": "service_col_stock_value",
    "lines_out_of_stock": "service_col_out_of_stock",
    "lines_under_30_days": "service_col_under_30",
}
STOCK_FORMATS: dict[str, Any] = {
    "service_col_part_lines": "{:,.0f}",
    "service_col_stock_value": format_cny,
    "service_col_out_of_stock": "{:,.0f}",
    "service_col_under_30": "{:,.0f}",
}
PARTS_COLUMNS = {
    "device_model": "service_col_model",
    "fault_type": "service_col_fault",
    "tickets": "service_col_tickets",
    "quantity": "service_col_quantity",
    "parts_cost": "service_col_parts_cost",
    "cost_per_ticket": "service_col_cost_per_ticket",
}
PARTS_FORMATS: dict[str, Any] = {
    "service_col_tickets": "{:,.0f}",
    "service_col_quantity": "{:,.0f}",
    "service_col_parts_cost": format_cny,
    "service_col_cost_per_ticket": format_cny,
}
COVERED_OVERDUE_COLUMNS = {
    "serial_no": "service_col_serial",
    "device_model": "service_col_model",
    "account_name": "service_col_account",
    "region_name": "service_col_region",
    "coverage_status": "service_col_coverage",
    "customer_overdue_amount": "service_col_customer_overdue",
    "customer_max_days_overdue": "service_col_customer_days_overdue",
    "open_tickets": "service_col_open_tickets",
}
COVERED_OVERDUE_FORMATS: dict[str, Any] = {
    "service_col_customer_overdue": format_cny,
    "service_col_customer_days_overdue": "{:,.0f}",
    "service_col_open_tickets": "{:,.0f}",
}
PNL_COLUMNS = {
    "month_start": "service_col_month",
    "contract_revenue": "service_col_contract_revenue",
    "repair_revenue": "service_col_repair_revenue",
    "revenue": "service_col_revenue",
    "engineer_cost": "service_col_engineer_cost",
    "travel_cost": "service_col_travel_cost",
    "parts_cost": "service_col_parts_cost",
    "total_cost": "service_col_total_cost",
    "margin": "service_col_margin",
}
PNL_FORMATS: dict[str, Any] = {key: format_cny for key in list(PNL_COLUMNS.values())[1:]}


def labelled_table(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    """``frame``'s ``columns`` in order, labelled in ``lang``; months as ``YYYY-MM`` and
    amounts as floats (DuckDB decimals arrive as Python Decimal)."""
    frame = frame.copy()
    if "month_start" in frame:
        frame["month_start"] = pd.to_datetime(frame["month_start"]).dt.strftime("%Y-%m")
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return _labelled(frame, columns, lang)


def style_table(table: pd.DataFrame, lang: str, formats: dict[str, Any]) -> Styler:
    return _formatted(table, lang, formats)


def excel_formats(formats: dict[str, Any], lang: str) -> dict[str, str]:
    """Excel number formats matching the display formats of a table."""
    out = {}
    for key, fmt in formats.items():
        if fmt is format_cny:
            out[t(key, lang)] = "¥#,##0"
        elif isinstance(fmt, str) and "%" in fmt:
            out[t(key, lang)] = "0.0%"
        elif isinstance(fmt, str) and ".2f" in fmt:
            out[t(key, lang)] = "0.00"
        elif isinstance(fmt, str) and ".1f" in fmt:
            out[t(key, lang)] = "#,##0.0"
        else:
            out[t(key, lang)] = "#,##0"
    return out
