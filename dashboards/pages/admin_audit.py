"""Admin: the audit log (logins ok and failed, page views, downloads)."""

import streamlit as st

from dashboards import audit, url_state
from dashboards.i18n import t

st.title(t("admin_page_audit"))
st.caption(t("admin_audit_caption"))
user_col, event_col = st.columns(2)
username = (
    url_state.text_input(user_col, t("admin_filter_user"), key="audit_user", param="user").strip()
    or None
)
event = url_state.picker(
    event_col.selectbox,
    t("admin_filter_event"),
    [None, *audit.EVENTS],
    key="audit_ev",
    param="event",
    format_func=lambda e: e or "—",
)
entries = audit.entries(username=username, event=event)
st.dataframe(
    entries.rename(
        columns={
            "at": t("admin_col_at"),
            "username": t("admin_col_user"),
            "event": t("admin_col_event"),
            "page": t("admin_col_page"),
            "detail": t("admin_col_detail"),
        }
    ),
    hide_index=True,
    width="stretch",
)
