"""Sales forecast: tonight's bookings and collections forecast by the weighted pipeline and the
time series, against actuals and the backtest, with each method's accuracy beside it, and the
pipeline's health (coverage, created, overdue, slipped)."""

import streamlit as st

from dashboards import data, url_state
from dashboards import forecast_charts as fc
from dashboards import forecast_data as fd
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

ACTUAL_MONTHS = 24
HEALTH_MONTHS = 24

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("forecast_page"))
st.caption(f"{t('forecast_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}")

missing = data.missing_marts(source, fd.FORECAST_MARTS)
if missing:
    st.error(
        t("forecast_missing_tables").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()

options = fd.series_options(source)
teams = options[options["series_level"] == "team"]
lines = options[options["series_level"] == "product_line"]
team_names = dict(zip(teams["series_key"], teams["series_name"].fillna(t("no_team")), strict=True))
line_names = dict(zip(lines["series_key"], lines["series_name"].fillna(""), strict=True))

with st.container(border=True):
    measure_col, team_col, line_col, ahead_col = st.columns([2, 3, 2, 2], gap="medium")
    measure = url_state.picker(
        measure_col.radio,
        t("forecast_measure"),
        fd.MEASURES,
        key="forecast_measure",
        param="measure",
        default=next(iter(fd.MEASURES)),
        format_func=lambda m: t(f"forecast_measure_{m}"),
        horizontal=True,
    )
    team_id = url_state.picker(
        team_col.selectbox,
        t("forecast_team"),
        [None, *team_names],
        key="forecast_team",
        param="team",
        format_func=lambda k: t("forecast_all") if k is None else team_names[k],
    )
    product_line = url_state.picker(
        line_col.selectbox,
        t("forecast_product_line"),
        [None, *line_names],
        key="forecast_product_line",
        param="product_line",
        format_func=lambda k: t("forecast_all") if k is None else line_names[k],
    )
    months_ahead = url_state.picker(
        ahead_col.selectbox,
        t("forecast_backtest_ahead"),
        [0, 1, 2],
        key="forecast_months_ahead",
        param="ahead",
        default=0,
    )

series = fd.series_for(measure, team_id, product_line)
if team_id and product_line:
    st.info(t("forecast_team_over_line"), icon=":material/info:")
elif product_line and measure == "collections":
    st.info(t("forecast_collections_no_line"), icon=":material/info:")
series_name = {
    "company": t("forecast_company"),
    "team": team_names.get(series.key, series.key),
    "product_line": line_names.get(series.key, series.key),
}[series.level]
st.text(f"{t('forecast_series_shown')}: {series_name} · {t(f'forecast_measure_{measure}')}")

latest = fd.latest_forecast(source, series)
actuals = fd.actuals(source, series, ACTUAL_MONTHS)
past = fd.backtest(source, series, months_ahead)
accuracy = fd.accuracy(source, series)
plotly_config = {"displaylogo": False, "responsive": True}


def download(frame, name: str, file_stem: str, column) -> None:
    """An Excel download of a labelled table."""
    table_download(
        column,
        t("download_excel"),
        frame,
        sheet_name=name,
        lang=lang,
        number_formats=fc.excel_formats(frame, lang),
        file_name=f"{file_stem}_{series.measure}_{series.level}_{series.key}.xlsx",
        key=f"download_{file_stem}",
    )


if latest.empty and actuals.empty:
    st.info(t("forecast_no_data"), icon=":material/info:")
else:
    chart_col, accuracy_col = st.columns([3, 2], gap="medium")
    with chart_col.container(border=True):
        st.subheader(t("forecast_chart"), help=t("forecast_chart_help").format(ahead=months_ahead))
        st.plotly_chart(fc.forecast_chart(actuals, past, latest, lang), config=plotly_config)
    with accuracy_col.container(border=True):
        title_col, button_col = st.columns([3, 2], vertical_alignment="bottom")
        title_col.subheader(t("forecast_accuracy_table"))
        accuracy_table = fc.table(accuracy, fc.ACCURACY_COLUMNS, lang)
        download(accuracy_table, t("forecast_accuracy_table"), "forecast_accuracy", button_col)
        st.dataframe(fc.style(accuracy_table, lang), hide_index=True, placeholder="—")
        st.caption(t("forecast_accuracy_caption"))

    with st.container(border=True):
        title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
        title_col.subheader(t("forecast_table"))
        latest_table = fc.table(latest, fc.LATEST_COLUMNS, lang)
        download(latest_table, t("forecast_table"), "forecast_latest", button_col)
        st.dataframe(fc.style(latest_table, lang), hide_index=True, placeholder="—")

    with st.container(border=True):
        title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
        title_col.subheader(t("forecast_backtest_table"))
        backtest_table = fc.table(past, fc.BACKTEST_COLUMNS, lang)
        download(backtest_table, t("forecast_backtest_table"), "forecast_backtest", button_col)
        st.dataframe(fc.style(backtest_table, lang), hide_index=True, placeholder="—")

st.header(t("forecast_health"))
coverage = fd.coverage(source, team_id, HEALTH_MONTHS)
coverage_months = int(coverage["coverage_months"].max()) if not coverage.empty else 0
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(
        t("forecast_coverage_chart"),
        help=t("forecast_coverage_help").format(months=coverage_months),
    )
    coverage_table = fc.table(coverage, fc.COVERAGE_COLUMNS, lang)
    download(coverage_table, t("forecast_coverage_chart"), "pipeline_coverage", button_col)
    st.plotly_chart(fc.coverage_chart(coverage, lang), config=plotly_config)
    st.dataframe(fc.style(coverage_table, lang), hide_index=True, placeholder="—")

health = fd.pipeline_health(source, team_id, product_line, HEALTH_MONTHS)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("forecast_health_table"))
    health_table = fc.table(health, fc.HEALTH_COLUMNS, lang)
    download(health_table, t("forecast_health_table"), "pipeline_health", button_col)
    st.dataframe(fc.style(health_table, lang), hide_index=True, placeholder="—")
    st.caption(t("forecast_health_caption"))
