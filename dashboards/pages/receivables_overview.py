"""Collections and overdue: receivables KPIs, the overdue trend over month-ends, the rep league
table and the customers most overdue."""

import plotly.graph_objects as go
import streamlit as st

from dashboards import charts, data
from dashboards import receivables_data as ar
from dashboards.export_notes import show_thin_export_notes
from dashboards.i18n import MISSING_PUBLISHED, current_language, t
from dashboards.metric_docs import kpi_help

TOP_CUSTOMERS = 20

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("receivables_page_overview"))
missing = data.missing_marts(source, (*ar.OVERVIEW_MARTS, *ar.AGING_MARTS))
if missing:
    st.error(
        t("receivables_missing_tables").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()
show_thin_export_notes(source, "receivables")
trend = ar.overdue_trend(source)
if trend.empty:
    st.info(t("receivables_no_data"), icon=":material/info:")
    st.stop()

latest = trend.iloc[-1]
as_of = f"{latest['month_end']:%Y-%m-%d}"
st.caption(f"{t('receivables_as_of')}: {as_of}")
cards = (
    ("receivables_kpi_outstanding", charts.format_cny_compact(latest["outstanding"], lang)),
    ("receivables_kpi_overdue", charts.format_cny_compact(latest["overdue"], lang)),
    ("receivables_kpi_share_overdue", charts.format_percent(latest["share_overdue"])),
    ("receivables_kpi_dso", charts.format_days(latest["dso_days"])),
    ("receivables_kpi_cei", charts.format_percent(latest["collection_effectiveness"])),
    ("receivables_kpi_reconciliation", charts.format_percent(latest["reconciliation_rate"])),
    ("receivables_kpi_unapplied", charts.format_cny_compact(latest["unapplied_cash"], lang)),
)
for column, (key, value) in zip(st.columns(len(cards)), cards, strict=True):
    dated = key in ("receivables_kpi_outstanding", "receivables_kpi_overdue")
    label = t(key) if not dated else t("receivables_kpi_on").format(kpi=t(key), date=as_of)
    column.metric(label, value, help=kpi_help("receivables-overview", key), border=True)

with st.container(border=True):
    st.subheader(t("receivables_chart_trend"))
    fig = go.Figure()
    fig.add_bar(
        x=trend["month_end"], y=trend["outstanding"], name=t("receivables_kpi_outstanding"),
        marker_color="#9db7d5",
    )  # fmt: skip
    fig.add_bar(
        x=trend["month_end"], y=trend["overdue"], name=t("receivables_kpi_overdue"),
        marker_color="#c0392b",
    )  # fmt: skip
    fig.update_layout(
        barmode="overlay",
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": charts.FONT_FAMILY},
        yaxis={"tickprefix": "¥"},
        legend={"orientation": "h"},
    )
    st.plotly_chart(fig, config={"displaylogo": False, "responsive": True})
    closed = trend[trend["is_closed"]]
    if not closed.empty:
        note = t("receivables_closed_months").format(
            count=len(closed), last=f"{closed['month_end'].max():%Y-%m}"
        )
        adjusted = closed[closed["outstanding_adjustment"].abs() >= 0.005]
        if not adjusted.empty:
            note += " " + t("receivables_adjustments").format(
                adjustments="; ".join(
                    f"{row.month_end:%Y-%m} {charts.format_cny(row.outstanding_adjustment)}"
                    for row in adjusted.itertuples()
                )
            )
        st.caption(note)

league = ar.rep_league(source, latest["month_end"])
with st.container(border=True):
    st.subheader(t("receivables_table_league"))
    columns = {
        "overdue_rank": "receivables_col_rank",
        "owner_name": "receivables_col_rep",
        "team_name": "receivables_col_team",
        "region_name": "receivables_col_region",
        "outstanding": "receivables_col_outstanding",
        "overdue": "receivables_col_overdue",
        "overdue_over_90": "receivables_col_overdue_90",
        "share_overdue": "receivables_col_share_overdue",
        "overdue_customers": "receivables_col_customers",
        "late_fee": "receivables_col_late_fee",
    }
    table = league[list(columns)].rename(columns={c: t(k) for c, k in columns.items()})
    money = ("outstanding", "overdue", "overdue_over_90", "late_fee")
    formats = {t(columns[c]): charts.format_cny for c in money}
    formats[t("receivables_col_share_overdue")] = "{:.1%}"
    st.dataframe(table.style.format(formats, na_rep="—"), hide_index=True)

top = ar.top_overdue_customers(source, latest["month_end"], TOP_CUSTOMERS)
with st.container(border=True):
    st.subheader(t("receivables_table_top_customers"))
    columns = {
        "account_name": "receivables_col_customer",
        "owner_name": "receivables_col_rep",
        "overdue": "receivables_col_overdue",
        "max_days_past_due": "receivables_col_max_days",
        "unapplied_cash": "receivables_col_unapplied",
    }
    table = top[list(columns)].rename(columns={c: t(k) for c, k in columns.items()})
    formats = {t(columns[c]): charts.format_cny for c in ("overdue", "unapplied_cash")}
    st.dataframe(table.style.format(formats, na_rep="—"), hide_index=True)

soon = ar.expected_overdue(source)
with st.container(border=True):
    st.subheader(t("receivables_table_expected_overdue"))
    st.caption(t("receivables_table_expected_overdue_caption"))
    columns = {
        "due_on": "receivables_col_due_on",
        "days_until_due": "receivables_col_days_until_due",
        "account_name": "receivables_col_customer",
        "owner_name": "receivables_col_rep",
        "team_name": "receivables_col_team",
        "statement_id": "receivables_col_statement",
        "installment_no": "receivables_col_installment",
        "open_amount": "receivables_col_open",
    }
    table = soon[list(columns)].rename(columns={c: t(k) for c, k in columns.items()})
    st.dataframe(
        table.style.format({t("receivables_col_open"): charts.format_cny}, na_rep="—"),
        hide_index=True,
    )
