"""Charts and tables of the data-quality page (``pages/data_quality.py``): source freshness and
arrivals, quarantine reasons, validation results and ingested files. Pure functions of the frames
``dashboards.data_quality_data`` returns."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from dashboards.charts import PRIMARY, _formatted, _labelled, _layout
from dashboards.i18n import t

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
    # the newest version was rejected whole; the loaded one before it stays in force
    "previous_in_force": "background-color: #fff1c7; color: #7a5a00",
}
REASONS_CHART_TOP = 15


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
    "export_date": "col_export_date",
    "message": "col_message",
    "newer_version_rejected_at": "col_newer_version_rejected_at",
    "newer_version_message": "col_newer_version_message",
}


def files_table(files: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per file in force with labelled columns and the status in words; a file whose
    newer version was rejected whole says that its previous version stays in force."""
    status = files["status"].where(files["newer_version_rejected_at"].isna(), "previous_in_force")
    table = files.assign(
        source=files["source"].map(lambda s: source_label(s, lang)),
        status=status.map(lambda s: file_status_label(s, lang)),
    )
    return _labelled(table, FILE_COLUMNS, lang)


def kept_versions_note(files: pd.DataFrame, lang: str) -> str | None:
    """The files whose newest version was rejected whole, each with the version that stays in
    force in its place (load time, export date); None when there are none."""
    kept = files[files["newer_version_rejected_at"].notna()]
    if kept.empty:
        return None
    described = [
        t("dq_kept_version", lang).format(
            file=row.file_name,
            rejected_at=f"{row.newer_version_rejected_at:%Y-%m-%d %H:%M}",
            loaded_at=f"{row.loaded_at:%Y-%m-%d %H:%M}",
            export_date="—" if pd.isna(row.export_date) else f"{row.export_date:%Y-%m-%d}",
        )
        for row in kept.itertuples()
    ]
    return t("dq_kept_versions", lang).format(count=len(kept), files="; ".join(described))


def style_files_table(table: pd.DataFrame, lang: str) -> Styler:
    """Counts with separators, the share as ``0.8%``, rejected files in red."""
    colours = {file_status_label(s, lang): colour for s, colour in STATUS_COLOURS.items()}
    formats = {
        "col_rows_read": "{:,.0f}",
        "col_rows_loaded": "{:,.0f}",
        "col_rows_quarantined": "{:,.0f}",
        "col_quarantine_share": "{:.1%}",
        "col_loaded_at": "{:%Y-%m-%d %H:%M}",
        "col_export_date": "{:%Y-%m-%d}",
        "col_newer_version_rejected_at": "{:%Y-%m-%d %H:%M}",
    }
    return _formatted(table, lang, formats).map(
        lambda value: colours.get(value, ""), subset=[t("col_status", lang)]
    )


def files_excel_formats(lang: str) -> dict[str, str]:
    """Excel number formats of :func:`files_table` for :func:`table_to_excel`."""
    return {
        t("col_quarantine_share", lang): "0.0%",
        t("col_loaded_at", lang): "yyyy-mm-dd hh:mm",
        t("col_export_date", lang): "yyyy-mm-dd",
        t("col_newer_version_rejected_at", lang): "yyyy-mm-dd hh:mm",
    }
