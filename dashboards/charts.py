"""Shared building blocks of the cockpit's charts and tables: number formats for each kind of
figure (CNY with 万/亿, shares, points, days), the Plotly layout, styled and labelled tables and
the Excel export. Each domain's charts and tables sit in ``dashboards/<domain>_charts.py``.

Pure functions of the frames the ``*_data`` modules return; nothing here reads data or draws on
the page.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from dashboards.i18n import t

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
PRIMARY = "#1f4e79"
ACCENT = "#2e8b57"


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


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT_FAMILY, "size": 13},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def _formatted(table: pd.DataFrame, lang: str, formats: dict[str, Any]) -> Styler:
    """The table styled with a display format per column (keyed by label key), ``—`` for
    every missing figure."""
    by_label = {t(key, lang): fmt for key, fmt in formats.items()}
    return table.style.format(na_rep="—").format(by_label, na_rep="—")


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


def _labelled(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    """``frame``'s ``columns`` in that order, renamed to their labels in ``lang``."""
    return frame[list(columns)].rename(columns={col: t(key, lang) for col, key in columns.items()})
