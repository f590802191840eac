"""Admin: the audit log (logins ok and failed, page views, downloads)."""

import streamlit as st

from dashboards import audit
from dashboards.i18n import t

st.title(t("admin_page_audit"))
st.caption(t("admin_audit_caption"))
user_col, event_col = st.columns(2)
username = user_col.text_input(t("admin_filter_user"), key="audit_user").strip() or None
event = event_col.selectbox(
    t("admin_filter_event"), [None, *audit.EVENTS], format_func=lambda e: e or "—", key="audit_ev"
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
