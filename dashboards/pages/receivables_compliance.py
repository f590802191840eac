"""Contract compliance: order lines against their approved contract, orders without a contract
and contracts changed after approval, with the amount at stake."""

import streamlit as st

from dashboards import charts, data, tables, url_state
from dashboards import receivables_data as ar
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

EXCEPTION_TYPES = (
    "discount",
    "validity",
    "payment_terms",
    "changed_after_approval",
    "no_contract",
    "unknown_contract",
)

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("receivables_page_compliance"))
st.caption(t("receivables_compliance_caption"))
missing = data.missing_marts(source, ar.COMPLIANCE_MARTS)
if missing:
    st.error(
        t("receivables_missing_tables").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()

types = url_state.picker(
    st.multiselect,
    t("receivables_exception_type"),
    EXCEPTION_TYPES,
    key="receivables_exception_types",
    param="types",
    multi=True,
    format_func=lambda x: t(f"receivables_exception_{x}"),
    placeholder=t("filter_all"),
)
exceptions = ar.compliance_exceptions(source, tuple(types))
summary = exceptions.groupby("exception_type", sort=False)["amount_at_stake"].agg(["size", "sum"])
cards = [(x, summary.loc[x]) for x in EXCEPTION_TYPES if x in summary.index]
if not cards:
    st.info(t("receivables_no_exceptions"), icon=":material/info:")
    st.stop()
for column, (kind, row) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(
        t(f"receivables_exception_{kind}"),
        charts.format_cny_compact(row["sum"], lang),
        f"{int(row['size'])} {t('receivables_exceptions_count')}",
        delta_color="off",
        border=True,
    )

columns = {
    "exception_type": "receivables_exception_type",
    "contract_id": "receivables_col_contract",
    "order_id": "receivables_col_order",
    "line_no": "receivables_col_line",
    "statement_id": "receivables_col_statement",
    "account_name": "receivables_col_customer",
    "owner_name": "receivables_col_rep",
    "detected_on": "receivables_col_detected_on",
    "expected_value": "receivables_col_expected",
    "actual_value": "receivables_col_actual",
    "amount_at_stake": "receivables_col_at_stake",
}
table = exceptions.assign(
    exception_type=exceptions["exception_type"].map(lambda x: t(f"receivables_exception_{x}"))
)[list(columns)].rename(columns={c: t(k) for c, k in columns.items()})
tables.show(
    st,
    table,
    lambda shown: shown.style.format(
        {t("receivables_col_at_stake"): charts.format_cny}, na_rep="—"
    ),
    hide_index=True,
)
