"""Travel cost (差旅): what the visit plan needs, what the routes drove, what was claimed;
fair budgets per team against the current ones; outlier claims; a map of offices and
customers."""

import streamlit as st

from dashboards import charts, periods, tables, travel_charts, travel_data, url_state
from dashboards.data import current_published, missing_marts, published_path
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t
from dashboards.metric_docs import kpi_help

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

lang = current_language()
source = current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=published_path()), icon=":material/info:")
    st.stop()

st.title(t("travel_page"))
st.caption(t("travel_caption"))

missing = missing_marts(source, travel_data.TRAVEL_MARTS)
if missing:
    st.error(t("travel_missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

months = travel_data.travel_months(source)
if not months:
    st.info(t("travel_no_data"), icon=":material/info:")
    st.stop()
teams = travel_data.travel_teams(source)
team_labels = {
    row.team_id: f"{row.team_name} · {row.office_province}" for row in teams.itertuples()
}
provinces = [name for name in dict.fromkeys(teams["office_province"]) if isinstance(name, str)]


with st.container(border=True):
    month_col, province_col, team_col = st.columns([3, 2, 3], gap="medium")
    month_from, month_to = periods.month_range(
        month_col, t("travel_filter_months"), months, key="travel_months"
    )
    chosen_provinces = url_state.picker(
        province_col.multiselect,
        t("travel_filter_provinces"),
        provinces,
        key="travel_provinces",
        param="provinces",
        multi=True,
        placeholder=t("travel_filter_all"),
    )
    chosen_teams = url_state.picker(
        team_col.multiselect,
        t("travel_filter_teams"),
        team_labels,
        key="travel_teams",
        param="teams",
        multi=True,
        format_func=team_labels.__getitem__,
        placeholder=t("travel_filter_all"),
    )

filters = travel_data.TravelFilters(
    month_from=month_from,
    month_to=month_to,
    provinces=tuple(chosen_provinces),
    team_ids=tuple(chosen_teams),
)
kpis = travel_data.travel_kpis(source, filters)
outliers = travel_data.outlier_claims(source, filters)

kpi_cards = (
    ("travel_kpi_visits", charts.format_count(int(kpis["visits"] or 0))),
    ("travel_kpi_route_km", charts.format_count(round(kpis["route_km"] or 0))),
    ("travel_kpi_claimed_km", charts.format_count(round(kpis["claimed_km"] or 0))),
    ("travel_kpi_claimed", charts.format_cny_compact(kpis["claimed_amount"], lang)),
    ("travel_kpi_cost_per_visit", charts.format_cny(kpis["cost_per_visit"])),
    ("travel_kpi_cost_per_revenue", charts.format_percent(kpis["cost_per_revenue_cny"])),
    ("travel_kpi_flagged", charts.format_count(len(outliers))),
)
for column, (key, value) in zip(st.columns(len(kpi_cards)), kpi_cards, strict=True):
    column.metric(t(key), value, help=kpi_help("travel-cost", key), border=True)

budget = travel_data.budget_by_team(source, filters)
with st.container(border=True):
    st.subheader(t("travel_chart_budget"), help=t("travel_chart_budget_help"))
    st.plotly_chart(travel_charts.budget_chart(budget, lang), config=PLOTLY_CONFIG)
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("travel_table_budget"))
    table = travel_charts.budget_table(budget, lang)
    table_download(
        button_col,
        t("travel_download_excel"),
        table,
        sheet_name=t("travel_table_budget", lang),
        lang=lang,
        number_formats=travel_charts.budget_excel_formats(lang),
        file_name="travel_budget_by_team.xlsx",
        key="travel_budget_download",
    )
    tables.show(
        st,
        table,
        lambda shown: travel_charts.style_budget_table(shown, lang),
        hide_index=True,
        placeholder="—",
    )
    if len(budget):
        st.caption(
            t("travel_table_budget_caption").format(
                start=f"{budget['period_start'].iloc[0]:%Y-%m-%d}",
                end=f"{budget['period_end'].iloc[0]:%Y-%m-%d}",
            )
        )

with st.container(border=True):
    st.subheader(t("travel_chart_km"))
    monthly = travel_data.cost_by_month(source, filters)
    st.plotly_chart(travel_charts.km_chart(monthly, lang), config=PLOTLY_CONFIG)

with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("travel_table_outliers"))
    if outliers.empty:
        st.info(t("travel_no_outliers"), icon=":material/check_circle:")
    else:
        table = travel_charts.outlier_table(outliers, lang)
        table_download(
            button_col,
            t("travel_download_excel"),
            table,
            sheet_name=t("travel_table_outliers", lang),
            lang=lang,
            number_formats=travel_charts.outlier_excel_formats(lang),
            file_name=f"travel_outlier_claims_{periods.month_label(month_from)}_{periods.month_label(month_to)}.xlsx",
            key="travel_outliers_download",
        )
        tables.show(
            st,
            table,
            lambda shown: travel_charts.style_outlier_table(shown, lang),
            hide_index=True,
            placeholder="—",
        )
        st.caption(t("travel_table_outliers_caption"))

map_col, precision_col = st.columns([3, 1])
with map_col.container(border=True):
    st.subheader(t("travel_map"), help=t("travel_map_help"))
    locations = travel_data.map_locations(source, filters)
    mapped = travel_charts.largest_customers(locations)
    st.plotly_chart(travel_charts.location_map(mapped, lang), config=PLOTLY_CONFIG)
    customers = int((locations["location_type"] == "customer").sum())
    if customers > travel_charts.MAP_CUSTOMERS:
        st.caption(
            t("travel_map_largest").format(shown=travel_charts.MAP_CUSTOMERS, total=customers)
        )
with precision_col.container(border=True):
    st.subheader(t("travel_precision"))
    precision = travel_data.geocoding_precision(source)
    st.dataframe(
        travel_charts.style_precision_table(travel_charts.precision_table(precision, lang), lang),
        hide_index=True,
    )
    st.caption(t("travel_precision_caption"))
