"""Admin: the users of the cockpit (managed with `medops users`), without password hashes."""

import pandas as pd
import streamlit as st

from dashboards import users
from dashboards.i18n import t

st.title(t("admin_page_users"))
st.caption(t("admin_users_caption").format(path=users.users_file()))
rows = [
    {
        t("admin_col_user"): user.username,
        t("admin_col_name"): user.name,
        t("admin_col_role"): t(f"role_{user.role}"),
        t("admin_col_employee"): user.employee_id or "—",
        t("admin_col_unit"): user.unit_id or "—",
        t("admin_col_sso"): user.email or "—",
        t("admin_col_disabled"): user.disabled,
    }
    for user in users.load_users().values()
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
