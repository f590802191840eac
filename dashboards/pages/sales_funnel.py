"""Sales funnel: how the opportunities that entered the funnel in the chosen months moved on
through the stages to won, by team and product line."""

import datetime as dt

import streamlit as st

from dashboards import charts, data
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

DEFAULT_MONTHS = 12

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("page_sales_funnel"))
st.caption(
    f"{t('sales_funnel_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

missing = data.missing_marts(source, data.SALES_FUNNEL_MARTS)
if missing:
    st.error(t("missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

months = data.month_range(source)
if not months:
    st.info(t("no_rows"), icon=":material/info:")
    st.stop()
teams = data.teams(source)
product_lines = data.product_lines(source)

team_labels = {
    row.team_id: f"{row.team_name} · {row.region_name} / {row.province_unit_name}"
    for row in teams.itertuples()
}
product_line_labels = {
    row.product_line: row.product_line_name_zh or row.product_line
    for row in product_lines.itertuples()
}


def _pick_any(column, label_key: str, labels: dict[str, str], key: str) -> list[str]:
    """A multi-select whose empty choice means all (its placeholder says so)."""
    return column.multiselect(
        t(label_key),
        options=list(labels),
        format_func=labels.__getitem__,
        placeholder=t("filter_all"),
        key=key,
    )


def _month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


with st.container(border=True):
    month_col, team_col, line_col = st.columns([3, 3, 2], gap="medium")
    month_from, month_to = month_col.select_slider(
        t("filter_months"),
        options=months,
        value=(months[max(0, len(months) - DEFAULT_MONTHS)], months[-1]),
        format_func=_month_label,
        key="sales_funnel_months",
    )
    team_ids = _pick_any(team_col, "filter_teams", team_labels, "sales_funnel_teams")
    line_codes = _pick_any(
        line_col, "filter_product_lines", product_line_labels, "sales_funnel_product_lines"
    )

filters = data.FunnelFilters(
    month_from=month_from,
    month_to=month_to,
    team_ids=tuple(team_ids),
    product_lines=tuple(line_codes),
)
kpis = data.funnel_kpis(source, filters)

kpi_cards = (
    ("kpi_opportunities", charts.format_count(kpis["opportunities"])),
    ("kpi_won", charts.format_count(kpis["won"])),
    ("kpi_win_rate", charts.format_percent(kpis["win_rate"])),
    ("kpi_won_amount", charts.format_cny_compact(kpis["won_amount"], lang)),
    ("kpi_days_to_win", charts.format_days(kpis["median_days_to_win"])),
)
for column, (key, value) in zip(st.columns(len(kpi_cards)), kpi_cards, strict=True):
    column.metric(t(key), value, help=t(f"{key}_help"), border=True)

if kpis["opportunities"] == 0:
    st.info(t("no_rows"), icon=":material/info:")
    st.stop()

stages = data.funnel_by_stage(source, filters)
trend = data.monthly_trend(source, filters)
plotly_config = {"displaylogo": False, "responsive": True}

funnel_col, trend_col = st.columns(2, gap="medium")
with funnel_col.container(border=True):
    st.subheader(t("chart_funnel"), help=t("chart_funnel_help"))
    st.plotly_chart(charts.funnel_chart(stages, lang), config=plotly_config)
with trend_col.container(border=True):
    st.subheader(t("chart_trend"), help=t("chart_trend_help"))
    st.plotly_chart(charts.trend_chart(trend, lang), config=plotly_config)

with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("table_conversion"))
    table = charts.conversion_table(stages, lang)
    button_col.download_button(
        t("download_excel"),
        data=charts.table_to_excel(table, sheet_name=t("page_sales_funnel"), lang=lang),
        file_name=f"sales_funnel_{_month_label(month_from)}_{_month_label(month_to)}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )
    st.dataframe(
        charts.style_conversion_table(table, lang),
        column_config=charts.conversion_column_config(lang),
        hide_index=True,
    )
    st.caption(t("table_conversion_caption"))
