"""Sales funnel: how the opportunities that entered the funnel in the chosen months moved on
through the stages to won; drill-down from company to rep, breakdowns by product line,
channel and lead source, and why deals were lost."""

import pandas as pd
import streamlit as st

from dashboards import charts, data, funnel_charts, funnel_data, periods, url_state
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t
from dashboards.metric_docs import kpi_help

# The drill path: picker level, the column its choice filters, and the level broken down next.
DRILL_PATH = (
    ("region", "region_id", "region_name", "province"),
    ("province", "province_unit_id", "province_unit_name", "team"),
    ("team", "team_id", "team_name", "owner"),
    ("owner", "owner_id", "owner_name", "owner"),
)
CODE_LEVELS = ("product_line", "channel", "lead_source")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("page_sales_funnel"))
st.caption(
    f"{t('sales_funnel_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

missing = data.missing_marts(source, funnel_data.SALES_FUNNEL_MARTS)
if missing:
    st.error(t("missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

months = funnel_data.month_range(source)
if not months:
    st.info(t("no_rows"), icon=":material/info:")
    st.stop()
org = funnel_data.funnel_org(source)
code_labels = {code: funnel_data.code_names(source, code, lang) for code in CODE_LEVELS}


def _download(column, table: pd.DataFrame, name: str, formats: dict[str, str] | None) -> None:
    table_download(
        column,
        t("download_excel"),
        table,
        sheet_name=name,
        lang=lang,
        number_formats=formats,
        file_name=f"{name}_{periods.month_label(month_from)}_{periods.month_label(month_to)}.xlsx",
        key=f"download_{name}",
    )


with st.container(border=True):
    month_col, line_col, channel_col, source_col = st.columns([3, 2, 2, 2], gap="medium")
    month_from, month_to = periods.month_range(
        month_col, t("filter_months"), months, key="sales_funnel_months"
    )
    line_codes = url_state.pick_any(
        line_col,
        "filter_product_lines",
        code_labels["product_line"],
        "sales_funnel_product_lines",
        "product_lines",
    )
    channels = url_state.pick_any(
        channel_col, "filter_channels", code_labels["channel"], "sales_funnel_channels", "channels"
    )
    lead_sources = url_state.pick_any(
        source_col,
        "filter_lead_sources",
        code_labels["lead_source"],
        "sales_funnel_lead_sources",
        "lead_sources",
    )

    # Drill-down: each picker offers only the units under the choice above it.
    chosen: dict[str, str] = {}
    scope = org
    breakdown_level = "region"
    for column, (level, id_column, name_column, next_level) in zip(
        st.columns(len(DRILL_PATH), gap="medium"), DRILL_PATH, strict=True
    ):
        units = scope.dropna(subset=[id_column]).drop_duplicates(id_column)
        names = dict(
            zip(units[id_column], units[name_column].fillna(units[id_column]), strict=True)
        )
        picked = url_state.picker(
            column.selectbox,
            t(f"filter_{'rep' if level == 'owner' else level}"),
            names,
            key=f"sales_funnel_{level}",
            param=level,
            index=None,
            format_func=names.__getitem__,
            placeholder=t("filter_all"),
        )
        if picked is None:
            break
        chosen[id_column] = picked
        scope = scope[scope[id_column] == picked]
        breakdown_level = next_level
    st.caption(t("drill_caption"))

filters = funnel_data.FunnelFilters(
    month_from=month_from,
    month_to=month_to,
    region_ids=tuple(filter(None, [chosen.get("region_id")])),
    province_unit_ids=tuple(filter(None, [chosen.get("province_unit_id")])),
    team_ids=tuple(filter(None, [chosen.get("team_id")])),
    owner_ids=tuple(filter(None, [chosen.get("owner_id")])),
    product_lines=tuple(line_codes),
    channels=tuple(channels),
    lead_sources=tuple(lead_sources),
)
kpis = funnel_data.funnel_kpis(source, filters)

kpi_cards = (
    ("kpi_opportunities", charts.format_count(kpis["opportunities"])),
    ("kpi_won", charts.format_count(kpis["won"])),
    ("kpi_win_rate", charts.format_percent(kpis["win_rate"])),
    ("kpi_won_amount", charts.format_cny_compact(kpis["won_amount"], lang)),
    ("kpi_days_to_win", charts.format_days(kpis["median_days_to_win"])),
)
for column, (key, value) in zip(st.columns(len(kpi_cards)), kpi_cards, strict=True):
    column.metric(t(key), value, help=kpi_help("sales-funnel", key), border=True)

if kpis["opportunities"] == 0:
    st.info(t("no_rows"), icon=":material/info:")
    st.stop()
if kpis["current_stage_only"]:
    st.info(
        t("funnel_current_stage_only").format(
            count=kpis["current_stage_only"], total=kpis["opportunities"]
        ),
        icon=":material/info:",
    )

stages = funnel_data.funnel_by_stage(source, filters)
trend = funnel_data.monthly_trend(source, filters)

funnel_col, trend_col = st.columns(2, gap="medium")
with funnel_col.container(border=True):
    st.subheader(t("chart_funnel"), help=t("chart_funnel_help"))
    st.plotly_chart(funnel_charts.funnel_chart(stages, lang), config=PLOTLY_CONFIG)
with trend_col.container(border=True):
    st.subheader(t("chart_trend"), help=t("chart_trend_help"))
    st.plotly_chart(funnel_charts.trend_chart(trend, lang), config=PLOTLY_CONFIG)

with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("table_conversion"))
    table = funnel_charts.conversion_table(stages, lang)
    _download(button_col, table, "sales_funnel", None)
    st.dataframe(
        funnel_charts.style_conversion_table(table, lang),
        column_config=funnel_charts.conversion_column_config(lang),
        hide_index=True,
        placeholder="—",
    )
    st.caption(t("table_conversion_caption"))

with st.container(border=True):
    title_col, level_col, button_col = st.columns([3, 3, 1], vertical_alignment="bottom")
    title_col.subheader(t("breakdown_title"), help=t("breakdown_help"))
    levels = list(dict.fromkeys([breakdown_level, *CODE_LEVELS]))
    level = url_state.picker(
        level_col.segmented_control,
        t("breakdown_by"),
        levels,
        key=f"sales_funnel_breakdown_{breakdown_level}",
        param="by",
        default=breakdown_level,
        format_func=lambda option: t(f"level_{option}"),
    )
    level = level or breakdown_level
    breakdown = funnel_data.funnel_breakdown(source, filters, level)
    table = funnel_charts.breakdown_table(breakdown, stages, lang, code_labels.get(level))
    _download(
        button_col,
        table,
        f"sales_funnel_by_{level}",
        funnel_charts.breakdown_excel_formats(table, lang),
    )
    st.dataframe(funnel_charts.style_breakdown_table(table, lang), hide_index=True, placeholder="—")

with st.container(border=True):
    st.subheader(t("lost_title"), help=t("lost_help"))
    reasons = funnel_data.funnel_lost_reasons(source, filters, lang)
    if reasons.empty:
        st.info(t("lost_none"), icon=":material/info:")
    else:
        table = funnel_charts.lost_reasons_table(reasons, lang)
        chart_col, table_col = st.columns([2, 3], gap="medium")
        chart_col.plotly_chart(funnel_charts.lost_reasons_chart(table, lang), config=PLOTLY_CONFIG)
        with table_col:
            _download(
                st, table, "sales_lost_reasons", funnel_charts.lost_reasons_excel_formats(lang)
            )
            st.dataframe(
                funnel_charts.style_lost_reasons_table(table, lang),
                hide_index=True,
                placeholder="—",
            )
