"""My day (我的今日): a rep's alerts, deals due this month, overdue statements with late fees,
open tickets at their customers and their visits this week; laid out to read on a phone.
Rows are the user's own (the scope of the login), so the queries take no owner filter."""

import datetime as dt

import streamlit as st

from dashboards import charts, data, overview_data
from dashboards.i18n import current_language, t
from dashboards.overview_view import table

lang = current_language()
source = data.current_published()
st.title(t("page_my_day"))
st.caption(t("my_day_caption"))
missing = data.missing_marts(source, overview_data.MY_DAY_MARTS)
if missing:
    st.error(t("overview_missing").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()
today = overview_data.data_as_of(source) or dt.date.today()
st.caption(f"{t('data_as_of')}: {today:%Y-%m-%d}")

alerts = overview_data.alerts(source)
statements = overview_data.overdue_statements(source)
tickets = overview_data.open_tickets(source, breached_only=False)
deals = overview_data.deals_due(source, today.replace(day=1))
week_start = today - dt.timedelta(days=today.weekday())
visits = overview_data.visits_between(source, week_start, today)

sections = (
    ("my_day_alerts", alerts, len(alerts)),
    ("my_day_deals", deals, charts.format_cny_compact(deals["amount"].sum(), lang)),
    ("my_day_statements", statements,
     charts.format_cny_compact(statements["open_amount"].sum(), lang)),
    ("my_day_tickets", tickets, len(tickets)),
    ("my_day_visits", visits, len(visits)),
)  # fmt: skip
alert_name = "alert_name_zh" if lang == "zh" else "alert_name_en"
for key, frame, headline in sections:
    with st.expander(f"{t(key)} · {headline}", expanded=key == "my_day_alerts"):
        if key == "my_day_alerts":
            table(
                frame,
                {alert_name: "col_alert", "subject_id": "col_deal", "days_since": "col_days_since"},
                {"col_days_since": "{:,.1f}"},
            )
        elif key == "my_day_deals":
            table(
                frame,
                {
                    "opportunity_id": "col_deal",
                    "expected_close_on": "col_expected_close",
                    "amount": "col_amount",
                },
                {"col_amount": charts.format_cny},
            )
        elif key == "my_day_statements":
            table(
                frame,
                {
                    "account_name": "col_account",
                    "days_past_due": "col_days_overdue",
                    "open_amount": "col_open_amount",
                    "late_fee": "col_late_fee",
                },
                {"col_open_amount": charts.format_cny, "col_late_fee": charts.format_cny},
            )
        elif key == "my_day_tickets":
            table(
                frame,
                {
                    "ticket_id": "col_ticket",
                    "account_name": "col_account",
                    "open_age_days": "col_open_days",
                },
                {"col_open_days": "{:,.1f}"},
            )
        else:
            table(
                frame,
                {
                    "visited_on": "col_visited_on",
                    "account_id": "col_account",
                    "activity_type": "col_activity",
                },
                {},
            )
