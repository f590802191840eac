"""Ownership collisions: one customer or group owned by several reps, or open opportunities
from several reps on one customer, for a manager to assign ownership (Excel download)."""

import streamlit as st

from dashboards import charts, customers_data, data, url_state
from dashboards.downloads import table_download
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

COLLISION_TYPES = ("customer_owners", "group_owners", "open_opportunities")
COLUMNS = {
    "collision_type": "customers_col_collision_type",
    "golden_customer_id": "customers_col_golden_id",
    "customer_name": "customers_col_name",
    "province": "customers_col_province",
    "region_names": "customers_col_regions",
    "owners": "customers_col_owners",
    "teams": "customers_col_teams",
    "owner_names": "customers_col_owner_names",
    "open_opportunities": "customers_col_open_opportunities",
    "open_amount": "customers_col_open_amount",
    "is_shared_followup": "customers_col_shared",
    "evidence": "customers_col_evidence",
}

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("customers_page_collisions"))
st.caption(
    f"{t('customers_collisions_caption')}  ·  "
    f"{t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)
missing = data.missing_marts(source, (customers_data.COLLISIONS_MART,))
if missing:
    st.error(
        t("customers_missing_table").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()

collisions = customers_data.collisions(source)
type_labels = {kind: t(f"customers_collision_{kind}") for kind in COLLISION_TYPES}
regions = sorted(
    {r.strip() for names in collisions["region_names"].dropna() for r in names.split(",")}
)
with st.container(border=True):
    type_col, region_col, shared_col = st.columns([2, 2, 1], vertical_alignment="bottom")
    chosen_types = url_state.picker(
        type_col.multiselect,
        t("customers_filter_types"),
        type_labels,
        key="customers_collision_types",
        param="types",
        multi=True,
        format_func=type_labels.__getitem__,
        placeholder=t("filter_all"),
    )
    chosen_regions = url_state.picker(
        region_col.multiselect,
        t("customers_filter_regions"),
        regions,
        key="customers_collision_regions",
        param="regions",
        multi=True,
        placeholder=t("filter_all"),
    )
    show_shared = url_state.toggle(
        shared_col, t("customers_show_shared"), key="customers_show_shared", param="shared"
    )

shown = collisions
if chosen_types:
    shown = shown[shown["collision_type"].isin(chosen_types)]
if chosen_regions:
    shown = shown[
        shown["region_names"]
        .fillna("")
        .map(lambda names: any(r.strip() in chosen_regions for r in names.split(",")))
    ]
if not show_shared:
    shown = shown[~shown["is_shared_followup"]]

cards = [(t("customers_kpi_collisions"), charts.format_count(len(shown)))]
cards += [
    (label, charts.format_count(int((shown["collision_type"] == kind).sum())))
    for kind, label in type_labels.items()
]
open_amount = float(shown["open_amount"].astype(float).sum())
cards += [(t("customers_kpi_open_amount"), charts.format_cny_compact(open_amount, lang))]
for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(label, value, border=True)

if shown.empty:
    st.info(t("customers_no_collisions"), icon=":material/info:")
    st.stop()

table = shown.assign(collision_type=shown["collision_type"].map(type_labels))
table = table[list(COLUMNS)].rename(columns={c: t(k) for c, k in COLUMNS.items()})
with st.container(border=True):
    _, button_col = st.columns([4, 1], vertical_alignment="bottom")
    table_download(
        button_col,
        t("customers_download"),
        table,
        sheet_name=t("customers_page_collisions"),
        lang=lang,
        number_formats={t("customers_col_open_amount"): "¥#,##0"},
        file_name="customer_collisions.xlsx",
    )
    st.dataframe(
        charts._formatted(table, lang, {"customers_col_open_amount": charts.format_cny}),
        hide_index=True,
    )
