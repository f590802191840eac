"""Sales alerts: the deals nobody followed up, the leads nobody contacted in time and the
deals stuck in a stage, with their owner and manager, longest untouched first."""

import streamlit as st

from dashboards import alerts_charts, alerts_data, charts, data, tables, url_state
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("page_sales_alerts"))

missing = data.missing_marts(source, (alerts_data.ALERTS_MART,))
if missing:
    st.caption(t("sales_alerts_caption"))
    st.error(t("alerts_missing_table").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

as_of = alerts_data.alerts_as_of(source)
as_of_text = "—" if as_of is None else f"{as_of:%Y-%m-%d %H:%M}"
st.caption(
    f"{t('sales_alerts_caption')}  ·  {t('alerts_as_of')}: {as_of_text}  ·  "
    f"{t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)

rules = alerts_data.alert_rules(source)
if rules.empty:
    st.success(t("alerts_none"), icon=":material/check_circle:")
    st.stop()
rule_names = alerts_charts.alert_rule_names(rules, lang)
owners = alerts_data.alert_owners(source)
owner_labels = {
    row.owner_id: f"{row.owner_name or row.owner_id} · {row.team_name or t('no_team')}"
    for row in owners.itertuples()
}
team_labels = {
    row.team_id: f"{row.team_name} · {row.region_name}"
    for row in owners.dropna(subset=["team_id"]).drop_duplicates("team_id").itertuples()
}
regions = [name for name in dict.fromkeys(owners["region_name"]) if isinstance(name, str)]


with st.container(border=True):
    rule_col, region_col, team_col, owner_col = st.columns(4, gap="medium")
    chosen_rules = url_state.pick_any(
        rule_col, "filter_rules", rule_names, "sales_alerts_rules", "rules"
    )
    chosen_regions = url_state.pick_any(
        region_col,
        "filter_regions",
        {name: name for name in regions},
        "sales_alerts_regions",
        "regions",
    )
    chosen_teams = url_state.pick_any(
        team_col, "filter_teams", team_labels, "sales_alerts_teams", "teams"
    )
    chosen_owners = url_state.pick_any(
        owner_col, "filter_owners", owner_labels, "sales_alerts_owners", "owners"
    )

filters = alerts_data.AlertFilters(
    rules=tuple(chosen_rules),
    region_names=tuple(chosen_regions),
    team_ids=tuple(chosen_teams),
    owner_ids=tuple(chosen_owners),
)
counts = alerts_data.alert_counts(source, filters)

kpi_cards = [(t("kpi_alerts_total"), sum(counts.values()), t("kpi_alerts_total_help"))]
kpi_cards += [
    (name, counts.get(rule, 0), t("kpi_alert_rule_help")) for rule, name in rule_names.items()
]
for column, (label, value, help_text) in zip(st.columns(len(kpi_cards)), kpi_cards, strict=True):
    column.metric(label, charts.format_count(value), help=help_text, border=True)

alerts = alerts_data.sales_alerts(source, filters)
if alerts.empty:
    st.info(t("alerts_none_filtered"), icon=":material/info:")
    st.stop()

with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t("table_alerts"))
    table = alerts_charts.alerts_table(alerts, lang)
    table_download(
        button_col,
        t("download_excel"),
        table,
        sheet_name=t("page_sales_alerts"),
        lang=lang,
        number_formats=alerts_charts.alerts_excel_formats(lang),
        file_name=f"sales_alerts_{as_of_text[:10] if as_of else 'none'}.xlsx",
    )
    tables.show(
        st,
        table,
        lambda shown: alerts_charts.style_alerts_table(shown, lang),
        hide_index=True,
        placeholder="—",
    )
    st.caption(t("table_alerts_caption"))
