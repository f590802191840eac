"""Executive overview (经营总览): bookings against quota, revenue, receivables, DSO, service
SLA and satisfaction, and the top risks, on one screen; each figure links to its page."""

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import charts, data, overview_data, receivables_data
from dashboards.auth_session import session_scope
from dashboards.i18n import current_language, t
from dashboards.metric_docs import kpi_help
from dashboards.overview_view import card, table

lang = current_language()
source = data.current_published()
scope = session_scope()
st.title(t("page_executive_overview"))
st.caption(f"{t('overview_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}")
missing = data.missing_marts(source, overview_data.EXECUTIVE_MARTS)
if missing:
    st.error(t("overview_missing").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()

sales = overview_data.sales_year_to_date(source)
ar = receivables_data.overdue_trend(source)
service = overview_data.service_latest(source)
latest = ar.iloc[-1] if len(ar) else pd.Series(dtype=object)
through = f"{sales['through']:%Y-%m}" if sales["through"] else "—"
attainment = sales["bookings"] / sales["quota"] if sales["quota"] else None

row = st.columns(4)  # fmt: skip
card(
    row[0],
    t("overview_bookings").format(month=through),
    charts.format_cny_compact(sales["bookings"], lang),
    "sales-overview",
    scope.may_open("sales-overview"),
    help=kpi_help("executive-overview", "overview_bookings"),
)
card(
    row[1],
    t("overview_attainment"),
    charts.format_percent(attainment),
    "sales-overview",
    scope.may_open("sales-overview"),
    help=kpi_help("executive-overview", "overview_attainment"),
)
card(
    row[2],
    t("overview_revenue"),
    charts.format_cny_compact(sales["revenue"], lang),
    "sales-overview",
    scope.may_open("sales-overview"),
    help=kpi_help("executive-overview", "overview_revenue"),
)
card(
    row[3],
    t("overview_dso"),
    charts.format_days(latest.get("dso_days")),
    "receivables-overview",
    scope.may_open("receivables-overview"),
    help=kpi_help("executive-overview", "overview_dso"),
)
row = st.columns(4)  # fmt: skip
as_of = f"{latest['month_end']:%Y-%m-%d}" if len(latest) else "—"
card(
    row[0],
    t("overview_outstanding").format(date=as_of),
    charts.format_cny_compact(latest.get("outstanding"), lang),
    "receivables-overview",
    scope.may_open("receivables-overview"),
    help=kpi_help("executive-overview", "overview_outstanding"),
)
card(
    row[1],
    t("overview_overdue").format(date=as_of),
    charts.format_cny_compact(latest.get("overdue"), lang),
    "receivables-aging",
    scope.may_open("receivables-aging"),
    help=kpi_help("executive-overview", "overview_overdue"),
)
card(
    row[2],
    t("overview_collections"),
    charts.format_cny_compact(latest.get("collections"), lang),
    "receivables-overview",
    scope.may_open("receivables-overview"),
    help=kpi_help("executive-overview", "overview_collections"),
)
month = f"{service['month']:%Y-%m}" if service["month"] else "—"
card(
    row[3],
    t("overview_sla").format(month=month),
    charts.format_percent(service["sla_attainment"]),
    "service-cockpit",
    scope.may_open("service-cockpit"),
    help=kpi_help("executive-overview", "overview_sla"),
)

trend_col, csat_col = st.columns([3, 1])
with trend_col:
    st.subheader(t("overview_overdue_trend"))
    if len(ar):
        figure = px.line(ar, x="month_end", y="overdue", markers=True)
        figure.update_layout(
            xaxis_title=None, yaxis_title=None, height=260, margin={"l": 0, "r": 0, "t": 10, "b": 0}
        )
        st.plotly_chart(figure, config={"displayModeBar": False})
card(
    csat_col,
    t("overview_csat"),
    "—" if service["csat"] is None else f"{service['csat']:.2f} / 5",
    "service-cockpit",
    scope.may_open("service-cockpit"),
    help=kpi_help("executive-overview", "overview_csat"),
)

st.subheader(t("overview_risks"))
customers_col, tickets_col, deals_col = st.columns(3)
with customers_col:
    st.markdown(f"**{t('overview_risk_customers')}**")
    table(
        overview_data.top_overdue_customers(source),
        {
            "account_name": "col_account",
            "overdue": "col_overdue_amount",
            "max_days_past_due": "col_days_overdue",
        },
        {"col_overdue_amount": charts.format_cny},
    )
with tickets_col:
    st.markdown(f"**{t('overview_risk_tickets')}**")
    table(
        overview_data.open_tickets(source, breached_only=True).head(overview_data.TOP_RISKS),
        {
            "ticket_id": "col_ticket",
            "account_name": "col_account",
            "open_age_days": "col_open_days",
        },
        {"col_open_days": "{:,.1f}"},
    )
with deals_col:
    st.markdown(f"**{t('overview_risk_deals')}**")
    table(
        overview_data.alerts(source, "stuck_in_stage").head(overview_data.TOP_RISKS),
        {"subject_id": "col_deal", "owner_name": "col_owner", "amount": "col_amount"},
        {"col_amount": charts.format_cny},
    )
