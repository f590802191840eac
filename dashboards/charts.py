"""Chart and table builders of the cockpit (Plotly figures, pandas tables, Excel export).

Pure functions of the frames that ``dashboards.data`` returns; nothing here reads data or
draws on the page.
"""

from __future__ import annotations

import io
import math
import re
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


def _compact(value: float, lang: str) -> str | None:
    """A large magnitude in the reader's units (万/亿 in Chinese, M in English), or None when
    it is small enough to show whole."""
    if lang == "zh":
        if value >= 1e8:
            return f"{value / 1e8:,.2f}亿"
        if value >= 1e4:
            return f"{value / 1e4:,.1f}万"
    elif value >= 1e6:
        return f"{value / 1e6:,.2f}M"
    return None


def format_cny_compact(value: float | None, lang: str) -> str:
    """A large amount short enough for a KPI card: ``¥155.0万`` / ``¥1.13亿`` in Chinese,
    ``¥1.55M`` in English; ``—`` when unknown."""
    if _is_missing(value):
        return "—"
    compact = _compact(abs(value), lang)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{compact}" if compact else format_cny(value)


def format_count_compact(value: int, lang: str) -> str:
    """A large count short enough for a KPI card: ``330.2万`` or ``3.30M``."""
    return _compact(value, lang) or format_count(value)


def format_percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal, e.g. ``40.0%``; ``—`` when unknown."""
    return "—" if _is_missing(value) else f"{value:.1%}"


def format_points(value: float | None, lang: str) -> str:
    """A difference of two rates in percentage points, signed: ``+2.5 个百分点`` / ``-2.5 pp``
    (a % would read as a relative change)."""
    if _is_missing(value):
        return "—"
    return f"{value * 100:+.1f} {'个百分点' if lang == 'zh' else 'pp'}"


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


def _formatted(table: pd.DataFrame, lang: str, formats: dict[str, Any]) -> Styler:
    """The table styled with a display format per column (keyed by label key), ``—`` for
    every missing figure."""
    by_label = {t(key, lang): fmt for key, fmt in formats.items()}
    return table.style.format(na_rep="—").format(by_label, na_rep="—")


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


def table_to_excel(
    table: pd.DataFrame,
    sheet_name: str,
    lang: str,
    number_formats: dict[str, str] | None = None,
) -> bytes:
    """A labelled table as an .xlsx file (xlsxwriter). ``number_formats`` maps column labels
    to Excel number formats; by default those of the conversion table (percent, CNY, days)."""
    if number_formats is None:
        number_formats = {
            t("col_conversion", lang): "0.0%",
            t("col_amount", lang): "¥#,##0",
            t("col_median_days", lang): "0.0",
            t("col_p75_days", lang): "0.0",
            t("col_p90_days", lang): "0.0",
        }
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        table.to_excel(writer, sheet_name=sheet_name, index=False)
        workbook = writer.book
        sheet = writer.sheets[sheet_name]
        header = workbook.add_format({"bold": True, "bg_color": "#dde6f0", "border": 1})
        formats = {
            column: workbook.add_format({"num_format": number_format})
            for column, number_format in number_formats.items()
        }
        for index, column in enumerate(table.columns):
            sheet.write(0, index, column, header)
            sheet.set_column(index, index, max(12, len(str(column)) * 2), formats.get(column))
        sheet.freeze_panes(1, 0)
    return buffer.getvalue()


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


# --- data quality -------------------------------------------------------------------------------

FRESHNESS_STATUSES = ("fresh", "warn", "error", "unknown")
FRESHNESS_COLOURS = {
    "fresh": "background-color: #dff3e6; color: #1e6b3a",
    "warn": "background-color: #fff1c7; color: #7a5a00",
    "error": "background-color: #f9d9d9; color: #9b1c1c",
    "unknown": "background-color: #eceff3; color: #4a5563",
}
STATUS_COLOURS = {
    "loaded": "",
    "rejected": "background-color: #f9d9d9; color: #9b1c1c",
}
REASONS_CHART_TOP = 15


def _labelled(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    """``frame``'s ``columns`` in that order, renamed to their labels in ``lang``."""
    return frame[list(columns)].rename(columns={col: t(key, lang) for col, key in columns.items()})


def source_label(source: str | None, lang: str) -> str:
    """A source name; files no contract matched (empty or null source) get a label."""
    return source if source else t("no_source", lang)


def freshness_label(status: str, lang: str) -> str:
    return t(f"freshness_{status}", lang) if status in FRESHNESS_STATUSES else status


def file_status_label(status: str, lang: str) -> str:
    return t(f"status_{status}", lang) if status in STATUS_COLOURS else status


SOURCE_COLUMNS = {
    "source": "col_source",
    "freshness_status": "col_freshness",
    "age_hours": "col_age_hours",
    "last_loaded_at": "col_last_loaded_at",
    "last_file_name": "col_last_file",
    "files_in_force": "col_files",
    "files_rejected": "col_files_rejected",
    "rows_read": "col_rows_read",
    "rows_loaded": "col_rows_loaded",
    "rows_quarantined": "col_rows_quarantined",
}


def source_table(sources: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per source with labelled columns and the freshness status in words. The last
    file is marked when it was rejected: the age then still counts from the last loaded file."""
    rejected = sources["last_file_status"] == "rejected"
    marker = f" ({file_status_label('rejected', lang)})"
    table = sources.assign(
        freshness_status=sources["freshness_status"].map(lambda s: freshness_label(s, lang)),
        last_file_name=sources["last_file_name"].where(
            ~rejected, sources["last_file_name"] + marker
        ),
    )
    return _labelled(table, SOURCE_COLUMNS, lang)


ARRIVAL_COLUMNS = ("system", "source", "late", "expected_by", "late_after", "last_arrival")


def arrivals_table(arrivals: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per source with an arrival time, late ones first, the status in words."""
    words = {True: t("arrival_late", lang), False: t("arrival_on_time", lang)}
    labels = {
        column: f"col_{'arrival' if column == 'late' else column}" for column in ARRIVAL_COLUMNS
    }
    return _labelled(arrivals.assign(late=arrivals["late"].map(words)), labels, lang)


def style_source_table(table: pd.DataFrame, lang: str) -> Styler:
    """Counts with separators, ages with one decimal, the freshness status coloured."""
    colours = {freshness_label(s, lang): FRESHNESS_COLOURS[s] for s in FRESHNESS_STATUSES}
    counts = ("col_files", "col_files_rejected", "col_rows_read", "col_rows_loaded")
    formats: dict[str, Any] = {key: "{:,.0f}" for key in (*counts, "col_rows_quarantined")}
    formats |= {"col_age_hours": "{:,.1f}", "col_last_loaded_at": "{:%Y-%m-%d %H:%M}"}
    return _formatted(table, lang, formats).map(
        lambda value: colours.get(value, ""), subset=[t("col_freshness", lang)]
    )


# Ingest writes reason kinds in English ("missing value in owner_id"); their Chinese names.
_REASON_KINDS_ZH = (
    (re.compile(r"^missing value in (.+)$"), "缺少必填值（{}）"),
    (re.compile(r"^unknown code in (.+)$"), "未知代码（{}）"),
    (re.compile(r"^invalid \S+ in (.+)$"), "格式无效（{}）"),
    (re.compile(r"^mojibake in (.+)$"), "乱码（{}）"),
    (re.compile(r"^duplicate row$"), "重复行"),
    (re.compile(r"^duplicate key$"), "主键重复"),
    (re.compile(r"^required columns missing$"), "缺少必需列"),
    (re.compile(r"^schema drift$"), "表结构变化"),
)


def reason_label(kind: str, lang: str) -> str:
    """A quarantine reason kind in ``lang``; an unknown kind stays as ingest wrote it."""
    if lang == "zh":
        for pattern, label in _REASON_KINDS_ZH:
            match = pattern.match(kind or "")
            if match:
                return label.format(*match.groups())
    return kind


def reasons_chart(reasons: pd.DataFrame, lang: str, top: int = REASONS_CHART_TOP) -> go.Figure:
    """The ``top`` reason kinds by rows quarantined, biggest first, labelled with their source."""
    shown = reasons.nlargest(top, "rows_quarantined", keep="first")
    labels = [
        f"{reason_label(kind, lang)} · {source_label(source, lang)}"
        for kind, source in zip(shown["reason_kind"], shown["source"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=shown["rows_quarantined"].tolist(),
            y=labels,
            orientation="h",
            marker={"color": PRIMARY},
            text=shown["rows_quarantined"].tolist(),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None, automargin=True)
    fig.update_xaxes(
        title=t("col_rows_quarantined", lang),
        rangemode="tozero",
        gridcolor="#e5e9ef",
        tickformat=",d",
    )
    return _layout(fig, height=max(220, 28 * len(shown) + 80))


REASON_COLUMNS = {
    "source": "col_source",
    "reason_kind": "col_reason_kind",
    "rows_quarantined": "col_rows_quarantined",
    "files": "col_files",
    "example_file_name": "col_example_file",
    "example_row_number": "col_example_row",
    "example_reason": "col_example",
}


def reasons_table(reasons: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per source and reason kind with labelled columns."""
    table = reasons.assign(
        source=reasons["source"].map(lambda s: source_label(s, lang)),
        reason_kind=reasons["reason_kind"].map(lambda kind: reason_label(kind, lang)),
    )
    return _labelled(table, REASON_COLUMNS, lang)


def style_reasons_table(table: pd.DataFrame, lang: str) -> Styler:
    formats = {
        "col_rows_quarantined": "{:,.0f}",
        "col_files": "{:,.0f}",
        "col_example_row": "{:.0f}",
    }
    return _formatted(table, lang, formats)


VALIDATION_COLUMNS = {
    "source": "col_source",
    "expectation": "col_expectation",
    "column_names": "col_columns",
    "element_count": "col_element_count",
    "unexpected_count": "col_unexpected_count",
    "unexpected_percent": "col_unexpected_percent",
    "partial_unexpected": "col_partial_unexpected",
    "validated_at": "col_validated_at",
}


def validation_table(results: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The failed expectations with labelled columns."""
    return _labelled(results[~results["success"].astype(bool)], VALIDATION_COLUMNS, lang)


def style_validation_table(table: pd.DataFrame, lang: str) -> Styler:
    """Counts with separators; unexpected_percent is already in percent (0-100)."""
    formats = {
        "col_element_count": "{:,.0f}",
        "col_unexpected_count": "{:,.0f}",
        "col_unexpected_percent": "{:.2f}%",
        "col_validated_at": "{:%Y-%m-%d %H:%M}",
    }
    return _formatted(table, lang, formats)


FILE_COLUMNS = {
    "system": "col_system",
    "source": "col_source",
    "file_name": "col_file_name",
    "status": "col_status",
    "rows_read": "col_rows_read",
    "rows_loaded": "col_rows_loaded",
    "rows_quarantined": "col_rows_quarantined",
    "quarantine_share": "col_quarantine_share",
    "encoding": "col_encoding",
    "unmapped_columns": "col_unmapped_columns",
    "missing_columns": "col_missing_columns",
    "loaded_at": "col_loaded_at",
    "message": "col_message",
}


def files_table(files: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per file in force with labelled columns and the status in words."""
    table = files.assign(
        source=files["source"].map(lambda s: source_label(s, lang)),
        status=files["status"].map(lambda s: file_status_label(s, lang)),
    )
    return _labelled(table, FILE_COLUMNS, lang)


def style_files_table(table: pd.DataFrame, lang: str) -> Styler:
    """Counts with separators, the share as ``0.8%``, rejected files in red."""
    colours = {file_status_label(s, lang): colour for s, colour in STATUS_COLOURS.items()}
    formats = {
        "col_rows_read": "{:,.0f}",
        "col_rows_loaded": "{:,.0f}",
        "col_rows_quarantined": "{:,.0f}",
        "col_quarantine_share": "{:.1%}",
        "col_loaded_at": "{:%Y-%m-%d %H:%M}",
    }
    return _formatted(table, lang, formats).map(
        lambda value: colours.get(value, ""), subset=[t("col_status", lang)]
    )


def files_excel_formats(lang: str) -> dict[str, str]:
    """Excel number formats of :func:`files_table` for :func:`table_to_excel`."""
    return {
        t("col_quarantine_share", lang): "0.0%",
        t("col_loaded_at", lang): "yyyy-mm-dd hh:mm",
    }


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


# --- sales alerts -------------------------------------------------------------------------------


def alert_rule_names(rules: pd.DataFrame, lang: str) -> dict[str, str]:
    """Rule code -> rule name in ``lang`` (the code when the mart has no name)."""
    column = "alert_name_zh" if lang == "zh" else "alert_name_en"
    return {
        row["alert_rule"]: row[column] or row["alert_rule"]
        for row in rules.to_dict(orient="records")
    }


def format_threshold(value: float | None, unit: str | None, lang: str) -> str:
    """A threshold with its unit, e.g. ``15 天`` / ``15 days``, ``23.5 天``; ``—`` unknown."""
    if _is_missing(value):
        return "—"
    number = f"{value:,.1f}".removesuffix(".0")
    unit_label = t(f"unit_{unit}", lang) if unit in ("days", "hours") else (unit or "")
    return f"{number} {unit_label}".strip()


ALERT_COLUMNS = {
    "alert_name": "col_alert_rule",
    "subject_id": "col_subject",
    "owner_name": "col_owner",
    "manager_name": "col_manager",
    "team_name": "col_team",
    "days_since": "col_days_since",
    "threshold_label": "col_threshold",
    "amount": "col_amount",
    "last_touch_at": "col_last_touch",
}


def alerts_table(alerts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per alert with labelled columns, the rule name in ``lang`` and the threshold
    with its unit, in the order of ``alerts`` (longest untouched first)."""
    names = alerts["alert_name_zh" if lang == "zh" else "alert_name_en"]
    table = alerts.assign(
        alert_name=names.fillna(alerts["alert_rule"]),
        threshold_label=[
            format_threshold(value, unit, lang)
            for value, unit in zip(alerts["threshold"], alerts["threshold_unit"], strict=True)
        ],
    )
    return _labelled(table, ALERT_COLUMNS, lang)


def style_alerts_table(table: pd.DataFrame, lang: str) -> Styler:
    """Days with one decimal, amounts as ``¥1,234,567``, ``—`` for leads (no amount)."""
    formats = {
        "col_days_since": "{:,.1f}",
        "col_amount": format_cny,
        "col_last_touch": "{:%Y-%m-%d %H:%M}",
    }
    return _formatted(table, lang, formats)


def alerts_excel_formats(lang: str) -> dict[str, str]:
    """Excel number formats of :func:`alerts_table` for :func:`table_to_excel`."""
    return {
        t("col_days_since", lang): "0.0",
        t("col_amount", lang): "¥#,##0",
        t("col_last_touch", lang): "yyyy-mm-dd hh:mm",
    }
