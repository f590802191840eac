"""Charts and tables of the sales-forecast page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from dashboards.charts import ACCENT, PRIMARY, _formatted, _labelled, _layout, format_cny
from dashboards.i18n import t

METHOD_COLOURS = {"weighted_pipeline": ACCENT, "time_series": PRIMARY}
INTERVAL_FILL = {80: "rgba(31, 78, 121, 0.22)", 95: "rgba(31, 78, 121, 0.10)"}


def method_label(method: str, lang: str) -> str:
    return t(f"forecast_method_{method}", lang)


def _scale(lang: str) -> tuple[float, str]:
    return (1e4, "axis_amount_zh") if lang == "zh" else (1e6, "axis_amount_en")


def forecast_chart(
    actuals: pd.DataFrame, backtest: pd.DataFrame, latest: pd.DataFrame, lang: str
) -> go.Figure:
    """Actuals (line), the backtest's past forecasts of both methods (dotted) and tonight's
    forecasts, the time series with its 95 % and 80 % intervals as bands."""
    scale, axis_key = _scale(lang)
    fig = go.Figure()
    for level in (95, 80):
        band = latest[latest["forecast_method"] == "time_series"].sort_values("target_month")
        if band.empty:
            continue
        months = pd.to_datetime(band["target_month"])
        fig.add_trace(
            go.Scatter(
                x=pd.concat([months, months[::-1]]),
                y=pd.concat([band[f"hi_{level}"], band[f"lo_{level}"][::-1]]) / scale,
                fill="toself",
                fillcolor=INTERVAL_FILL[level],
                mode="lines",
                line={"width": 0},
                name=t(f"forecast_interval_{level}", lang),
                hoverinfo="skip",
            )
        )
    actual_label = t("forecast_series_actual", lang)
    fig.add_trace(
        go.Scatter(
            x=pd.to_datetime(actuals["month_start"]),
            y=actuals["actual_amount"] / scale,
            name=actual_label,
            mode="lines+markers",
            line={"color": "#333333", "width": 2.5},
            customdata=[format_cny(v) for v in actuals["actual_amount"]],
            hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + actual_label + "</extra>",
        )
    )
    for method, colour in METHOD_COLOURS.items():
        past = backtest[backtest["forecast_method"] == method]
        if not past.empty:
            label = method_label(method, lang) + t("forecast_backtest_suffix", lang)
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(past["target_month"]),
                    y=past["forecast_amount"] / scale,
                    name=label,
                    mode="lines",
                    line={"color": colour, "dash": "dot", "width": 1.5},
                    customdata=[format_cny(v) for v in past["forecast_amount"]],
                    hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + label + "</extra>",
                )
            )
        ahead = latest[latest["forecast_method"] == method]
        if not ahead.empty:
            label = method_label(method, lang)
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(ahead["target_month"]),
                    y=ahead["forecast_amount"] / scale,
                    name=label,
                    mode="lines+markers",
                    line={"color": colour, "width": 2.5},
                    marker={"size": 9, "symbol": "diamond"},
                    customdata=[format_cny(v) for v in ahead["forecast_amount"]],
                    hovertemplate="%{x|%Y-%m}: %{customdata}<extra>" + label + "</extra>",
                )
            )
    fig.update_xaxes(tickformat="%Y-%m", title=None, showgrid=False)
    fig.update_yaxes(
        title=t(axis_key, lang), rangemode="tozero", gridcolor="#e5e9ef", tickformat=",~f"
    )
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
    )
    return _layout(fig, height=420)


def coverage_chart(coverage: pd.DataFrame, lang: str) -> go.Figure:
    """Coverage per month (a ratio, 1.0 = the weighted pipeline equals the quota ahead)."""
    label = t("forecast_col_coverage", lang)
    fig = go.Figure(
        go.Bar(
            x=pd.to_datetime(coverage["month_start"]),
            y=coverage["coverage"],
            name=label,
            marker={"color": PRIMARY},
            hovertemplate="%{x|%Y-%m}: %{y:.0%}<extra>" + label + "</extra>",
        )
    )
    fig.add_hline(y=1.0, line={"color": "#c0504d", "dash": "dash"})
    fig.update_xaxes(tickformat="%Y-%m", title=None, showgrid=False)
    fig.update_yaxes(title=label, tickformat=".0%", gridcolor="#e5e9ef", rangemode="tozero")
    return _layout(fig, height=300)


LATEST_COLUMNS = {
    "method": "forecast_col_method",
    "target_month": "forecast_col_target_month",
    "months_ahead": "forecast_col_months_ahead",
    "forecast_amount": "forecast_col_forecast",
    "lo_80": "forecast_col_lo_80",
    "hi_80": "forecast_col_hi_80",
    "lo_95": "forecast_col_lo_95",
    "hi_95": "forecast_col_hi_95",
    "backtest_mape": "forecast_col_mape",
    "backtest_bias": "forecast_col_bias",
}
ACCURACY_COLUMNS = {
    "method": "forecast_col_method",
    "months_ahead": "forecast_col_months_ahead",
    "mape": "forecast_col_mape",
    "bias": "forecast_col_bias",
    "months_compared": "forecast_col_months_compared",
    "interval_80_hit_rate": "forecast_col_hit_80",
}
BACKTEST_COLUMNS = {
    "method": "forecast_col_method",
    "origin_month": "forecast_col_origin_month",
    "target_month": "forecast_col_target_month",
    "forecast_amount": "forecast_col_forecast",
    "actual_amount": "forecast_col_actual",
    "error_amount": "forecast_col_error",
    "abs_pct_error": "forecast_col_ape",
}
HEALTH_COLUMNS = {
    "month_start": "forecast_col_month",
    "opportunities_created": "forecast_col_created",
    "amount_created": "forecast_col_created_amount",
    "open_opportunities": "forecast_col_open",
    "open_amount": "forecast_col_open_amount",
    "weighted_open_amount": "forecast_col_weighted",
    "overdue_opportunities": "forecast_col_overdue",
    "overdue_amount": "forecast_col_overdue_amount",
    "close_dates_pushed_out": "forecast_col_pushed",
    "moved_out_of_month": "forecast_col_moved_out",
}
COVERAGE_COLUMNS = {
    "month_start": "forecast_col_month",
    "weighted_open_amount": "forecast_col_weighted",
    "quota_amount": "forecast_col_quota",
    "coverage": "forecast_col_coverage",
}
AMOUNT_KEYS = (
    "forecast_col_forecast",
    "forecast_col_lo_80",
    "forecast_col_hi_80",
    "forecast_col_lo_95",
    "forecast_col_hi_95",
    "forecast_col_actual",
    "forecast_col_error",
    "forecast_col_created_amount",
    "forecast_col_open_amount",
    "forecast_col_weighted",
    "forecast_col_overdue_amount",
    "forecast_col_quota",
)
RATIO_KEYS = ("forecast_col_mape", "forecast_col_bias", "forecast_col_hit_80", "forecast_col_ape")
RATIO_KEYS += ("forecast_col_coverage",)
MONTH_KEYS = ("forecast_col_target_month", "forecast_col_origin_month", "forecast_col_month")


def _with_methods(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "forecast_method" not in frame:
        return frame
    return frame.assign(method=[method_label(m, lang) for m in frame["forecast_method"]])


def _months_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("target_month", "origin_month", "month_start"):
        if column in out:
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m")
    return out


def table(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    """``frame`` with method names and months as text, columns labelled in ``lang``."""
    return _labelled(_months_as_text(_with_methods(frame, lang)), columns, lang)


def style(table_: pd.DataFrame, lang: str) -> Styler:
    """Amounts as ``¥1,234,567``, ratios as ``12.3%``, counts with separators, ``—`` for
    missing figures (the weighted pipeline has no interval)."""
    formats: dict[str, Any] = {key: format_cny for key in AMOUNT_KEYS}
    formats |= {key: "{:.1%}" for key in RATIO_KEYS}
    counts = ("forecast_col_created", "forecast_col_open", "forecast_col_overdue")
    formats |= {key: "{:,.0f}" for key in counts + ("forecast_col_months_compared",)}
    present = {key: fmt for key, fmt in formats.items() if t(key, lang) in table_.columns}
    return _formatted(table_, lang, present)


def excel_formats(table_: pd.DataFrame, lang: str) -> dict[str, str]:
    """Excel number formats for the labelled columns present in ``table_``."""
    formats = {t(key, lang): "¥#,##0" for key in AMOUNT_KEYS}
    formats |= {t(key, lang): "0.0%" for key in RATIO_KEYS}
    return {label: fmt for label, fmt in formats.items() if label in table_.columns}
