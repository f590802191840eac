"""Sales overview: bookings against quota, order revenue and lead follow-up in the chosen
months, by region and team, with a team league table."""

import streamlit as st

from dashboards import charts, data, periods, sales_charts, sales_data, url_state
from dashboards.closed_months import closed_in, show_closed_note
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t
from dashboards.metric_docs import kpi_help

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("page_sales_overview"))
st.caption(
    f"{t('sales_overview_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

missing = data.missing_marts(source, sales_data.SALES_OVERVIEW_MARTS)
if missing:
    st.error(t("sales_missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

months = sales_data.sales_month_range(source)
if not months:
    st.info(t("sales_no_data"), icon=":material/info:")
    st.stop()
teams = sales_data.sales_teams(source)

team_labels = {
    row.team_id: f"{row.team_name} · {row.region_name} / {row.province_unit_name}"
    for row in teams.itertuples()
}
regions = [name for name in dict.fromkeys(teams["region_name"]) if isinstance(name, str)]


with st.container(border=True):
    month_col, region_col, team_col = st.columns([3, 2, 3], gap="medium")
    month_from, month_to = periods.month_range(
        month_col, t("filter_sales_months"), months, key="sales_overview_months"
    )
    region_names = url_state.picker(
        region_col.multiselect,
        t("filter_regions"),
        regions,
        key="sales_overview_regions",
        param="regions",
        multi=True,
        placeholder=t("filter_all"),
    )
    team_ids = url_state.picker(
        team_col.multiselect,
        t("filter_teams"),
        team_labels,
        key="sales_overview_teams",
        param="teams",
        multi=True,
        format_func=team_labels.__getitem__,
        placeholder=t("filter_all"),
    )

filters = sales_data.SalesFilters(
    month_from=month_from,
    month_to=month_to,
    region_names=tuple(region_names),
    team_ids=tuple(team_ids),
)
kpis = sales_data.sales_kpis(source, filters)

kpi_cards = (
    ("kpi_bookings", charts.format_cny_compact(kpis["bookings"], lang)),
    ("kpi_quota", charts.format_cny_compact(kpis["quota"], lang)),
    ("kpi_attainment", charts.format_percent(kpis["attainment"])),
    ("kpi_deals_won", charts.format_count(kpis["deals_won"])),
    ("kpi_revenue", charts.format_cny_compact(kpis["revenue"], lang)),
    ("kpi_contacted_24h", charts.format_percent(kpis["share_contacted_within_24h"])),
    ("kpi_average_deal_size", charts.format_cny_compact(kpis["average_deal_size"], lang)),
)
for column, (key, value) in zip(st.columns(len(kpi_cards)), kpi_cards, strict=True):
    column.metric(t(key), value, help=kpi_help("sales-overview", key), border=True)
show_closed_note(
    closed_in(source, sales_data.QUOTA_MART, month_from, month_to), "closed_what_quota"
)

plotly_config = {"displaylogo": False, "responsive": True}

with st.container(border=True):
    st.subheader(t("chart_bookings"), help=t("chart_bookings_help"))
    monthly = sales_data.bookings_by_month(source, filters)
    st.plotly_chart(sales_charts.bookings_chart(monthly, lang), config=plotly_config)

league = sales_data.team_league(source, filters)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("table_team_league"))
    table = sales_charts.league_table(league, lang)
    table_download(
        button_col,
        t("download_excel"),
        table,
        sheet_name=t("page_sales_overview"),
        lang=lang,
        number_formats=sales_charts.league_excel_formats(lang),
        file_name=f"sales_teams_{periods.month_label(month_from)}_{periods.month_label(month_to)}.xlsx",
    )
    st.dataframe(sales_charts.style_league_table(table, lang), hide_index=True, placeholder="—")
    st.caption(t("table_team_league_caption"))

with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("retention_title"), help=t("retention_help"))
    quarters = sales_data.retention_by_quarter(source, filters)
    if quarters.empty:
        st.info(t("retention_none"), icon=":material/info:")
    else:
        table = sales_charts.retention_table(quarters, lang)
        table_download(
            button_col,
            t("download_excel"),
            table,
            sheet_name=t("retention_title"),
            lang=lang,
            number_formats=sales_charts.retention_excel_formats(lang),
            file_name=f"customer_retention_{periods.month_label(month_from)}_{periods.month_label(month_to)}.xlsx",
        )
        st.plotly_chart(sales_charts.retention_chart(quarters, lang), config=plotly_config)
        st.dataframe(
            sales_charts.style_retention_table(table, lang), hide_index=True, placeholder="—"
        )
