"""Service director cockpit: KPI cards against their targets, open tickets breached or at risk,
SLA attainment trend and the engineer league table; filters by month, region, customer tier,
device model and channel."""

import streamlit as st

from dashboards import audit, charts, data, periods, service_charts, service_data
from dashboards.export_notes import show_thin_export_notes
from dashboards.i18n import MISSING_PUBLISHED, TEXTS, current_language, t
from dashboards.metric_docs import kpi_help

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("service_page_cockpit"))
st.caption(
    f"{t('service_cockpit_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

missing = data.missing_marts(
    source, service_data.SERVICE_COCKPIT_MARTS + (service_data.KPI_TARGETS_TABLE,)
)
if missing:
    st.error(t("service_missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()
show_thin_export_notes(source, "service")

options = service_data.filter_options(source)
months = options["months"]
if not months:
    st.info(t("service_no_data"), icon=":material/info:")
    st.stop()


def _tier_label(tier: str) -> str:
    return t(f"service_tier_{tier}") if tier in ("key", "standard") else tier


def _channel_label(channel: str) -> str:
    key = f"service_channel_{channel}"
    return t(key) if key in TEXTS else channel


with st.container(border=True):
    month_col, region_col, tier_col, model_col, channel_col = st.columns([3, 2, 2, 3, 2])
    month_from, month_to = periods.month_range(
        month_col, t("service_filter_months"), months, key="service_months"
    )
    regions = region_col.multiselect(
        t("service_filter_regions"),
        options=options["region_name"],
        placeholder=t("service_filter_all"),
        key="service_regions",
    )
    tiers = tier_col.multiselect(
        t("service_filter_tiers"),
        options=options["service_tier"],
        format_func=_tier_label,
        placeholder=t("service_filter_all"),
        key="service_tiers",
    )
    models = model_col.multiselect(
        t("service_filter_models"),
        options=options["device_model"],
        placeholder=t("service_filter_all"),
        key="service_models",
    )
    channels = channel_col.multiselect(
        t("service_filter_channels"),
        options=options["channel"],
        format_func=_channel_label,
        placeholder=t("service_filter_all"),
        key="service_channels",
    )

filters = service_data.ServiceFilters(
    month_from=month_from,
    month_to=month_to,
    region_names=tuple(regions),
    service_tiers=tuple(tiers),
    device_models=tuple(models),
    channels=tuple(channels),
)
figures = service_data.kpis(source, filters)
targets = service_data.kpi_targets(source)
cards = [
    service_charts.kpi_card(code, kind, figures.get(code), targets, lang)
    for code, kind in service_charts.KPI_CARDS
]
for row_start in range(0, len(cards), 4):
    for column, card in zip(st.columns(4), cards[row_start : row_start + 4], strict=False):
        column.metric(
            card["label"],
            card["value"],
            delta=card["delta"],
            delta_color=card.get("colour", "normal"),
            help=kpi_help("service-cockpit", card["code"], t("service_kpi_help")),
            border=True,
        )

plotly_config = {"displaylogo": False, "responsive": True}

open_tickets = service_data.open_tickets(source, filters)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("service_section_open"))
    table = service_charts.open_tickets_table(open_tickets, lang)
    button_col.download_button(
        t("service_download_excel"),
        data=charts.table_to_excel(
            table,
            sheet_name=service_charts.sheet_name(t("service_section_open")),
            lang=lang,
            number_formats={t("service_col_age_days", lang): "0.0"},
        ),
        file_name="service_open_tickets.xlsx",
        mime=XLSX,
        icon=":material/download:",
        on_click=audit.record_download,
        width="stretch",
        key="service_open_download",
    )
    st.caption(
        t("service_open_summary").format(
            open=len(open_tickets),
            breached=int(open_tickets["is_breached"].sum()),
            at_risk=int(open_tickets["is_at_risk"].fillna(False).sum()),
            today=int(open_tickets["is_due_today"].fillna(False).sum()),
            hours=service_data.at_risk_horizon_hours(open_tickets),
        )
    )
    st.dataframe(service_charts.style_open_tickets(table, lang), hide_index=True, placeholder="—")

with st.container(border=True):
    st.subheader(t("service_section_trend"))
    trend = service_data.attainment_trend(source, filters)
    st.plotly_chart(service_charts.attainment_chart(trend, lang), config=plotly_config)
    causes = service_data.resolution_breach_causes(source, filters)
    st.caption(
        t("service_parts_breach_caption").format(
            breached=causes["breached"], parts=causes["due_to_parts"]
        )
    )

league = service_data.engineer_league(source, filters)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("service_section_engineers"))
    table = service_charts.labelled_table(league, service_charts.ENGINEER_COLUMNS, lang)
    button_col.download_button(
        t("service_download_excel"),
        data=charts.table_to_excel(
            table,
            sheet_name=service_charts.sheet_name(t("service_section_engineers")),
            lang=lang,
            number_formats=service_charts.excel_formats(service_charts.ENGINEER_FORMATS, lang),
        ),
        file_name=f"service_engineers_{periods.month_label(month_from)}_{periods.month_label(month_to)}.xlsx",
        mime=XLSX,
        icon=":material/download:",
        on_click=audit.record_download,
        width="stretch",
        key="service_engineers_download",
    )
    st.dataframe(
        service_charts.style_table(table, lang, service_charts.ENGINEER_FORMATS),
        hide_index=True,
        placeholder="—",
    )
