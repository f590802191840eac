"""Devices, parts and P&L: installed base (warranty, contracts, census, preventive
maintenance), reliability per model, spare-part stock and use, and the service P&L; filters by
month, region and device model."""

import streamlit as st

from dashboards import charts, data, periods, service_charts, service_data, url_state
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("service_page_assets"))
st.caption(
    f"{t('service_assets_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

missing = data.missing_marts(source, service_data.SERVICE_ASSETS_MARTS + ("fct_service_tickets",))
if missing:
    st.error(t("service_missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

options = service_data.filter_options(source)
months = options["months"]
if not months:
    st.info(t("service_no_data"), icon=":material/info:")
    st.stop()


with st.container(border=True):
    month_col, region_col, model_col = st.columns([3, 2, 3])
    month_from, month_to = periods.month_range(
        month_col, t("service_filter_months"), months, key="service_assets_months"
    )
    regions = url_state.picker(
        region_col.multiselect,
        t("service_filter_regions"),
        options["region_name"],
        key="service_assets_regions",
        param="regions",
        multi=True,
        placeholder=t("service_filter_all"),
    )
    models = url_state.picker(
        model_col.multiselect,
        t("service_filter_models"),
        options["device_model"],
        key="service_assets_models",
        param="models",
        multi=True,
        placeholder=t("service_filter_all"),
    )

filters = service_data.ServiceFilters(
    month_from=month_from,
    month_to=month_to,
    region_names=tuple(regions),
    device_models=tuple(models),
)
plotly_config = {"displaylogo": False, "responsive": True}


def download(table, title_key: str, formats: dict, file_stem: str, column) -> None:
    table_download(
        column,
        t("service_download_excel"),
        table,
        sheet_name=service_charts.sheet_name(t(title_key)),
        lang=lang,
        number_formats=service_charts.excel_formats(formats, lang),
        file_name=f"{file_stem}.xlsx",
        key=f"{file_stem}_download",
    )


st.subheader(t("service_section_installed"))
base = service_data.installed_base(source, filters)
cards = (
    ("service_card_devices", base["devices"]),
    ("service_card_warranty", base["under_warranty"]),
    ("service_card_contract", base["under_contract"]),
    ("service_card_not_seen", base["not_seen"]),
    ("service_card_pm_due", base["pm_due"]),
    ("service_card_pm_overdue", base["pm_overdue"]),
)
for column, (key, value) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(t(key), charts.format_count(value), border=True)

sections = (
    (
        "service_section_reliability",
        service_data.reliability(source, filters),
        service_charts.RELIABILITY_COLUMNS,
        service_charts.RELIABILITY_FORMATS,
        "service_reliability",
    ),
    (
        "service_section_stock",
        service_data.parts_stock(source),
        service_charts.STOCK_COLUMNS,
        service_charts.STOCK_FORMATS,
        "service_parts_stock",
    ),
    (
        "service_section_parts",
        service_data.parts_by_model(source, filters),
        service_charts.PARTS_COLUMNS,
        service_charts.PARTS_FORMATS,
        "service_parts_used",
    ),
)
if not data.missing_marts(source, (service_data.COVERED_OVERDUE_MART,)):
    sections += (
        (
            "service_section_covered_overdue",
            service_data.covered_devices_overdue(source, filters).replace(
                {
                    "coverage_status": {
                        "warranty": t("service_card_warranty"),
                        "service_contract": t("service_card_contract"),
                    }
                }
            ),
            service_charts.COVERED_OVERDUE_COLUMNS,
            service_charts.COVERED_OVERDUE_FORMATS,
            "service_covered_devices_overdue",
        ),
    )
for title_key, frame, columns, formats, file_stem in sections:
    with st.container(border=True):
        title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
        title_col.subheader(t(title_key))
        table = service_charts.labelled_table(frame, columns, lang)
        download(table, title_key, formats, file_stem, button_col)
        st.dataframe(
            service_charts.style_table(table, lang, formats), hide_index=True, placeholder="—"
        )

pnl = service_data.pnl(source, filters)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("service_section_pnl"))
    st.plotly_chart(service_charts.pnl_chart(pnl, lang), config=plotly_config)
    table = service_charts.labelled_table(pnl, service_charts.PNL_COLUMNS, lang)
    download(table, "service_section_pnl", service_charts.PNL_FORMATS, "service_pnl", button_col)
    st.dataframe(
        service_charts.style_table(table, lang, service_charts.PNL_FORMATS),
        hide_index=True,
        placeholder="—",
    )
