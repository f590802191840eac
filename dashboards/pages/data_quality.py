"""Data quality: what happened to the rows of every export file, the top reasons rows were
quarantined, the expectations that failed, and how fresh each source is."""

import streamlit as st

from dashboards import charts, data, data_quality_charts, data_quality_data, url_state
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("page_data_quality"))
st.caption(
    f"{t('data_quality_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

missing = set(data.missing_marts(source, data_quality_data.DATA_QUALITY_MARTS))
if missing:
    tables = ", ".join(name for name in data_quality_data.DATA_QUALITY_MARTS if name in missing)
    st.error(t("dq_missing_tables").format(tables=tables), icon=":material/error:")


def _has(mart: str) -> bool:
    return mart not in missing


plotly_config = {"displaylogo": False, "responsive": True}

# --- KPI cards ---------------------------------------------------------------------------------
kpis = data_quality_data.ingest_kpis(source) if _has(data_quality_data.INGEST_FILES_MART) else None
validation = (
    data_quality_data.validation_results(source)
    if _has(data_quality_data.VALIDATION_MART)
    else None
)
failed_expectations = (
    None if validation is None else int((~validation["success"].astype(bool)).sum())
)


def _count(key: str) -> str:
    return "—" if kpis is None else charts.format_count_compact(kpis[key], lang)


kpi_cards = (
    ("kpi_files", _count("files")),
    ("kpi_files_rejected", _count("files_rejected")),
    ("kpi_rows_read", _count("rows_read")),
    ("kpi_rows_loaded", _count("rows_loaded")),
    ("kpi_rows_quarantined", _count("rows_quarantined")),
    (
        "kpi_quarantine_share",
        "—" if kpis is None else charts.format_percent(kpis["quarantine_share"]),
    ),
    (
        "kpi_failed_expectations",
        "—" if failed_expectations is None else charts.format_count(failed_expectations),
    ),
)
for column, (key, value) in zip(st.columns(len(kpi_cards)), kpi_cards, strict=True):
    column.metric(t(key), value, help=t(f"{key}_help"), border=True)

if kpis is not None and kpis["files"] == 0:
    st.info(t("dq_no_files"), icon=":material/info:")

files = (
    data_quality_data.ingest_files(source) if _has(data_quality_data.INGEST_FILES_MART) else None
)
kept_versions = None if files is None else data_quality_charts.kept_versions_note(files, lang)
if kept_versions:
    st.warning(kept_versions, icon=":material/history:")

# --- sources and freshness ---------------------------------------------------------------------
if _has(data_quality_data.FRESHNESS_MART):
    sources = data_quality_data.source_freshness(source)
    if not sources.empty:
        with st.container(border=True):
            st.subheader(t("dq_sources"))
            st.dataframe(
                data_quality_charts.style_source_table(
                    data_quality_charts.source_table(sources, lang), lang
                ),
                hide_index=True,
                placeholder="—",
                height="content",  # one row per source: a few dozen at most
            )
            measured_at = sources["measured_at"].max()
            st.caption(t("dq_sources_caption").format(measured_at=f"{measured_at:%Y-%m-%d %H:%M}"))

# --- expected arrival (the contracts' arrival times) -------------------------------------------
if _has(data_quality_data.FRESHNESS_MART):
    arrivals = data_quality_data.source_arrivals(source)
    if not arrivals.empty:
        with st.container(border=True):
            st.subheader(t("dq_arrivals"), help=t("dq_arrivals_help"))
            late = arrivals[arrivals["late"]]
            if late.empty:
                st.success(
                    t("dq_arrivals_on_time").format(count=len(arrivals)),
                    icon=":material/check_circle:",
                )
            else:
                st.warning(
                    t("dq_arrivals_late").format(
                        count=len(late), sources=", ".join(late["source"])
                    ),
                    icon=":material/schedule:",
                )
            st.dataframe(
                data_quality_charts.arrivals_table(arrivals, lang), hide_index=True, placeholder="—"
            )

# --- quarantine reasons ------------------------------------------------------------------------
if _has(data_quality_data.QUARANTINE_REASONS_MART):
    with st.container(border=True):
        st.subheader(t("dq_reasons"), help=t("dq_reasons_help"))
        source_options = data_quality_data.quarantine_sources(source)
        if not source_options:
            st.success(t("dq_no_reasons"), icon=":material/check_circle:")
        else:
            chosen = url_state.picker(
                st.multiselect,
                t("filter_sources"),
                source_options,
                key="data_quality_sources",
                param="sources",
                multi=True,
                format_func=lambda key: data_quality_charts.source_label(key, lang),
                placeholder=t("filter_all"),
            )
            reasons = data_quality_data.quarantine_reasons(source, tuple(chosen))
            st.plotly_chart(data_quality_charts.reasons_chart(reasons, lang), config=plotly_config)
            st.dataframe(
                data_quality_charts.style_reasons_table(
                    data_quality_charts.reasons_table(reasons, lang), lang
                ),
                hide_index=True,
                placeholder="—",
            )

# --- failed expectations -----------------------------------------------------------------------
if validation is not None:
    with st.container(border=True):
        st.subheader(t("dq_validation"))
        if validation.empty:
            st.info(t("dq_no_validation"), icon=":material/info:")
        elif failed_expectations == 0:
            st.success(
                t("dq_validation_passed").format(count=len(validation)),
                icon=":material/check_circle:",
            )
        else:
            st.dataframe(
                data_quality_charts.style_validation_table(
                    data_quality_charts.validation_table(validation, lang), lang
                ),
                hide_index=True,
                placeholder="—",
            )

# --- files ---------------------------------------------------------------------------------------
if files is not None and not files.empty:
    with st.container(border=True):
        title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
        title_col.subheader(t("dq_files"))
        table = data_quality_charts.files_table(files, lang)
        table_download(
            button_col,
            t("download_files"),
            table,
            sheet_name=t("page_data_quality"),
            lang=lang,
            number_formats=data_quality_charts.files_excel_formats(lang),
            file_name=f"ingest_files_{source.published_at:%Y%m%d_%H%M}.xlsx",
        )
        st.dataframe(
            data_quality_charts.style_files_table(table, lang), hide_index=True, placeholder="—"
        )
