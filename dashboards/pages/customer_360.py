"""Customer 360°: find a customer by any of its names and see everything the company knows
about it, receivables and their aging included."""

import pandas as pd
import streamlit as st

from dashboards import charts, customers_data, data, url_state
from dashboards.i18n import MISSING_PUBLISHED, TEXTS, current_language, t

EVENT_TYPES = ("opportunity", "contract", "order", "device", "service_ticket", "visit")

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("customers_page_360"))
st.caption(
    f"{t('customers_360_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)
missing = data.missing_marts(source, customers_data.CUSTOMER_360_MARTS)
if missing:
    st.error(
        t("customers_missing_table").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()


def _code(value: object) -> str:
    """A code through its label (account type, hospital grade, status); blanks as —."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    key = f"customers_code_{value}"
    return t(key) if key in TEXTS else str(value)


def _day(value: object) -> str:
    return "—" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


DAY_COLUMNS = (
    "customers_col_created_on",
    "customers_col_event_on",
    "customers_col_as_of",
    "customers_col_due_on",
)


def _table(frame: pd.DataFrame, columns: dict[str, str], formats: dict | None = None) -> None:
    """``frame``'s columns labelled, formatted, ``—`` where empty; a note when no rows."""
    if frame.empty:
        st.caption(t("customers_none"))
        return
    labelled = frame[list(columns)].rename(columns={c: t(k) for c, k in columns.items()})
    days = {key: _day for key in DAY_COLUMNS if key in columns.values()}
    st.dataframe(charts._formatted(labelled, lang, days | (formats or {})), hide_index=True)


text = url_state.text_input(
    st, t("customers_search"), key="customers_q", param="q", help=t("customers_search_help")
)
if not text.strip():
    st.info(t("customers_type_to_search"), icon=":material/search:")
    st.stop()
hits = customers_data.search_customers(source, text)
if hits.empty:
    st.warning(t("customers_no_match"), icon=":material/search_off:")
    st.stop()
labels = {
    row.golden_customer_id: f"{row.customer_name} · {row.city or '—'} · {row.golden_customer_id}"
    + ("" if row.matched_name == row.customer_name else f"  ({row.matched_name})")
    for row in hits.itertuples()
}
golden_id = url_state.picker(
    st.selectbox,
    t("customers_pick"),
    labels,
    key="customers_pick",
    param="customer",
    format_func=labels.__getitem__,
)
record = customers_data.customer(source, golden_id).iloc[0]

# st.text, not st.header: every Markdown element turns a URL inside a name into a link, even
# escaped (GFM autolinks); a name from the exports is shown exactly as it is
st.text(record.customer_name)
cards = [
    (t("customers_tier"), record.customer_tier or "—", t("customers_tier_help")),
    (
        t("customers_value_score"),
        "—" if pd.isna(record.value_score) else f"{record.value_score:.2f}",
        None,
    ),
    (
        t("customers_revenue_12m"),
        charts.format_cny_compact(
            None if pd.isna(record.revenue_12m) else float(record.revenue_12m), lang
        ),
        None,
    ),
    (
        t("customers_completeness"),
        charts.format_percent(record.profile_completeness),
        t("customers_completeness_help"),
    ),
    (t("customers_source_records"), charts.format_count(int(record.source_records)), None),
]
for column, (label, value, help_text) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(label, value, help=help_text, border=True)

golden_col, group_col = st.columns(2, gap="medium")
with golden_col.container(border=True):
    st.subheader(t("customers_golden_record"))
    fields = {
        t("customers_col_golden_id"): record.golden_customer_id,
        t("customers_col_account_type"): _code(record.account_type),
        t("customers_col_hospital_grade"): _code(record.hospital_grade),
        t("customers_col_place"): " / ".join(
            str(v) for v in (record.province, record.city, record.district) if pd.notna(v)
        ),
        t("customers_col_address"): record.address,
        t("customers_col_phone"): record.phone,
        t("customers_col_credit_code"): record.credit_code,
        t("customers_col_owner"): f"{record.owner_name or '—'} · {record.team_name or '—'}",
        t("customers_col_created_on"): _day(record.first_created_on),
    }
    st.dataframe(
        pd.DataFrame(
            {t("customers_field"): list(fields), t("customers_value"): list(fields.values())}
        )
        .astype(str)
        .replace({"None": "—", "nan": "—", "NaT": "—"}),
        hide_index=True,
    )
with group_col.container(border=True):
    st.subheader(t("customers_group"))
    members = customers_data.group_members(source, record.top_group_customer_id)
    if len(members) <= 1:
        st.caption(t("customers_no_group"))
    else:
        # st.text: names from the exports are shown as they are, never as Markdown
        st.text(f"{t('customers_group_top')}: {record.top_group_name}")
        if pd.notna(record.parent_golden_customer_id):
            st.text(f"{t('customers_group_parent')}: {record.parent_golden_customer_id}")
        st.text(t("customers_group_members"))
        _table(
            members,
            {
                "golden_customer_id": "customers_col_golden_id",
                "customer_name": "customers_col_name",
                "owner_name": "customers_col_owner",
                "team_name": "customers_col_team",
                "customer_tier": "customers_col_tier",
            },
        )

with st.container(border=True):
    st.subheader(t("customers_aliases"))
    alias_rows = customers_data.aliases(source, golden_id)
    alias_rows["match_method"] = [t(f"customers_method_{m}") for m in alias_rows["match_method"]]
    _table(
        alias_rows,
        {
            "account_id": "customers_col_account_id",
            "account_name": "customers_col_account_name",
            "match_method": "customers_col_method",
            "match_score": "customers_col_score",
            "match_evidence": "customers_col_evidence",
            "owner_name": "customers_col_owner",
            "team_name": "customers_col_team",
            "created_on": "customers_col_created_on",
        },
        {"customers_col_score": "{:.2f}"},
    )

contacts_col, owners_col = st.columns(2, gap="medium")
with contacts_col.container(border=True):
    st.subheader(t("customers_contacts"))
    _table(
        customers_data.contacts(source, golden_id),
        {
            "department": "customers_col_department",
            "title": "customers_col_title",
            "contact_name": "customers_col_contact",
            "mobile": "customers_col_mobile",
        },
    )
with owners_col.container(border=True):
    st.subheader(t("customers_owners"))
    owners = alias_rows.groupby(["owner_name", "team_name"], dropna=False).size().reset_index()
    owners.columns = ["owner_name", "team_name", "records"]
    _table(
        owners,
        {
            "owner_name": "customers_col_owner",
            "team_name": "customers_col_team",
            "records": "customers_col_records",
        },
    )

with st.container(border=True):
    st.subheader(t("customers_receivables"), help=t("customers_receivables_help"))
    if data.missing_marts(source, customers_data.RECEIVABLES_MARTS):
        st.caption(t("customers_receivables_missing"))
    else:
        open_items = customers_data.open_receivables(source, golden_id, lang)
        overdue = open_items[open_items["days_past_due"] > 0]
        figures = (
            ("customers_open_amount", charts.format_cny(open_items["open_amount"].sum())),
            ("customers_overdue_amount", charts.format_cny(overdue["open_amount"].sum())),
            (
                "customers_max_days_overdue",
                charts.format_count(int(overdue["days_past_due"].max())) if len(overdue) else "—",
            ),
        )
        for column, (key, value) in zip(st.columns(len(figures)), figures, strict=True):
            column.metric(t(key), value, border=True)
        _table(
            open_items,
            {
                "as_of_date": "customers_col_as_of",
                "statement_id": "customers_col_statement",
                "installment_no": "customers_col_installment",
                "account_name": "customers_col_account_name",
                "due_on": "customers_col_due_on",
                "open_amount": "customers_col_open_receivable",
                "days_past_due": "customers_col_days_past_due",
                "bucket_name": "customers_col_bucket",
                "late_fee_accrued": "customers_col_late_fee",
            },
            {
                "customers_col_open_receivable": charts.format_cny,
                "customers_col_late_fee": charts.format_cny,
            },
        )

with st.container(border=True):
    st.subheader(t("customers_history"))
    events = customers_data.timeline(source, golden_id, lang)
    # the customer at a glance, from the same events as the tabs below that list them
    status, kind = events["event_status"], events["event_type"]
    open_deals = events[(kind == "opportunity") & ~status.isin(["won", "lost"])]
    valid_contracts = int(((kind == "contract") & (status == "valid")).sum())
    open_tickets = int(((kind == "service_ticket") & ~status.isin(["resolved", "closed"])).sum())
    visits = events[kind == "visit"]["event_on"]
    glance = (
        ("customers_open_pipeline", charts.format_cny_compact(open_deals["amount"].sum(), lang)),
        ("customers_valid_contracts", charts.format_count(valid_contracts)),
        ("customers_installed_base", charts.format_count(int((kind == "device").sum()))),
        ("customers_open_tickets", charts.format_count(open_tickets)),
        ("customers_last_visit", _day(visits.max()) if len(visits) else "—"),
    )
    for column, (key, value) in zip(st.columns(len(glance)), glance, strict=True):
        column.metric(t(key), value, border=True)
    events["event_status"] = events["event_status"].map(_code)
    tabs = st.tabs(
        [
            f"{t(f'customers_event_{kind}')} ({int((events['event_type'] == kind).sum())})"
            for kind in EVENT_TYPES
        ]
    )
    for tab, kind in zip(tabs, EVENT_TYPES, strict=True):
        with tab:
            _table(
                events[events["event_type"] == kind],
                {
                    "event_id": "customers_col_event_id",
                    "event_on": "customers_col_event_on",
                    "amount": "customers_col_amount",
                    "event_status": "customers_col_status",
                    "employee_name": "customers_col_employee",
                    "detail": "customers_col_detail",
                    "account_name": "customers_col_account_name",
                },
                {"customers_col_amount": charts.format_cny},
            )
