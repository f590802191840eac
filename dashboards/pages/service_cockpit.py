"""Service director cockpit: KPI cards against their targets, open tickets breached or at risk,
SLA attainment trend and the engineer league table; filters by month, region, customer tier,
device model and channel."""

import streamlit as st

from dashboards import charts, data, periods, service_charts, service_data, url_state
from dashboards.auth_session import session_scope
from dashboards.closed_months import closed_in, show_closed_note
from dashboards.downloads import table_download
from dashboards.export_notes import show_thin_export_notes
from dashboards.i18n import MISSING_PUBLISHED, TEXTS, current_language, t
from dashboards.metric_docs import kpi_help

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
    regions = url_state.picker(
        region_col.multiselect,
        t("service_filter_regions"),
        options["region_name"],
        key="service_regions",
        param="regions",
        multi=True,
        placeholder=t("service_filter_all"),
    )
    tiers = url_state.picker(
        tier_col.multiselect,
        t("service_filter_tiers"),
        options["service_tier"],
        key="service_tiers",
        param="tiers",
        multi=True,
        format_func=_tier_label,
        placeholder=t("service_filter_all"),
    )
    models = url_state.picker(
        model_col.multiselect,
        t("service_filter_models"),
        options["device_model"],
        key="service_models",
        param="models",
        multi=True,
        placeholder=t("service_filter_all"),
    )
    channels = url_state.picker(
        channel_col.multiselect,
        t("service_filter_channels"),
        options["channel"],
        key="service_channels",
        param="channels",
        multi=True,
        format_func=_channel_label,
        placeholder=t("service_filter_all"),
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

closed = closed_in(source, service_data.SLA_MART, month_from, month_to)
if service_data.frozen_sla_used(source, filters):
    show_closed_note(closed, "closed_what_sla")
elif not closed.empty:
    st.caption(
        t("closed_sla_by_model").format(months=", ".join(f"{m:%Y-%m}" for m in closed["month"]))
    )

plotly_config = {"displaylogo": False, "responsive": True}

if not data.missing_marts(source, service_data.COVERED_RECEIVABLES_MARTS):
    covered = service_data.covered_receivables(source, filters)
    as_of = "—" if covered["as_of_date"] is None else f"{covered['as_of_date']:%Y-%m-%d}"
    with st.container(border=True):
        st.subheader(
            t("service_section_covered_receivables").format(date=as_of),
            help=t("service_covered_receivables_help"),
        )
        figures = (
            ("service_covered_customers", charts.format_count(covered["customers"])),
            (
                "service_covered_outstanding",
                charts.format_cny_compact(covered["outstanding"], lang),
            ),
            ("service_covered_overdue", charts.format_cny_compact(covered["overdue"], lang)),
            (
                "service_covered_overdue_customers",
                charts.format_count(covered["overdue_customers"]),
            ),
        )
        for column, (key, value) in zip(st.columns(len(figures)), figures, strict=True):
            column.metric(t(key), value, border=True)
        if session_scope().may_open("receivables-aging"):
            st.page_link(
                "pages/receivables_aging.py",
                label=t("service_covered_explain"),
                icon=":material/east:",
            )

open_tickets = service_data.open_tickets(source, filters)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("service_section_open"))
    table = service_charts.open_tickets_table(open_tickets, lang)
    table_download(
        button_col,
        t("service_download_excel"),
        table,
        sheet_name=service_charts.sheet_name(t("service_section_open")),
        lang=lang,
        number_formats={t("service_col_age_days", lang): "0.0"},
        file_name="service_open_tickets.xlsx",
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
    table_download(
        button_col,
        t("service_download_excel"),
        table,
        sheet_name=service_charts.sheet_name(t("service_section_engineers")),
        lang=lang,
        number_formats=service_charts.excel_formats(service_charts.ENGINEER_FORMATS, lang),
        file_name=f"service_engineers_{periods.month_label(month_from)}_{periods.month_label(month_to)}.xlsx",
        key="service_engineers_download",
    )
    st.dataframe(
        service_charts.style_table(table, lang, service_charts.ENGINEER_FORMATS),
        hide_index=True,
        placeholder="—",
    )
